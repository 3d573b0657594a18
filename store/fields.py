"""Queries behind categorisation: parameter-sheet values and assignment counts.

Reads only; values are written by the tickets service (:mod:`store.ticket_rows`).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from store.db import core
from store.models import Ticket, TicketField, table_of


def field_values(session: Session, ticket_id: int) -> dict[str, str]:
    return {name: value for name, value in core(session).execute(_FIELD_VALUES, {"tid": ticket_id})}


def assignee_counts(session: Session, entry_id: str, candidates: Sequence[str]) -> dict[str, int]:
    """How many tickets of ``entry_id`` each candidate has had (open or closed)."""
    stmt = (
        select(Ticket.assignee, func.count(Ticket.id))
        .where(Ticket.catalog == entry_id, Ticket.assignee.in_(list(candidates)))
        .group_by(Ticket.assignee)
    )
    return {str(a): int(n) for a, n in session.execute(stmt)}


_FIELDS = table_of(TicketField)
# built once: every reply to a ticket with a sheet reads it (issue #18)
_FIELD_VALUES = select(_FIELDS.c.name, _FIELDS.c.value).where(
    _FIELDS.c.ticket_id == bindparam("tid")
)
