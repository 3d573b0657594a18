"""Issue #14, finding 1 and its class: no text of any shape makes our text work slow.

The review's samples (a line of 8 000 ``a`` + ``@`` + 8 000 ``a``: 36 s; 12 000
spaces + ``x``: 71 s) go through the real runner; then every function that reads
message text meets every hostile shape we know (long lines, the same lines many
times, unclosed markup, fences that never close) at a size where quadratic time
would be minutes, and hypothesis builds more lines of the same kind: a repeated
unit of the characters our patterns care about, between a prefix and a suffix.
Each must finish within a bound a linear implementation meets a hundred times
over (``within`` interrupts a runaway regular expression instead of hanging).

The rewritten line tests must also decide exactly what the old regular expressions
decided, on every line short enough for the old ones to finish: those are kept
here as the oracle.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.catalog.load import load_catalog, parse_catalog
from gateway.catalog.match import classify
from gateway.catalog.reader import read
from gateway.catalog.sheet import _line_pair, parse_sheet
from gateway.config.settings import CatalogSettings, Settings
from gateway.core.clock import FakeClock
from gateway.core.errors import Problem
from gateway.core.model import InboxState
from gateway.core.sniff import not_mail_reason
from gateway.pipeline import loops
from gateway.pipeline.commands import parse_commands
from gateway.pipeline.parse import headers
from gateway.pipeline.parse.charsets import decode_header_value
from gateway.pipeline.parse.filenames import safe_filename
from gateway.pipeline.parse.html_text import html_to_text
from gateway.pipeline.parse.load import repaired
from gateway.pipeline.parse.message import parse_message
from gateway.pipeline.parse.quotes import (
    _find_quote_header,
    _is_header_line,
    split_reply,
)
from gateway.pipeline.parse.signatures import without_signature, writer_names
from gateway.pipeline.request_words import request_words
from gateway.pipeline.thread import base_subject, subject_tag
from gateway.runtime.app import build
from tests.support import hostile
from tests.support.catalogs import EXAMPLE
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.pipeline import deliver, show

OWN_NAMES = writer_names("山田 太郎", "taro.yamada@example.test")
SIZE = 100_000  # characters: quadratic time here is minutes, linear is milliseconds
BOUND = 3.0  # seconds, on a busy two-core machine
CATALOG = load_catalog(EXAMPLE)
SHEET_ENTRY = next(e for e in CATALOG.entries if e.fields)
FALLBACK = "  - id: other\n    name: Other\n    fallback: true\n    manager: boss@example.test\n"


def check_catalog_text(text: str) -> list[Problem]:
    return read(text)[1]


def safe_filename_of(text: str) -> object:
    return safe_filename(text, "application/octet-stream", 1)


def _sheet(text: str) -> object:
    return parse_sheet(SHEET_ENTRY, text)


def _classify(text: str) -> object:
    return classify(CATALOG, text[:2000], text)


# keywords with a mark at an edge: looked for outside addresses (gateway.catalog.hosts)
MARKED = parse_catalog(
    "entries:\n  - id: dev\n    name: Dev\n    keywords: [.net, c#, c++]\n"
    "    assignee: a@example.test\n" + FALLBACK
)


def _request_words(text: str) -> object:
    """What filing reads: the words without a tagline, a notice and a signature (framed
    by rules too) at their end, the writer's names known, classified by keywords with
    marks; and a member's signature judged with their names."""
    msg = parse_message(b"From: Yamada Taro <taro.yamada@example.test>\r\n\r\nbody\r\n")
    words = request_words(replace(msg, subject=text[:2000], new_text=text))
    return classify(MARKED, text[:2000], words), without_signature(text, OWN_NAMES)


def _subject_rules(text: str) -> object:
    """What loops and threading read of a subject: auto-reply and bounce words, the tag."""
    msg = parse_message(b"From: a@b.test\r\nSubject: x\r\n\r\nbody\r\n")
    msg = replace(msg, subject=text, text=text, new_text=text)
    return loops.verdict(msg, "support@example.test"), subject_tag(text)


TEXT_READERS: dict[str, Callable[[str], object]] = {
    "split_reply": split_reply,
    "parse_sheet": _sheet,
    "html_to_text": html_to_text,
    "decode_header": decode_header_value,
    "base_subject": base_subject,
    "parse_commands": lambda text: parse_commands(text, 20),
    # under a command, with the writer's names: the signature judge reads every line
    "signature_names": lambda text: parse_commands("/close\n" + text, 20, None, OWN_NAMES),
    "classify": _classify,
    "request_words": _request_words,
    "addresses": lambda text: headers.addresses([text], None, []),
    "message_ids": lambda text: headers.msgid_list([text]),
    "subject_rules": _subject_rules,
    "filename": safe_filename_of,
    "header_repair": lambda text: repaired(("X: y\r\n" + text).encode("utf-8", "replace"), []),
    "not_mail": lambda text: not_mail_reason(text.encode("utf-8", "replace")),
}


# ------------------------------------------------------------- the review's samples


@pytest.mark.parametrize(
    "line",
    ["a" * 8000 + "@" + "a" * 8000, " " * 12000 + "x"],
    ids=["address-run", "spaces"],
)
def test_the_reviews_lines_are_ingested_in_seconds(
    settings: Settings, clock: FakeClock, tmp_path: Path, line: str
) -> None:
    """36 s and 71 s before the fix, with the runner holding the GIL all along."""
    with_sheet = replace(settings, catalog=CatalogSettings(path=EXAMPLE))
    app = build(with_sheet, clock)
    try:
        raw = hostile._message("Hello,\n" + line + "\nthanks\n")
        with hostile.within(10, "ingesting one 16 KB line"):
            outcome = deliver(app, raw)
        assert outcome.state == InboxState.DONE
        assert line.strip() in show(app, outcome.ticket_id or 0)["messages"][0]["text"]
    finally:
        app.close()


# ---------------------------------------------------------- every shape, every reader


@pytest.mark.parametrize("shape", sorted(hostile.LINE_SHAPES))
@pytest.mark.parametrize("reader", sorted(TEXT_READERS))
def test_a_long_line_of_any_shape_costs_linear_time(reader: str, shape: str) -> None:
    line = hostile.LINE_SHAPES[shape](SIZE)
    with hostile.within(BOUND, f"{reader} on a {len(line)}-character {shape} line"):
        TEXT_READERS[reader]("Hello,\n" + line + "\n")


@pytest.mark.parametrize("shape", sorted(hostile.LINE_SHAPES))
@pytest.mark.parametrize("reader", sorted(TEXT_READERS))
def test_many_lines_of_any_shape_cost_linear_time(reader: str, shape: str) -> None:
    """A bound on what one line may cost is not enough: 300 such lines, and more."""
    line = hostile.LINE_SHAPES[shape](300)
    text = "\n".join([line] * (SIZE // len(line)))
    with hostile.within(BOUND, f"{reader} on {SIZE // len(line)} {shape} lines"):
        TEXT_READERS[reader](text)


@pytest.mark.parametrize(
    "text",
    [
        "```yaml\n" * (SIZE // 8),
        "```\n```yaml\nos: x\n" * (SIZE // 20),
        ("os:" + " " * 200 + "x\n") * (SIZE // 204),
        "\n" * SIZE,
        "x\n" * (SIZE // 2),
        "> x\n" * (SIZE // 4) + "answer",
        "answer\n" + "> x\n" * (SIZE // 4),
    ],
    ids=[
        "open-fences",
        "fence-pairs",
        "padded-values",
        "newlines",
        "short-lines",
        "quotes",
        "tail",
    ],
)
@pytest.mark.parametrize("reader", sorted(TEXT_READERS))
def test_line_structures_cost_linear_time(reader: str, text: str) -> None:
    with hostile.within(BOUND, reader):
        TEXT_READERS[reader](text)


@pytest.mark.parametrize(
    "piece",
    [
        "<a ",
        "<!--",
        "</",
        "&#",
        "<![",
        "<?",
        "<a b='",
        '<a b="',
        "<div>",
        "<blockquote>",
        "</p>",
        '<div style="display:none">',  # hidden and never closed: nothing taken back
        '<i style="display:none">x</i>y',  # hidden and closed, one after another
        '<a href="https://x.test/">w ',  # links never closed: each closes the last
        '<a href="https://x.test/">w</a>',  # a hundred thousand links and targets
        '<a href="javascript:x">',  # targets never written out, still read
    ],
)
def test_unclosed_or_deep_markup_costs_linear_time(piece: str) -> None:
    """html.parser rescanned the rest of the document for each of these (minutes)."""
    with hostile.within(BOUND, f"html_to_text on {piece!r} × {SIZE // len(piece)}"):
        html_to_text("<p>start</p>" + piece * (SIZE // len(piece)) + "<p>end</p>")


@pytest.mark.parametrize(
    "raw",
    [
        hostile.long_line("email", SIZE),
        hostile.long_line("spaces", SIZE),
        hostile.many_lines("wrote", SIZE),
        hostile.fences(SIZE),
        hostile.encoded_subject(SIZE * 3),
        hostile.nested_html(SIZE * 3),
        hostile.nested_html(SIZE * 3, "blockquote"),
        hostile.unclosed_html(SIZE, "<a b='"),
        hostile.many_parts(5000),
        hostile.deep_nesting(1000),
        hostile.many_cc(5000),
        hostile.many_references(20000),
    ],
    ids=lambda raw: f"{len(raw)}B",
)
def test_parsing_hostile_messages_costs_linear_time(raw: bytes) -> None:
    with hostile.within(2 * BOUND, "parse_message"):
        msg = parse_message(raw)
    assert msg.is_mail


# ------------------------------------------------------------ hypothesis: more of them

# the characters and words our patterns look at, so repetitions of them almost match
TOKENS = [
    "a", " ", "\t", "\u3000", "@", "<", ">", ":", "：", "-", "_", "*", ".", "/", "1",
    "2024", "年", "月", "日", "On ", "wrote", "From", "Sent", "のメッセージ", "書きました",
    "さん", "から", "Re", "[1]", "```", "yaml", "=?", "?=", "&#", "<a ", "'", '"', "=",
]  # fmt: skip
token = st.sampled_from(TOKENS)
hostile_lines = st.builds(
    lambda prefix, unit, count, suffix: "".join(prefix) + "".join(unit) * count + "".join(suffix),
    st.lists(token, max_size=4),
    st.lists(token, min_size=1, max_size=3),
    st.integers(min_value=5_000, max_value=20_000),
    st.lists(token, max_size=4),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(line=hostile_lines, reader=st.sampled_from(sorted(TEXT_READERS)))
def test_generated_hostile_lines_cost_linear_time(line: str, reader: str) -> None:
    with hostile.within(BOUND, f"{reader} on {line[:40]!r}…"):
        TEXT_READERS[reader]("Hi\n" + line + "\n" + line[:300] + "\n")


# --------------------------------------------- the same decisions as the old patterns

_EMAIL = r"[^\s<>@]+@[^\s<>@]+"
_WROTE = (
    r"(?:wrote|writes|a\s+écrit|schrieb|escribió|ha\s+scritto|scrisse|schreef|"
    r"napisał\(a\)|napisał|skrev|kirjoitti|написал\(а\)|написал|escreveu)"
)
_JA_DATE = r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
_NUMERIC_DATE = r"\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}"
OLD_HEADER_LINES = [
    re.compile(r"^-{2,}\s*Original\s+Message\s*-{2,}\s*$", re.I),
    re.compile(r"^-{2,}\s*(?:元の|オリジナル)\s*メッセージ\s*-{2,}\s*$"),
    re.compile(r"^-{2,}\s*(?:Forwarded|転送)[^\n]*-{2,}\s*$", re.I),
    re.compile(r"^-{2,}\s*Forwarded\s+message\s*-*\s*$", re.I),
    re.compile(r"^(?:Begin\s+forwarded\s+message|転送されたメッセージ)\s*[:：]\s*$", re.I),
    re.compile(r"^[-_=─━]{10,}\s*$"),  # a rule (cut only above a From:/Sent: block)
    # Gmail's and iPhone's Japanese attributions: the date first and the address last,
    # or (iPhone) one of them (a writer's own dated or "…のメッセージ:" line is not one)
    re.compile(rf"^\s*{_JA_DATE}.*(?:<{_EMAIL}>|{_EMAIL}).{{0,40}}[:：]\s*$"),
    re.compile(rf"^\s*(?:{_JA_DATE}|{_NUMERIC_DATE}).*のメッセージ\s*[:：]\s*$"),
    re.compile(rf"^(?=.*のメッセージ\s*[:：]\s*$).*(?:<{_EMAIL}>|{_EMAIL}).{{0,40}}[:：]\s*$"),
    re.compile(r"^.*書きました\s*[:：]\s*$"),
    re.compile(r"^.*(?:さん|様)から\s*[:：]\s*$"),
    re.compile(rf"^.*<{_EMAIL}>\s*[:：]\s*$"),
    re.compile(rf"^.*(?:<{_EMAIL}>|{_EMAIL}).{{0,40}}\b{_WROTE}\s*[:：]\s*$", re.I),
    re.compile(rf"^\s*(?:On|Am|Le|El|Il|Op|Em|Dnia|W\s+dniu)\b.*\b{_WROTE}\s*[:：]?\s*$", re.I),
    re.compile(r"^\s*\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}.*\b" + _WROTE + r"\s*[:：]\s*$", re.I),
]
OLD_SHEET_LINE = re.compile(r"^\s*(?:[-*・●•]\s*)?([^:：\n]{1,60}?)\s*[:：]\s*(.+?)\s*$")

ATTRIBUTION_TOKENS = [
    "a", "b", " ", "@", "<", ">", ":", "：", "-", "_", ".", "/", "1", "12", "2024", "年",
    "月", "日", "On ", "Le ", "W dniu ", "wrote", " wrote", "a écrit", "napisał(a)",
    "Forwarded", "転送", " message", "Original", " Message", "のメッセージ", "書きました",
    "さん", "様", "から", "bob@example.com", "<x@y.jp>", "x" * 30, "_" * 10,
    "-" * 10, "=" * 12, "─" * 10,
]  # fmt: skip
attribution_lines = st.lists(st.sampled_from(ATTRIBUTION_TOKENS), max_size=12).map("".join)


@settings(max_examples=3000, deadline=None)
@given(line=attribution_lines)
def test_attribution_lines_are_judged_as_before(line: str) -> None:
    stripped = line.strip()
    if not stripped:
        return
    # a block of Outlook's whole shape: one with nothing above it counts too (a rule
    # over "From:/Sent:/To:" alone is one, the three lines alone are not: test_quote_lookalikes)
    lines = [line, "From: x", "Sent: y", "To: z", "Subject: s"]
    old = any(p.match(stripped) for p in OLD_HEADER_LINES)
    if re.fullmatch(r"[-_=─━]{10,}", stripped):
        old = _find_quote_header(lines[1:]) == 0
    assert _is_header_line(stripped, lines, 0) == old


SHEET_TOKENS = ["os", "OS", " ", "\t", ":", "：", "-", "・", "*", "x", "2026/4/1", "a" * 30]
sheet_lines = st.lists(st.sampled_from(SHEET_TOKENS), max_size=10).map("".join)


@settings(max_examples=2000, deadline=None)
@given(line=sheet_lines)
def test_sheet_lines_are_read_as_before(line: str) -> None:
    """As the old pattern read them; and a line without a colon as it read the line with
    a colon for its first tab (a row pasted from a spreadsheet: ``OS<TAB>windows``)."""
    colonless = ":" not in line and "：" not in line
    line_read = line.replace("\t", ":", 1) if colonless else line
    m = OLD_SHEET_LINE.match(line_read)
    old = (m.group(1), m.group(2)) if m else None
    new = _line_pair(line)
    if old is not None and not old[0].strip():
        old = None  # a key of spaces alone: the old pattern took it, no field has that name
    if old is not None and line_read != line and not old[1].strip():
        old = None  # a row's blank cell: not given (a colon's blank value is "empty")
    assert new == old


# ------------------------------------------------- admin-written catalog regexes (RE2)

CATASTROPHIC = ["(a+)+b", "(a|aa)+$", "(x+x+)+y", ".*a.*a.*a.*a.*b", "(\\w+\\s?)+!"]


@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_catastrophic_keyword_regexes_match_in_linear_time(pattern: str) -> None:
    """Under Python's re each of these takes minutes on a 100 KB line; RE2 cannot."""
    catalog = parse_catalog(
        f"entries:\n  - id: x\n    name: X\n    keywords: [{{regex: '{pattern}'}}]\n" + FALLBACK
    )
    text = "a" * SIZE + "!"  # (a+)+b under a backtracking engine: 2^n steps
    with hostile.within(BOUND, f"keyword regex {pattern!r} on {len(text)} characters"):
        classify(catalog, text, text)


@pytest.mark.parametrize(
    ("pattern", "why"),
    [("(a)\\1", "backreference"), ("vpn(?=client)", "lookaround"), ("(?<!no )vpn", "lookaround")],
)
def test_catalog_check_refuses_what_re2_cannot_run_on_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], pattern: str, why: str
) -> None:
    config = write_config(tmp_path, secret_file=True)
    path = tmp_path / "catalog.yaml"
    path.write_text(
        "entries:\n  - id: x\n    name: X\n    keywords:\n      - vpn\n"
        f"      - {{regex: '{pattern}'}}\n" + FALLBACK,
        encoding="utf-8",
    )
    code, out, _ = run(config, "catalog", "check", str(path), capsys=capsys)
    assert code == 65
    expected = f"{path}:6: entry 'x': keywords: regular expression {pattern!r} needs backtracking"
    assert out.startswith(expected), out
    assert why.split()[0][:8] in out  # "backreference or a lookaround" names the cause


def test_a_plain_python_syntax_error_is_still_a_bad_regular_expression(tmp_path: Path) -> None:
    problems = check_catalog_text(
        "entries:\n  - id: x\n    name: X\n    keywords: [{regex: '[unclosed'}]\n" + FALLBACK
    )
    assert [(p.line, str(p.message).split(": ")[2]) for p in problems] == [
        (4, "bad regular expression '[unclosed'")
    ]
