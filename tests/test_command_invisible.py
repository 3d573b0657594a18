"""An invisible format character inside a command's head: a zero-width space, a
zero-width non-joiner, a word joiner or a BOM right after the slash, inside the command
word or right after it (``/no\u200cte``, ``/\u200bclose``, ``/close\u200b spam``), as a paste
from a web page, a chat or a spreadsheet carries them. Only those at a line's ends were
taken off, so such a line was no command: it ended the commands and was relayed to the
requester with everything under it, a member's internal note included. The head is now
read as it is seen; the argument and a note's text stay as written."""

from __future__ import annotations

import pytest

from gateway.pipeline import commands as c
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of

ZW = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]


@pytest.mark.parametrize("zw", ZW)
@pytest.mark.parametrize(
    ("line", "name", "arg"),
    [
        ("/clo{zw}se", "close", ""),
        ("/{zw}close spam", "close", "spam"),
        ("/close{zw} spam", "close", "spam"),
        ("／{zw}ｐｅｎｄｉｎｇ", "pending", ""),
        ("/no{zw}te call {zw}back", "note", "call {zw}back"),
    ],
)
def test_an_invisible_character_in_the_head_is_not_read(
    zw: str, line: str, name: str, arg: str
) -> None:
    parsed = c.read_commands(f"{line.format(zw=zw)}\nHello\n", 20, c.Role.MEMBER)
    [cmd] = parsed.commands
    assert (cmd.name, cmd.arg.split("\n")[0]) == (name, arg.format(zw=zw))
    assert parsed.remaining == ("" if name == "note" else "Hello")  # a note takes the rest


@pytest.mark.parametrize("line", ["/\u200b2026年の予定", "/\u200btmp/ is full", "x\u200b/close"])
def test_what_is_no_command_once_seen_stays_words(line: str) -> None:
    parsed = c.read_commands(f"{line}\n", 20, c.Role.MEMBER)
    assert parsed.commands == ()


def test_a_members_note_with_a_zero_width_space_reaches_the_requester_not(team: App) -> None:
    deliver(team, mail("VPN", message_id="<req@customer.test>"))
    to = reply_address(team, 1, "ops@example.test")
    body = "/no\u200bte she is upset, call her manager\nThe manager is Bob.\n"
    raw = mail("Re: [#1] VPN", body=body, sender="ops@example.test", to=to)
    deliver(team, raw, envelope_to=(to,))
    assert outbox(team, "ops_reply") == []
    to_requester = [row for row in outbox(team) if "alice@customer.test" in row.recipients]
    assert all("upset" not in text_of(row) for row in to_requester)
    assert any("upset" in str(m) for m in show(team, 1)["messages"])
