"""Queries behind categorisation: parameter-sheet values and whose turn it is.

Reads only; values are written by the tickets service (:mod:`store.ticket_rows`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from store.fast_query import FastQuery, PerLength
from store.models import Ticket, TicketField, table_of


def field_values(session: Session, ticket_id: int) -> dict[str, str]:
    return {name: value for name, value in _FIELD_VALUES.all(session, {"tid": ticket_id})}


def last_served(session: Session, entry_id: str, candidates: Sequence[str]) -> dict[str, int]:
    """The newest ticket of ``entry_id`` each candidate holds (absent: none yet).

    One statement of one indexed lookup per candidate (``ix_tickets_catalog_assignee``
    read backwards, stopping at its first row), so the cost does not grow with the
    entry's tickets, as a count of them did (issue #18: 15 ms per new ticket at
    30 000 messages on PostgreSQL, and growing).
    """
    people = list(dict.fromkeys(candidates))
    if not people:
        return {}
    query, params = _NEWEST.query(people)
    row = query.first(session, {"entry": entry_id, **params})
    assert row is not None  # a select of subqueries has one row
    return {person: int(tid) for person, tid in zip(people, row, strict=True) if tid is not None}


def _newest(people: list[Any]) -> Any:
    return select(
        *(
            select(_TICKETS.c.id)
            .where(_TICKETS.c.catalog == bindparam("entry"), _TICKETS.c.assignee == person)
            .order_by(_TICKETS.c.id.desc())
            .limit(1)
            .scalar_subquery()
            for person in people
        )
    )


# a new ticket of a round-robin entry asks it (issue #18): built once per number of people
_NEWEST = PerLength("p", _newest)


_TICKETS = table_of(Ticket)
_FIELDS = table_of(TicketField)
# built once: every reply to a ticket with a sheet reads it (issue #18)
_FIELD_VALUES = FastQuery(
    select(_FIELDS.c.name, _FIELDS.c.value).where(_FIELDS.c.ticket_id == bindparam("tid"))
)
