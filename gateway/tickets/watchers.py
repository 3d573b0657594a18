"""Watchers (#19): people who hear what the requester hears, without being the requester.

A watcher is a participant with the role ``watcher``: relayed answers reach them
like every non-member on the ticket (:mod:`gateway.tickets.relay`), and status
mails too (:mod:`gateway.tickets.to_requester`). Who may add whom, and how many,
is decided by :mod:`gateway.pipeline.watching`; here the change is made and
recorded as a ``watcher`` event with its actor and channel.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from gateway.config.settings import Settings
from gateway.core.errors import AlreadyDone, Refusal
from gateway.pipeline import loops
from gateway.pipeline.merging import merged_away
from gateway.pipeline.watching import Op, WatchFacts, already_watching, watch_refusal
from gateway.tickets import changes
from store import merges, ticket_rows
from store.models import Ticket


def change_watcher(
    session: Session,
    settings: Settings,
    ticket: Ticket,
    op: Op,
    address: str,
    now: datetime,
    *,
    actor: str,
    channel: str,
    by_requester: bool = False,
) -> None:
    """Add or remove watcher ``address`` (normalised); raises :class:`Refusal`, or
    :class:`AlreadyDone` for an add of someone who watches already."""
    if op == Op.ADD and ticket.merged_into_id is not None:
        raise Refusal(merged_away(ticket.id, ticket.merged_into_id))
    facts = WatchFacts(
        op=op,
        address=address,
        by_requester=by_requester,
        requester=ticket.requester.lower(),
        watchers=merges.watchers(session, ticket.id),
        members=[m.email for m in settings.members],
        own=loops.is_own_address(address, settings.own_addresses),
        limit=settings.limits.max_watchers,
        unreachable=bool(loops.never_answered(address, settings.own_addresses)),
    )
    why = watch_refusal(facts)
    if why is not None:
        raise Refusal(why)
    if (done := already_watching(facts)) is not None:  # nothing written, nobody told
        raise AlreadyDone(done)
    was = dict(merges.participants(session, ticket.id)).get(address)
    if was is not None:  # a Cc who becomes a watcher, or a watcher who leaves
        ticket_rows.remove_participant(session, ticket.id, address)
    if op == Op.ADD:
        ticket_rows.add_participant(session, ticket.id, address, "watcher", [])
    ticket.updated_at = now
    changes.record(
        session,
        ticket,
        "watcher",
        now,
        actor=actor,
        channel=channel,
        new=address if op == Op.ADD else None,
        detail={"op": op.value, "address": address, "was": was},
    )


def watcher_list(session: Session, ticket_id: int) -> list[str]:
    return merges.watchers(session, ticket_id)
