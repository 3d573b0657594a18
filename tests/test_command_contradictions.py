"""Commands of one reply that ask two values of one thing (``/close`` then ``/open``,
two ``/assign``, two ``/priority``): each was applied in turn, the ticket closed and
reopened by one mail, and the reply meant whichever came last. None of them is done
now; each is refused naming the other, and the rest of the reply goes on."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gateway.pipeline import command_conflicts
from gateway.pipeline import commands as c
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
MEMBERS = ("ops@example.test", "ops2@example.test", "boss@example.test")


def clashes(*lines: str) -> dict[int, str]:
    ctx = c.CommandContext(c.Role.MEMBER, MEMBERS, ("other",), None, NOW, "Asia/Tokyo")
    cmds = c.parse_commands("\n".join(lines) + "\n", 20).commands
    found = command_conflicts.contradictions([(cmd, c.decide(cmd, ctx)) for cmd in cmds])
    return {i: str(why) for i, why in found.items()}


@pytest.mark.parametrize(
    "lines",
    [
        ("/close", "/open"),
        ("/pending", "/close"),
        ("/close spam", "/close duplicate"),
        ("/assign ops2", "/assign boss"),
        ("/priority high", "/priority low"),
        ("/due 2026-03-10", "/due 2026-03-11"),
        ("/merge 3", "/merge 4"),
        ("/cc add bob@customer.test", "/cc remove bob@customer.test"),
    ],
)
def test_two_values_of_one_thing_are_both_refused(lines: tuple[str, str]) -> None:
    found = clashes(*lines)
    assert sorted(found) == [0, 1]
    assert lines[1] in found[0] and lines[0] in found[1]


@pytest.mark.parametrize(
    "lines",
    [
        ("/close", "/close resolved"),  # one value, written two ways
        ("/assign ops2", "/assign ops2@example.test"),
        ("/priority high", "/assign ops2", "/pending"),  # different things
        ("/cc add bob@customer.test", "/cc add carol@customer.test"),
        ("/note a", "/note b"),  # not a value of the ticket
        ("/frob", "/close"),  # a refused line sets nothing
    ],
)
def test_one_value_or_different_things_do_not_contradict(lines: tuple[str, ...]) -> None:
    assert clashes(*lines) == {}


def test_close_then_open_changes_nothing_and_says_why(team: App) -> None:
    deliver(team, mail("VPN", message_id="<req@customer.test>"))
    to = reply_address(team, 1, "ops@example.test")
    body = "/close\n/open\n/priority high\n"
    deliver(team, mail("Re: [#1] VPN", body=body, sender="ops@example.test", to=to))
    ticket = show(team, 1)
    assert (ticket["state"], ticket["priority"]) == ("new", "high")
    assert [e["kind"] for e in ticket["events"]].count("state") == 0
    [transcript] = outbox(team, "command_result")
    said = text_of(transcript)
    assert "contradicts /open in the same reply" in said
    assert "contradicts /close in the same reply" in said
    assert "priority set to high" in said
