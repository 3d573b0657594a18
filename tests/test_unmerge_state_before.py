"""An unmerge (and an erasure that gives a merged ticket back) puts the ticket back in
the state it had before the merge, kept in the merge's event (``state_before``): a
duplicate merged while it waited on its requester (``pending``), or before anyone took
it (``new``), came back ``open``, its pending reminder and close lost, and its
requester was told "we work on it again". A merge event that does not say (older
rows) leaves it ``open``, as before. The requester's status mail says the state it is in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.runtime.app import App
from gateway.tickets import changes, erasure, merge
from store import tickets
from store.db import transaction
from store.models import TicketEvent
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of

BOB = "bob@customer.test"


def _merged(app: App, before: TicketState) -> tuple[int, int]:
    """Alice's #1 and Bob's duplicate #2, #2 in ``before`` and merged into #1."""
    one = deliver(app, mail("VPN down", sender="alice@customer.test", message_id="<a@c.test>"))
    two = deliver(app, mail("VPN again", sender=BOB, message_id="<b@c.test>"))
    assert one.ticket_id is not None and two.ticket_id is not None
    with transaction(app.sessions) as s:
        ticket = tickets.get(s, two.ticket_id)
        assert ticket is not None
        if before != TicketState.NEW:
            changes.change_state(
                s, ticket, before, app.clock.now(), actor="cli:test", channel="cli"
            )
        merge.merge(
            s,
            ticket,
            one.ticket_id,
            app.clock.now(),
            tag="[#1]",
            max_watchers=5,
            actor="cli:test",
            channel="cli",
        )
    return one.ticket_id, two.ticket_id


def _unmerge(app: App, ticket_id: int) -> None:
    with transaction(app.sessions) as s:
        ticket = tickets.get(s, ticket_id)
        assert ticket is not None
        merge.unmerge(
            s, ticket, app.clock.now(), window=timedelta(days=14), actor="cli:test", channel="cli"
        )


def _last_status_to_bob(app: App) -> str:
    mails = [r for r in outbox(app, "status_change") if r.recipients == [BOB]]
    return text_of(mails[-1])


@pytest.mark.parametrize("before", [TicketState.NEW, TicketState.OPEN, TicketState.PENDING])
def test_unmerge_gives_back_the_state_before_the_merge(
    app: App, clock: FakeClock, before: TicketState
) -> None:
    _, two = _merged(app, before)
    clock.advance(timedelta(hours=1))
    _unmerge(app, two)
    back = show(app, two)
    assert (back["state"], back["merged_into"]) == (before.value, None)
    [moved] = [e for e in back["events"] if e["kind"] == "state"][-1:]
    assert (moved["old"], moved["new"]) == ("closed", before.value)
    said = _last_status_to_bob(app)
    assert _state_word(before) in said, said
    if before != TicketState.OPEN:  # nobody is working on it: back in the queue, or waiting
        assert "working on it" not in said, said


def test_a_merge_event_without_the_state_before_gives_back_open(app: App) -> None:
    _, two = _merged(app, TicketState.PENDING)
    with transaction(app.sessions) as s:
        event = s.scalars(
            select(TicketEvent).where(
                TicketEvent.ticket_id == two, TicketEvent.kind == "merged-into"
            )
        ).one()
        event.detail = {k: v for k, v in event.detail.items() if k != "state_before"}
    _unmerge(app, two)
    assert show(app, two)["state"] == "open"


def test_an_erasure_gives_a_merged_ticket_back_in_its_state_before(app: App) -> None:
    one, two = _merged(app, TicketState.PENDING)
    with transaction(app.sessions) as s:
        out = erasure.forget(s, "alice@customer.test", app.clock.now(), actor="t", key=b"k" * 32)
    assert out.tickets == [one] and out.given_back == [two]
    back = show(app, two)
    assert (back["state"], back["merged_into"]) == ("pending", None)
    assert _state_word(TicketState.PENDING) in _last_status_to_bob(app)


def _state_word(state: TicketState) -> str:
    """The state as the requester's status mail names it (the mail's own label)."""
    from gateway.core.i18n import translate
    from gateway.notify import labels

    return translate(labels.customer_state(state.value), "en")
