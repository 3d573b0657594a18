"""Two commands written on one line (``/pending /close``, ``/priority high /assign ops2``,
or two command lines a mail client joined): the first command took the second as its
argument and was refused for a reason that misled, "/pending takes no argument",
"/close takes at most one argument", "unknown member 'ops2 /close'", so the member
retried the same line. Nothing is done (one line, one command: the grammar), and the
refusal says what happened, in the member's language; a note's text and a field's
value keep a slash word as written (``/note see /close in the manual``)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gateway.core.i18n import translate
from gateway.pipeline import commands as c
from gateway.pipeline.commands import Role
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, words_of

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
MEMBERS = ("ops@example.test", "ops2@example.test")


def ctx(role: Role = Role.MEMBER) -> c.CommandContext:
    return c.CommandContext(role, MEMBERS, ("other",), None, NOW, "Asia/Tokyo")


def decided(line: str, role: Role = Role.MEMBER) -> c.Action | c.Refused:
    [cmd] = c.read_commands(line, 20, role).commands
    return c.decide(cmd, ctx(role))


@pytest.mark.parametrize(
    ("line", "second"),
    [
        ("/pending /close", "close"),
        ("/close /priority low", "priority"),
        ("/close resolved /priority low", "priority"),
        ("/priority high /assign ops2", "assign"),
        ("/assign ops2 /close", "close"),
        ("/merge 12 ／ｃｌｏｓｅ", "close"),
    ],
)
def test_two_commands_on_one_line_are_refused_as_such(line: str, second: str) -> None:
    refused = decided(line)
    assert isinstance(refused, c.Refused)
    first = line.split()[0].lstrip("/")
    expected = f"two commands on one line (/{first} and /{second}): write one command per line"
    assert refused.reason == expected
    ja = translate(refused.why, "ja")
    assert f"/{first}" in ja and f"/{second}" in ja and "1 行" in ja
    assert "command" not in ja


def test_a_requesters_two_commands_are_refused_as_such() -> None:
    refused = decided("/close /priority low", Role.REQUESTER)
    assert isinstance(refused, c.Refused)
    assert refused.reason.startswith("two commands on one line (/close and /priority)")


@pytest.mark.parametrize(
    "line",
    [
        "/note see /close in the manual",
        "/close /tmp",  # a path or a word that is no command: the reason as before
        "/assign ops2",
    ],
)
def test_a_slash_word_that_is_no_second_command_is_read_as_before(line: str) -> None:
    result = decided(line)
    reason = result.reason if isinstance(result, c.Refused) else ""
    assert "two commands" not in reason


def test_a_members_two_commands_change_nothing_and_the_transcript_says_why(team: App) -> None:
    deliver(team, mail("VPN", message_id="<req@customer.test>"))
    to = reply_address(team, 1, "ops2@example.test")  # Ops Two reads Japanese
    body = "/pending /priority high\n田中様、ログをお送りください。\n"
    raw = mail("RE: [#1] VPN", body=body, sender="Ops Two <ops2@example.test>", to=to)
    deliver(team, raw, envelope_to=(to,))
    ticket = show(team, 1)
    assert ticket["state"] == "new" and ticket["priority"] == "normal"
    [event] = [e for e in ticket["events"] if e["kind"] == "command-refused"]
    assert event["detail"]["reason"].startswith("two commands on one line")
    [transcript] = outbox(team, "command_result")
    assert "/pending と /priority" in words_of(transcript)
    [sent] = outbox(team, "ops_reply")
    assert "田中様、ログをお送りください。" in words_of(sent)
    assert "/pending" not in words_of(sent)
