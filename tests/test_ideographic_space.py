"""The ideographic space (U+3000) a Japanese writer types between family and given name
(「山田　太郎」) or in a subject (「【至急】　VPN」) is part of how they wrote it: making
a name or a title one line turned it into an ASCII space, so mails and pages showed
「山田 太郎」. Now only control characters and ASCII white space are folded; matching
(``/assign 山田太郎`` finds 「山田　太郎」) stays tolerant of either space on its own."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.core.title import one_line, title
from gateway.pipeline import commands as c
from gateway.runtime.app import App
from tests.support.mails import mail
from tests.support.pipeline import deliver, header_of, outbox, show


def test_one_line_keeps_the_ideographic_space_and_folds_control_characters() -> None:
    assert one_line("山田\u3000太郎") == "山田\u3000太郎"
    assert (
        one_line("【至急】\u3000VPN\u3000が\r\n  つながらない\t")
        == "【至急】\u3000VPN\u3000が つながらない"
    )
    assert one_line("\u3000 山田 \u3000") == "山田"  # at the ends: nothing to show
    assert title("【至急】\u3000VPN") == "【至急】\u3000VPN"


def test_a_requesters_name_and_subject_are_shown_as_written(app: App) -> None:
    raw = mail("【至急】\u3000VPN", sender="山田\u3000太郎 <yamada@customer.test>")
    tid = deliver(app, raw).ticket_id or 0
    ticket = show(app, tid)
    assert ticket["subject"] == "【至急】\u3000VPN"
    sent = outbox(app)
    assert sent
    assert any("山田\u3000太郎" in header_of(row, "To") for row in sent)
    assert all("山田 太郎" not in header_of(row, "To") for row in sent)


def test_assign_by_a_name_written_with_either_space_finds_the_member() -> None:
    now = datetime(2026, 12, 5, tzinfo=UTC)
    names = {"yamada@example.test": "山田\u3000太郎"}
    for typed in (
        "/assign 山田太郎",
        "/assign 山田",
        "/assign 太郎",
        "/assign 山田 太郎",  # the name as configured, with either space
        "/assign 山田\u3000太郎",
        "／ａｓｓｉｇｎ　山田　太郎",
    ):
        [cmd] = c.read_commands(typed, 20, c.Role.MEMBER).commands
        ctx = c.CommandContext(
            c.Role.MEMBER, ["yamada@example.test"], [], None, now, "UTC", member_names=names
        )
        assert c.decide(cmd, ctx) == c.Assign("yamada@example.test"), typed


def test_an_html_body_keeps_an_ideographic_indent_and_space() -> None:
    """A Japanese paragraph starts with an ideographic space (字下げ); HTML collapses
    only its own white space (ASCII), so the converted text keeps it, as the plain part
    of the same mail does."""
    from gateway.pipeline.parse.html_text import html_to_text

    got = html_to_text(
        "<p>山田\u3000太郎\u3000様</p><p>\u3000字下げの段落です。</p><p>\u3000</p><p>a  b</p>"
    )
    assert got == "山田\u3000太郎\u3000様\n\n\u3000字下げの段落です。\n\na b"


def test_assign_by_a_latin_name_of_two_words_and_an_unknown_one() -> None:
    now = datetime(2026, 12, 5, tzinfo=UTC)
    names = {"ops@example.test": "Ops One", "ops2@example.test": "Ops Two"}
    ctx = c.CommandContext(c.Role.MEMBER, list(names), [], None, now, "UTC", member_names=names)
    [cmd] = c.read_commands("/assign Ops One", 20, c.Role.MEMBER).commands
    assert c.decide(cmd, ctx) == c.Assign("ops@example.test")
    [cmd] = c.read_commands("/assign Ops Three", 20, c.Role.MEMBER).commands
    refused = c.decide(cmd, ctx)
    assert isinstance(refused, c.Refused) and "unknown member" in str(refused.why)
