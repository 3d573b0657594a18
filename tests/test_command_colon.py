"""A command word followed by a colon, as people write a label: ``/note: she is upset``,
「／メモ：先方は急いでいる」, ``/close:``. The colon ended the word as no space does, so
the line was no command at all: it ended the commands and a member's internal note was
relayed to the requester as their words. Now a colon (ASCII or full-width) right after
the word ends it, as a space does; a path (``/var/log:``) is still no command."""

from __future__ import annotations

import pytest

from gateway.pipeline import command_lines
from gateway.pipeline import commands as c
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of


@pytest.mark.parametrize(
    ("line", "name", "arg"),
    [
        ("/note: she is upset", "note", "she is upset"),
        ("/note:she is upset", "note", "she is upset"),
        ("/note : she is upset", "note", "she is upset"),
        ("／ｎｏｔｅ：先方は急いでいる", "note", "先方は急いでいる"),
        ("/close:", "close", ""),
        ("/priority: high", "priority", "high"),
        ("／メモ：先方は急いでいる", "メモ", "先方は急いでいる"),
    ],
)
def test_a_colon_after_the_command_word_ends_it(line: str, name: str, arg: str) -> None:
    parsed = c.read_commands(f"{line}\n", 20, c.Role.MEMBER)
    [cmd] = parsed.commands
    assert (cmd.name, cmd.arg) == (name, arg)
    assert parsed.remaining == ""


@pytest.mark.parametrize("line", ["/var/log: full", "/etc/hosts:1", "/2026: 予定"])
def test_a_path_or_a_number_with_a_colon_is_no_command(line: str) -> None:
    assert c.read_commands(f"{line}\n", 20, c.Role.MEMBER).commands == ()


def test_a_note_word_with_a_colon_below_the_words_is_not_sent() -> None:
    text = "田中様\n\n確認いたしました。\n／メモ：先方は急いでいる\n部長に報告済み\n"
    parsed = command_lines.below_words(c.read_commands(text, 20, c.Role.MEMBER), c.GRAMMAR, 20)
    assert parsed.remaining == "田中様\n\n確認いたしました。"


def test_a_members_note_with_a_colon_reaches_the_requester_not(team: App) -> None:
    deliver(team, mail("VPN", message_id="<req@customer.test>"))
    to = reply_address(team, 1, "ops@example.test")
    body = "/note: she is upset, call her manager\nThe manager is Bob.\n"
    raw = mail("Re: [#1] VPN", body=body, sender="ops@example.test", to=to)
    deliver(team, raw, envelope_to=(to,))
    assert outbox(team, "ops_reply") == []
    notes = [m for m in show(team, 1)["messages"] if "upset" in str(m)]
    assert notes, show(team, 1)["messages"]
    to_requester = [row for row in outbox(team) if "alice@customer.test" in row.recipients]
    assert to_requester  # the acknowledgement
    assert all("upset" not in text_of(row) for row in to_requester)
