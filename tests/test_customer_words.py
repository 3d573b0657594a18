"""A customer's lines that start with a slash are their words, not commands.

Decision: from a customer's mail (the requester, or anyone else on the ticket) only the
words of the commands a requester may give (``/close``, ``/priority``, ``/cc``) are read
as commands; any other line that starts with a slash (``/tmp がいっぱいです``, ``/var/log
is full``, a typo such as ``/clsoe``) is their words, relayed to the members as written,
and answered with nothing. A member's mail reads every ``/word`` line, so a slip of the
fingers is refused with the command it most likely meant and is never relayed to the
requester. For everyone, a first token holding another slash or a dot is a path, never a
command (``/var/log/messages``, ``/etc/hosts``, ``/index.html``).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gateway.pipeline import commands as c
from gateway.pipeline.commands import Role
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of

NOW = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
ALICE = "alice@customer.test"
CUSTOMERS = (Role.REQUESTER, Role.OTHER)

NOT_THEIRS = [
    "/tmp がいっぱいです",
    "/tmp is full",
    "/var/log is full",
    "/etc/hosts を直しました",
    "/home",
    "／ｔｍｐ　がいっぱいです",  # typed with the IME on
    "/clsoe",  # a typo is their words too: the members read it and act
    "/assign ops2",  # a member's command: not a customer's to give, and not read
    "/note 社内で共有してください",  # not an internal note: relayed like the rest
]


@pytest.mark.parametrize("line", NOT_THEIRS)
@pytest.mark.parametrize("role", CUSTOMERS)
def test_a_customers_slash_line_that_is_not_their_command_is_their_words(
    line: str, role: Role
) -> None:
    text = f"{line}\nよろしくお願いします。\n"
    parsed = c.read_commands(text, 20, role)
    assert parsed.commands == () and parsed.ignored == ()
    assert parsed.remaining.strip() == text.strip()


@pytest.mark.parametrize(
    ("text", "expected", "remaining"),
    [
        ("/close\nありがとうございました。", [("close", "")], "ありがとうございました。"),
        ("／ｐｒｉｏｒｉｔｙ　ｌｏｗ\n", [("priority", "ｌｏｗ")], ""),
        ("/cc add kato@customer.test\n", [("cc", "add kato@customer.test")], ""),
        # the first line that is not their command ends the commands, as for anyone
        ("/close\n/tmp がいっぱいです\n/priority low", [("close", "")], None),
    ],
)
@pytest.mark.parametrize("role", CUSTOMERS)
def test_a_customers_own_commands_are_still_read(
    text: str, expected: list[tuple[str, str]], remaining: str | None, role: Role
) -> None:
    parsed = c.read_commands(text, 20, role)
    assert [(cmd.name, cmd.arg) for cmd in parsed.commands] == expected
    if remaining is None:
        assert parsed.remaining == "/tmp がいっぱいです\n/priority low"
    else:
        assert parsed.remaining == remaining


@pytest.mark.parametrize(
    "line",
    [
        "/var/log/messages を見てください",
        "/etc/hosts を直しました",
        "/index.html が 404 です",
        "/tmp/ が一杯です",
        "／ｖａｒ／ｌｏｇ を見てください",
    ],
)
@pytest.mark.parametrize("role", [Role.MEMBER, Role.MANAGER, *CUSTOMERS])
def test_a_path_is_never_a_command(line: str, role: Role) -> None:
    parsed = c.read_commands(f"{line}\n", 20, role)
    assert parsed.commands == () and parsed.ignored == ()
    assert parsed.remaining.strip() == line


@pytest.mark.parametrize(
    ("line", "near"),
    [
        ("/clsoe", "close"),  # still told what they most likely meant
        ("/asign ops2", "assign"),
        ("/tmp is full", None),  # a word followed by words: it may be a mistyped command
    ],
)
def test_a_members_unknown_word_is_refused_and_not_relayed(line: str, near: str | None) -> None:
    parsed = c.read_commands(f"{line}\nDone.\n", 20, Role.MEMBER)
    [cmd] = parsed.commands
    assert parsed.remaining == "Done."
    ctx = c.CommandContext(Role.MEMBER, ("ops2@example.test",), (), None, NOW, "UTC")
    refused = c.decide(cmd, ctx)
    assert isinstance(refused, c.Refused) and refused.why.params.get("known") == near


def _requester_reply(app: App, body: str) -> None:
    to = reply_address(app, 1, ALICE)
    deliver(app, mail("Re: [#1] サーバー", body=body, to=to), envelope_to=(to,))


@pytest.mark.parametrize("line", ["/tmp がいっぱいです", "/var/log is full", "/clsoe"])
def test_a_requesters_slash_line_reaches_the_members_and_gets_no_answer(
    team: App, line: str
) -> None:
    deliver(team, mail("サーバー", message_id="<disk@customer.test>"))
    _requester_reply(team, f"{line}\n昨日から続いています。\n")
    t = show(team, 1)
    assert [e for e in t["events"] if e["kind"] == "command-refused"] == []
    assert outbox(team, "command_result") == []
    [notice] = outbox(team, "ticket_notice")
    assert line in text_of(notice)


def test_a_requesters_slash_line_reopens_a_closed_ticket(team: App) -> None:
    """Read as an unknown command, the line made the reply "only commands", which leaves a
    closed ticket closed: the customer's new problem went unseen."""
    deliver(team, mail("サーバー", message_id="<disk2@customer.test>"))
    _requester_reply(team, "/close\n")
    assert show(team, 1)["state"] == "closed"
    _requester_reply(team, "/tmp がいっぱいです\n")
    assert show(team, 1)["state"] == "open"
