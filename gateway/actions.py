"""Changes to a ticket, shared by every channel (mail, CLI, scheduler).

Each goes through the state machine and leaves an event with time, actor and
channel, so no path can change a ticket without the table's consent or without
a trace.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from gateway.model import CloseReason, TicketState
from gateway.pipeline import transitions
from store import tickets
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
    transitions.check(current, target, reason)
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
