"""Queries behind categorisation: parameter-sheet values and assignment counts.

Reads only; values are written by the tickets service (:mod:`store.ticket_rows`).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import Ticket, TicketField


def field_values(session: Session, ticket_id: int) -> dict[str, str]:
    stmt = select(TicketField.name, TicketField.value).where(TicketField.ticket_id == ticket_id)
    return {name: value for name, value in session.execute(stmt)}


def assignee_counts(session: Session, entry_id: str, candidates: Sequence[str]) -> dict[str, int]:
    """How many tickets of ``entry_id`` each candidate has had (open or closed)."""
    stmt = (
        select(Ticket.assignee, func.count(Ticket.id))
        .where(Ticket.catalog == entry_id, Ticket.assignee.in_(list(candidates)))
        .group_by(Ticket.assignee)
    )
    return {str(a): int(n) for a, n in session.execute(stmt)}
