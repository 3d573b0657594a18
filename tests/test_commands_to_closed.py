"""A requester's reply that holds only commands, to a closed ticket (#7): the commands
act on that ticket and the transcript says what they did; the reply neither reopens it
nor, when it was closed long ago, opens a new ticket whose request is "/close". A reply
with words that opens a new ticket brings its commands to that one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import all_tickets, deliver, outbox, show, text_of


def _closed(app: App, clock: FakeClock, days: int) -> str:
    """Alice's ticket #1, closed by a member ``days`` ago; her reply address."""
    deliver(app, mail("VPN down", message_id="<r1@customer.test>"))
    ops = reply_address(app, 1, "ops@example.test")
    raw = mail("Re: VPN", body="/close\n\nFixed.\n", sender="ops@example.test", to=ops)
    deliver(app, raw, envelope_to=(ops,))
    assert show(app, 1)["state"] == "closed"
    clock.advance(timedelta(days=days))
    return reply_address(app, 1, "alice@customer.test")


@pytest.mark.parametrize("days", [1, 30])  # within the reopen window, and long after it
def test_a_close_to_a_closed_ticket_changes_nothing_and_says_so(
    team: App, clock: FakeClock, days: int
) -> None:
    to = _closed(team, clock, days)
    acks = len(outbox(team, "acknowledgement"))
    out = deliver(team, mail("Re: VPN", body="/close\n", to=to), envelope_to=(to,))
    assert out.ticket_id == 1, out.reason
    assert [t["id"] for t in all_tickets(team)] == [1]  # no new ticket asking to "/close"
    one = show(team, 1)
    assert one["state"] == "closed"
    assert [e["new"] for e in one["events"] if e["kind"] == "state"] == ["closed"]
    assert len(outbox(team, "acknowledgement")) == acks
    [transcript] = [r for r in outbox(team, "command_result") if "alice" in r.recipients[0]]
    assert "already closed" in text_of(transcript)


def test_a_colleague_added_to_a_closed_ticket_long_after(team: App, clock: FakeClock) -> None:
    to = _closed(team, clock, 30)
    body = "/cc add kato@customer.test\n"
    deliver(team, mail("Re: VPN", body=body, to=to), envelope_to=(to,))
    assert [t["id"] for t in all_tickets(team)] == [1]
    assert show(team, 1)["watchers"] == ["kato@customer.test"]
    assert "kato@customer.test" in text_of(outbox(team, "command_result")[-1])


def test_a_reply_with_words_still_reopens_or_opens_a_new_ticket(
    team: App, clock: FakeClock
) -> None:
    to = _closed(team, clock, 30)
    body = "/cc add kato@customer.test\n\nIt is broken again.\n"
    deliver(team, mail("Re: VPN", body=body, to=to), envelope_to=(to,))
    assert [t["id"] for t in all_tickets(team)] == [1, 2]


def test_the_commands_of_a_reply_that_opens_a_new_ticket_act_on_it(
    team: App, clock: FakeClock
) -> None:
    """Closed long ago, the reply is a new request, linked; its "/cc add" is that request's
    (it was dropped unsaid)."""
    to = _closed(team, clock, 30)
    body = "/cc add kato@customer.test\n/priority urgent\n\nIt is broken again.\n"
    deliver(team, mail("Re: VPN", body=body, to=to), envelope_to=(to,))
    new = show(team, 2)
    assert (new["linked_ticket"], new["watchers"]) == (1, ["kato@customer.test"])
    assert new["priority"] == "normal"  # a requester may not raise it
    [transcript] = [r for r in outbox(team, "command_result") if r.ticket_id == 2]
    assert transcript.recipients == ["alice@customer.test"] and "[#2]" in text_of(transcript)
    assert "kato@customer.test" in text_of(transcript) and "refused" in text_of(transcript)


def test_a_forged_reply_that_opens_a_new_ticket_runs_no_command(
    team: App, clock: FakeClock
) -> None:
    _closed(team, clock, 30)
    body = "/cc add kato@customer.test\n\nIt is broken again.\n"
    deliver(team, mail("Re: [#1] VPN", body=body))  # the tag, not her reply address
    new = show(team, 2)
    assert new["linked_ticket"] == 1 and new["watchers"] == []
    assert [r for r in outbox(team, "command_result") if r.ticket_id == 2] == []
