"""Queries behind categorisation: parameter-sheet values and whose turn it is.

Reads only (and the lock a round robin's turn is read under); values are written by
the tickets service (:mod:`store.ticket_rows`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from store.advisory import key_here
from store.fast_query import FastQuery, PerLength
from store.models import Ticket, TicketField, table_of


def field_values(session: Session, ticket_id: int) -> dict[str, str]:
    return {name: value for name, value in _FIELD_VALUES.all(session, {"tid": ticket_id})}


# the purpose named in the key of an entry's round-robin lock (store.advisory)
TURNS = "round-robin"


def hold_turns(session: Session, entry_id: str) -> None:
    """Until this transaction ends, no other one reads whose turn it is at ``entry_id``.
    Two instances filing a ticket of one entry at the same instant each read the turn
    before the other's ticket was committed and gave both to the same member; now the
    second reads it after the first's ticket is in. On PostgreSQL a transaction-scoped
    advisory lock, the schema's own; SQLite's write transactions run one at a time."""
    if session.get_bind().dialect.name == "postgresql":
        key = key_here(session, TURNS, entry_id)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


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
