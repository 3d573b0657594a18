"""Reading command lines out of real replies: what an experienced helpdesk user writes
(and what their mail client does to it) is read as they meant it, and nothing else is.

Each case goes through the real parser (the raw mail, its quotes, its HTML, its
signature) and then the command reader, as the runner does.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from gateway.core.i18n import N_, translate
from gateway.pipeline import commands as c
from gateway.pipeline.command_lines import REPEATED
from gateway.pipeline.commands import Role
from gateway.pipeline.parse.message import parse_message
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.cpu import cpu_within
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of

# CPU seconds: a bound only a quadratic reading of these inputs reaches (it would take
# minutes); the linear one takes a fraction of a second. CPU, not wall time: a loaded
# CI machine (pytest -n 4 on two cores) stretches the wall time alone, by seconds
QUADRATIC = 30.0

NOW = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)


def _raw(body: str, *, subtype: str = "plain", crlf: bool = False) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Alice <alice@customer.test>"
    msg["To"] = "support@example.test"
    msg["Subject"] = "Re: [#1] VPN"
    msg.set_content(body, subtype=subtype)
    raw = bytes(msg)
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") if crlf else raw


def read(raw: bytes, max_lines: int = 20) -> c.Parsed:
    return c.parse_commands(parse_message(raw).new_text, max_lines)


def names(parsed: c.Parsed) -> list[tuple[str, str]]:
    return [(cmd.name, cmd.arg) for cmd in parsed.commands]


@pytest.mark.parametrize(
    ("body", "expected", "remaining"),
    [
        # sentence punctuation a writer ends the line with is not part of the command
        ("/close。\nありがとうございました。\n", [("close", "")], "ありがとうございました。"),
        ("／ｃｌｏｓｅ。\n", [("close", "")], ""),
        ("/close.\n\nThanks, it works now.\n", [("close", "")], "Thanks, it works now."),
        ("/close!\n", [("close", "")], ""),
        ("/priority low。\n", [("priority", "low")], ""),
        ("/close duplicate.\n", [("close", "duplicate")], ""),
        ("/close…\n", [("close", "")], ""),
        # a question is not an instruction: kept as the writer's words
        ("/close?\nOr should we wait?\n", [], "/close?\nOr should we wait?"),
        # … nor is a sentence that merely starts with a command word
        ("/close. Thanks for your help\n", [], "/close. Thanks for your help"),
    ],
)
def test_trailing_punctuation(body: str, expected: list[tuple[str, str]], remaining: str) -> None:
    parsed = read(_raw(body))
    assert names(parsed) == expected
    assert parsed.remaining == remaining


def test_a_notes_text_keeps_its_punctuation() -> None:
    parsed = read(_raw("/note 先方に電話済み。\n明日また確認します。\n"))
    assert parsed.note == "先方に電話済み。\n明日また確認します。"


@pytest.mark.parametrize(
    "body",
    [
        "/close\n/close\n",
        "/close\n\n／ｃｌｏｓｅ\n",  # the same command, once with the IME on
        "/priority low\n/close\n/priority  LOW\n",
    ],
)
def test_a_command_given_twice_is_read_once_and_the_repeat_is_reported(body: str) -> None:
    parsed = read(_raw(body))
    assert len(parsed.commands) == len({(cmd.name, cmd.arg.lower()) for cmd in parsed.commands})
    lines = [line for line in body.splitlines() if line.strip()]
    assert len(parsed.commands) + len(parsed.ignored) == len(lines)  # nothing relayed
    [repeat] = parsed.ignored
    assert repeat.line == body.strip().splitlines()[-1] and repeat.why == REPEATED


def test_the_same_word_with_another_argument_is_not_a_repeat() -> None:
    parsed = read(_raw("/cc add kato@customer.test\n/cc add sato@customer.test\n"))
    assert len(parsed.commands) == 2 and parsed.ignored == ()


@pytest.mark.parametrize(
    ("subject", "locale"), [("VPN が繋がりません", "ja"), ("VPN does not connect", "en")]
)
def test_a_requesters_close_given_twice_closes_once_and_says_so(
    team: App, subject: str, locale: str
) -> None:
    """The second /close was refused ("already closed") and the transcript added the
    grammar, as if the writer had got something wrong; the event log showed a refusal."""
    deliver(team, mail(subject, message_id="<twice@customer.test>"))
    to = reply_address(team, 1, "alice@customer.test")
    deliver(team, mail("Re: " + subject, body="/close\n/close\n", to=to), envelope_to=(to,))
    t = show(team, 1)
    assert t["state"] == "closed"
    assert [e["kind"] for e in t["events"]].count("command-refused") == 0
    [transcript] = outbox(team, "command_result")
    text = text_of(transcript)
    assert translate(REPEATED, locale) in text, text
    assert translate(c.REQUESTER_HELP, locale).strip().splitlines()[0] not in text, text


@pytest.mark.parametrize(
    "line",
    [
        "/close " + "x" * 2_000_000,  # one argument of two megabytes
        "/close " + "x " * 1_000_000,  # a million of them
        "/" + "a" * 2_000_000,  # a command word of two megabytes
        "/close \x00\x01\x02\x7f\x1b[2J" + "\x00\xff" * 1000,  # bytes that are not text
    ],
    ids=["long-argument", "many-arguments", "long-word", "binary"],
)
def test_an_overlong_or_binary_command_line_is_not_read_and_is_shown_short(line: str) -> None:
    """Such a line was read as a command and its whole text went into the refusal, the
    transcript mail and the events: megabytes of them, or terminal escapes. It is a
    command line (never relayed as words), not read, and shown short and printable."""
    # linear: about 0.05 s of CPU here
    parsed = cpu_within(QUADRATIC, lambda: c.parse_commands(line + "\nThanks\n", 20))
    assert parsed.commands == () and parsed.remaining == "Thanks"
    [not_read] = parsed.ignored
    assert len(not_read.line) <= 120
    assert not any(unicodedata.category(ch) == "Cc" for ch in not_read.line)
    assert len(str(not_read.why)) <= 120


def test_a_flood_of_command_lines_is_reported_in_a_few_lines() -> None:
    """A hundred thousand lines past the limit made a transcript of a hundred thousand
    lines: each is still not read (nor relayed), and the report stays short."""
    text = "/pending\n" + "/close\n/open\n" * 50_000 + "Hello\n"
    parsed = cpu_within(QUADRATIC, lambda: c.parse_commands(text, 20))
    assert [cmd.name for cmd in parsed.commands] == ["pending", "close", "open"]
    assert parsed.remaining == "Hello"
    assert len(parsed.ignored) <= 21
    passed_over = 100_001 - 3
    more = passed_over - (len(parsed.ignored) - 1)  # in the last report: how many more
    assert parsed.ignored[-1].why.params["n"] == more


def test_a_long_note_is_still_a_note() -> None:
    """A member pastes a log into a note: its first line may be long."""
    parsed = c.parse_commands("/note " + "error " * 10_000 + "\nmore\n", 20)
    assert parsed.note is not None and len(parsed.note) > 60_000


@pytest.mark.parametrize("locale_subject", ["VPN が繋がりません", "VPN does not connect"])
def test_an_overlong_close_changes_nothing_and_the_transcript_stays_small(
    team: App, locale_subject: str
) -> None:
    deliver(team, mail(locale_subject, message_id="<long@customer.test>"))
    to = reply_address(team, 1, "alice@customer.test")
    body = "/close " + "あ" * 300_000 + "\n"
    deliver(team, mail("Re: x", body=body, to=to), envelope_to=(to,))
    assert show(team, 1)["state"] != "closed"
    [transcript] = outbox(team, "command_result")
    assert len(transcript.raw) < 20_000


OUTLOOK_EN = (
    "From: Support <support@example.test>\nSent: Saturday, December 5, 2026 10:00 AM\n"
    "To: Alice <alice@customer.test>\nSubject: RE: [#1] VPN\n\n"
)
OUTLOOK_JA = (
    "差出人: サポート <support@example.test>\n送信日時: 2026年12月5日 10:00\n"
    "宛先: alice@customer.test\n件名: RE: [#1] VPN\n\n"
)
GMAIL_JA = "2026年12月5日(土) 10:00 山田 <a@b.test>:\n"
WRAPPED_JA = "2026年12月5日(土) 10:00 山田 太郎 <\ntaro.yamada@example.jp>:\n"  # Gmail wraps
GMAIL_EN = "On Sat, Dec 5, 2026 at 10:00 AM Yamada <a@b.test> wrote:\n"


@pytest.mark.parametrize(
    "body",
    [
        # a reply with no words of its own (a file, or sent by mistake) above the old mail,
        # which Outlook copies below its From:/Sent: block without marking it as quoted
        OUTLOOK_EN + "/close\nThe certificate was renewed.\n",
        OUTLOOK_JA + "/close\n証明書を更新しました。\n",
        # and a quote marked as one, as every client that writes an attribution does
        GMAIL_JA + "> /close\n> 証明書を更新しました。\n",
        WRAPPED_JA + "> /close\n",
        "> /close\n",
    ],
    ids=["outlook-en", "outlook-ja", "marked", "marked-wrapped", "only-quote"],
)
def test_a_command_in_the_quoted_mail_is_never_read_nor_relayed(body: str) -> None:
    for raw in (_raw(body), _raw(body, crlf=True)):
        msg = parse_message(raw)
        parsed = c.parse_commands(msg.new_text, 20)
        assert parsed.commands == () and parsed.ignored == ()
        assert "/close" not in parsed.remaining.replace("> /close", "")
        assert "Sent:" not in msg.new_text and "送信日時" not in msg.new_text


@pytest.mark.parametrize(
    "body",
    [
        GMAIL_EN + "> Can you close it?\n\n/close\nDone.\n",  # bottom-posted below the quote
        WRAPPED_JA + "> 閉じてよいですか\n\n/close\n",
        "/close\n\n" + OUTLOOK_JA + "/open\n",  # above Outlook's header: the reply's own
        "/close\n-- \nAlice\n",
        # the quote deleted, its attribution kept: what follows it unmarked is the writer's
        GMAIL_JA + "/close\n証明書を更新しました。\n",
        GMAIL_EN + "\n/close\nThe certificate was renewed.\n",
        WRAPPED_JA + "/close\n",
    ],
    ids=[
        "bottom-posted",
        "bottom-posted-wrapped",
        "above-outlook",
        "above-signature",
        "quote-deleted-gmail-ja",
        "quote-deleted-gmail-en",
        "quote-deleted-wrapped",
    ],
)
def test_a_command_the_writer_wrote_is_read(body: str) -> None:
    assert names(read(_raw(body))) == [("close", "")]


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        # the writer's /close above Gmail's quote; the quoted /open is not read
        (
            '<div dir="ltr">/close<div><br></div></div><div class="gmail_quote">'
            '<div class="gmail_attr">2026年12月5日(土) 10:00 山田 &lt;a@b.test&gt;:</div>'
            '<blockquote class="gmail_quote">/open</blockquote></div>',
            [("close", "")],
        ),
        # an attribution kept above unmarked lines (a container we do not know marks
        # nothing): the writer's words below it, as in a plain-text reply
        (
            '<div><br></div><div class="x-quote">On Sat, Dec 5, 2026 at 10:00 AM Yamada '
            "&lt;a@b.test&gt; wrote:<br>/close<br>The certificate was renewed.</div>",
            [("close", "")],
        ),
        # … and the quote a known container marks is old, attribution and all
        (
            '<div class="gmail_quote"><div class="gmail_attr">On Sat, Dec 5, 2026 at 10:00 '
            'AM Yamada &lt;a@b.test&gt; wrote:</div><blockquote class="gmail_quote">/close'
            "<br>The certificate was renewed.</blockquote></div>",
            [],
        ),
        # Outlook on the web: the writer's /close, then its separator and the old mail
        (
            "<div>/close&nbsp;</div><div id=divRplyFwdMsg><hr><b>差出人:</b> 山田<br>"
            "<b>送信日時:</b> 2026年12月5日 10:00<br><b>宛先:</b> s<br><b>件名:</b> x</div>"
            "<div>/open</div>",
            [("close", "")],
        ),
    ],
    ids=["gmail", "unknown-container", "gmail-nothing-written", "outlook-web"],
)
def test_commands_in_an_html_only_reply(html: str, expected: list[tuple[str, str]]) -> None:
    assert names(read(_raw(html, subtype="html"))) == expected


@pytest.mark.parametrize(
    ("line", "role", "near"),
    [
        ("/clsoe", Role.MEMBER, "close"),  # letters swapped
        ("/asign ops2", Role.MEMBER, "assign"),  # one left out
        ("/closed", Role.REQUESTER, "close"),  # one too many
        ("/pend", Role.MEMBER, "pending"),  # the start of one command only
        ("／ｐｒｉｏｒｔｙ　ｌｏｗ", Role.REQUESTER, "priority"),  # with the IME on
        ("/asign ops2", Role.REQUESTER, None),  # not a requester's command: none to offer
        ("/frobnicate", Role.MEMBER, None),  # near nothing
        ("/c", Role.MEMBER, None),  # the start of several
    ],
)
def test_an_unknown_command_names_the_one_meant(line: str, role: Role, near: str | None) -> None:
    [cmd] = c.parse_commands(line, 20).commands
    refused = c.decide(cmd, c.CommandContext(role, ("ops2@example.test",), (), None, NOW, "UTC"))
    assert isinstance(refused, c.Refused) and refused.line == line
    assert refused.why.params.get("known") == near, refused.why
    assert f"/{cmd.name}" in str(refused.why)


@pytest.mark.parametrize(
    ("member", "locale"), [("ops2@example.test", "ja"), ("ops@example.test", "en")]
)
def test_a_member_is_told_which_line_was_not_understood_in_their_language(
    team: App, member: str, locale: str
) -> None:
    """(A requester's /clsoe is their words, relayed to the members: tests/test_customer_words.)"""
    deliver(team, mail("VPN", message_id="<typo@customer.test>"))
    to = reply_address(team, 1, member)
    body = "/clsoe\n\n" + ("解決しました。" if locale == "ja" else "It works now.") + "\n"
    deliver(team, mail("Re: [#1] VPN", body=body, sender=member, to=to), envelope_to=(to,))
    assert show(team, 1)["state"] != "closed"
    [transcript] = outbox(team, "command_result")
    text = text_of(transcript)
    said = N_("unknown command /{name}; did you mean /{known}?", name="clsoe", known="close")
    assert "/clsoe" in text and translate(said, locale) in text, text


@pytest.mark.parametrize(
    ("text", "expected", "remaining"),
    [
        # line ends of any kind, as a mail, a web form or a chat message brings them
        ("/close\r\n\r\nThanks.\r\n", [("close", "")], "Thanks."),
        ("/close\r/priority low\rThanks.", [("close", ""), ("priority", "low")], "Thanks."),
        ("/close\n\r\n/priority low\nThanks.", [("close", ""), ("priority", "low")], "Thanks."),
    ],
)
def test_line_ends(text: str, expected: list[tuple[str, str]], remaining: str) -> None:
    parsed = c.parse_commands(text, 20)
    assert names(parsed) == expected and parsed.remaining == remaining


@pytest.mark.parametrize(
    "body", ["Thanks\n-- \n/close\n", "-- \n/close\nAlice\n", "Thanks\n--\n/close\n"]
)
def test_below_a_signature_separator_is_the_signature(body: str) -> None:
    for raw in (
        _raw(body),
        _raw(body, crlf=True),
        _raw(body.replace("\n", "<br>\n"), subtype="html"),
    ):
        assert read(raw).commands == ()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # a slash's look-alikes that NFKC leaves as they are (it folds the full-width ／)
        ("\u2215close", [("close", "")]),  # DIVISION SLASH
        ("\u2044close", [("close", "")]),  # FRACTION SLASH
        ("\u2215ｐｒｉｏｒｉｔｙ　ｌｏｗ", [("priority", "ｌｏｗ")]),
        # read as slashes throughout the first word: a path written with them is a path
        ("\u2215var\u2215log を見てください", []),
        ("\u2044etc\u2044hosts", []),
        # and only at the start of a line, as a slash
        ("x\u2215close", []),
    ],
)
def test_a_slashs_look_alikes_read_as_a_slash(line: str, expected: list[tuple[str, str]]) -> None:
    for role in (Role.MEMBER, Role.REQUESTER):
        parsed = c.read_commands(f"{line}\nDone.\n", 20, role)
        assert names(parsed) == expected
        assert parsed.remaining.strip() == ("Done." if expected else f"{line}\nDone.")
