"""Changes to a ticket, shared by every channel (mail, CLI, scheduler).

Each goes through the state machine and leaves an event with time, actor and
channel, so no path can change a ticket without the table's consent or without
a trace.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from gateway.core.model import CloseReason, TicketState
from gateway.tickets import states
from store import fields, tickets
from store.models import Ticket


def change_state(
    session: Session,
    ticket: Ticket,
    target: TicketState,
    now: datetime,
    *,
    actor: str,
    channel: str,
    reason: CloseReason | None = None,
) -> None:
    """Move ``ticket`` to ``target`` or raise InvalidTransition; closed needs a reason."""
    current = TicketState(ticket.state)
    if target == TicketState.CLOSED and reason is None:
        reason = CloseReason.RESOLVED
    states.check(current, target, reason)
    ticket.state = target.value
    ticket.updated_at = now
    if target == TicketState.CLOSED:
        ticket.close_reason, ticket.closed_at = (reason or CloseReason.RESOLVED).value, now
    else:
        ticket.close_reason, ticket.closed_at = None, None
    tickets.add_event(
        session, ticket, at=now, actor=actor, channel=channel, kind="state",
        old=current.value, new=target.value,
        detail={"close_reason": ticket.close_reason} if ticket.close_reason else {},
    )


def assign(
    session: Session, ticket: Ticket, member: str, now: datetime, *, actor: str, channel: str
) -> None:
    """Give the ticket to ``member`` (a configured address; the caller checked)."""
    old, ticket.assignee, ticket.updated_at = ticket.assignee, member, now
    tickets.add_event(session, ticket, at=now, actor=actor, channel=channel, kind="assign",
                      old=old, new=member, detail={"rule": "manual"})


def set_category(
    session: Session, ticket: Ticket, entry_id: str, now: datetime, *, actor: str, channel: str
) -> None:
    """Refile under ``entry_id``; the assignee stays (reassigning is its own command)."""
    old, ticket.catalog, ticket.updated_at = ticket.catalog, entry_id, now
    tickets.add_event(session, ticket, at=now, actor=actor, channel=channel, kind="category",
                      old=old, new=entry_id, detail={"rule": "manual"})


def set_due(
    session: Session, ticket: Ticket, due: datetime, now: datetime, *, actor: str, channel: str
) -> None:
    old = ticket.due_at.isoformat() if ticket.due_at else None
    ticket.due_at, ticket.updated_at = due, now
    tickets.add_event(session, ticket, at=now, actor=actor, channel=channel, kind="due",
                      old=old, new=due.isoformat())


def set_field(
    session: Session, ticket: Ticket, name: str, value: str, now: datetime, *, actor: str,
    channel: str,
) -> None:
    """One parameter-sheet value, already validated for its type by the caller."""
    existing = fields.field_values(session, ticket.id)
    fields.set_field(session, ticket.id, name, value, exists=name in existing)
    ticket.updated_at = now
    tickets.add_event(session, ticket, at=now, actor=actor, channel=channel, kind="field",
                      old=existing.get(name), new=value, detail={"name": name,
                                                                 "source": channel})


def add_note(
    session: Session, ticket: Ticket, text: str, now: datetime, *, actor: str, channel: str
) -> None:
    """An internal note: kept in the history, never sent to the requester."""
    ticket.updated_at = now
    tickets.add_event(session, ticket, at=now, actor=actor, channel=channel, kind="note",
                      new=None, detail={"text": text})
