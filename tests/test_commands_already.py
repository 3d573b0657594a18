"""A reply command that asks for the state the ticket has already (``/open`` on an open
ticket, ``/pending`` on a waiting one, ``/close`` on a closed one) changes nothing and
says so, as ``tickets set-state`` (exit 0, "already …"), the web page and Slack's
buttons do. It was refused: a ``command-refused`` event on the ticket and a transcript
that listed it as refused, with the grammar, as if the writer had got something wrong.

As the CLI: a ``/close`` that names another close reason than the ticket was closed
with is a change it cannot make (closed is closed; reopen and close again), and stays
refused; a bare ``/close`` names no reason, so any closed ticket is closed "already"."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.core.model import CloseReason, TicketState
from gateway.pipeline.commands import HELP_TEXT
from gateway.runtime.app import App
from gateway.tickets import changes
from store import tickets
from store.db import transaction
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, words_of

OPS = "ops@example.test"  # a member whose language is English


def _ticket(app: App, state: TicketState, reason: CloseReason | None = None) -> int:
    tid = deliver(app, mail("VPN does not connect", message_id="<a1@customer.test>")).ticket_id
    assert tid
    with transaction(app.sessions) as s:
        t = tickets.get(s, tid)
        assert t is not None
        now = app.clock.now()
        changes.change_state(s, t, TicketState.OPEN, now, actor="t", channel="cli")
        if state != TicketState.OPEN:
            changes.change_state(s, t, state, now, actor="t", channel="cli", reason=reason)
    return tid


def _reply(app: App, tid: int, body: str, sender: str = OPS) -> Any:
    to = reply_address(app, tid, sender)
    deliver(app, mail(f"Re: [#{tid}] VPN", body=body, sender=sender, to=to), envelope_to=(to,))
    return show(app, tid)


@pytest.mark.parametrize(
    ("state", "reason", "line", "said"),
    [
        (TicketState.OPEN, None, "/open", "the ticket is already in progress"),
        (TicketState.PENDING, None, "/pending", "the ticket is already waiting"),
        (TicketState.CLOSED, CloseReason.RESOLVED, "/close", "the ticket is already closed"),
        (TicketState.CLOSED, CloseReason.STALE, "/close", "the ticket is already closed"),
        (TicketState.CLOSED, CloseReason.SPAM, "/close spam", "the ticket is already closed"),
    ],
)
def test_a_state_the_ticket_has_already_is_no_change_not_a_refusal(
    team: App, state: TicketState, reason: CloseReason | None, line: str, said: str
) -> None:
    tid = _ticket(team, state, reason)
    before = show(team, tid)
    after = _reply(team, tid, line + "\n")
    assert after["state"] == before["state"] == state.value
    assert after["close_reason"] == before["close_reason"]
    kinds = [e["kind"] for e in after["events"]]
    assert "command-refused" not in kinds, after["events"]
    assert kinds.count("state") == [e["kind"] for e in before["events"]].count("state")
    [transcript] = outbox(team, "command_result")
    text = words_of(transcript)
    assert said in text and "nothing changed" in text, text
    assert "refused" not in text, text
    assert HELP_TEXT.strip().splitlines()[0] not in text  # no grammar: nothing went wrong


def test_a_requesters_close_on_a_closed_ticket_is_no_change(team: App) -> None:
    tid = _ticket(team, TicketState.CLOSED, CloseReason.RESOLVED)
    after = _reply(team, tid, "/close\n", sender="alice@customer.test")
    assert "command-refused" not in [e["kind"] for e in after["events"]]
    [transcript] = outbox(team, "command_result")
    assert "already closed" in words_of(transcript)
    assert "refused" not in words_of(transcript)


def test_a_close_with_another_reason_on_a_closed_ticket_stays_refused(team: App) -> None:
    """As ``tickets set-state ID closed --reason spam`` on a ticket closed as resolved:
    the reason of a closed ticket is not changed by closing it again."""
    tid = _ticket(team, TicketState.CLOSED, CloseReason.RESOLVED)
    after = _reply(team, tid, "/close spam\n")
    assert after["close_reason"] == "resolved"
    assert [e["kind"] for e in after["events"]].count("command-refused") == 1
    assert "refused: the ticket is already closed" in words_of(outbox(team, "command_result")[0])
