"""Queries behind categorisation: parameter-sheet values and assignment counts.

Rows go in as INSERT/UPDATE statements rather than through ``ticket.fields``,
like ``tickets.add_event``: the collection is never loaded on the ingest path.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.orm import Session

from store.models import Ticket, TicketField, table_of

_FIELDS = table_of(TicketField)
_INSERT_FIELD = _FIELDS.insert()
_UPDATE_FIELD = (
    _FIELDS.update()
    .where(and_(_FIELDS.c.ticket_id == bindparam("tid"), _FIELDS.c.name == bindparam("fname")))
    .values(value=bindparam("fvalue"))
)


def field_values(session: Session, ticket_id: int) -> dict[str, str]:
    stmt = select(TicketField.name, TicketField.value).where(TicketField.ticket_id == ticket_id)
    return {name: value for name, value in session.execute(stmt)}


def set_field(session: Session, ticket_id: int, name: str, value: str, *, exists: bool) -> None:
    if exists:
        session.execute(_UPDATE_FIELD, {"tid": ticket_id, "fname": name, "fvalue": value})
    else:
        session.execute(_INSERT_FIELD, {"ticket_id": ticket_id, "name": name, "value": value})


def assignee_counts(session: Session, entry_id: str, candidates: Sequence[str]) -> dict[str, int]:
    """How many tickets of ``entry_id`` each candidate has had (open or closed)."""
    stmt = (
        select(Ticket.assignee, func.count(Ticket.id))
        .where(Ticket.catalog == entry_id, Ticket.assignee.in_(list(candidates)))
        .group_by(Ticket.assignee)
    )
    return {str(a): int(n) for a, n in session.execute(stmt)}
