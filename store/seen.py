"""What changed on a ticket since a page showed it: the ticket page keeps the id of the
latest event it was drawn with, and a press reads the changes made after it, so a member
whose page is out of date does not undo a colleague's change unknowingly."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import TicketEvent


def latest_event_id(session: Session, ticket_id: int) -> int:
    """The id of the ticket's latest event (0: none yet): where a page's view ends."""
    stmt = select(func.max(TicketEvent.id)).where(TicketEvent.ticket_id == ticket_id)
    return session.scalar(stmt) or 0


def changed_since(
    session: Session, ticket_id: int, after: int, kinds: Collection[str], actor: str
) -> list[TicketEvent]:
    """The ticket's events of ``kinds`` after event ``after`` by anyone but ``actor``
    (their own press, made twice, is no change they did not see), oldest first."""
    stmt = (
        select(TicketEvent)
        .where(
            TicketEvent.ticket_id == ticket_id,
            TicketEvent.id > after,
            TicketEvent.kind.in_(kinds),
            TicketEvent.actor != actor,
        )
        .order_by(TicketEvent.id)
    )
    return list(session.scalars(stmt))
