"""The ticket list's chosen tickets, a merge's moves and the chain of merged tickets over
lists past the bound-parameter limits (:mod:`tests.support.long_lists`).

The board's marks hand the list every stale ticket, a merge hands the store every mail
and event it moves: in one ``IN`` list each, past 32 766 of them SQLite's own builds
refused the statement, past 65 535 PostgreSQL did. The answers must be the ones a short
list (or no list) gets, in the same order.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from store import merges, ticket_query, ticket_rows, tickets
from store.db import transaction
from store.models import Message, Ticket, TicketEvent
from tests.support.databases import sqlite_only
from tests.support.long_lists import NOW, PAST_POSTGRES, PAST_SQLITE, long_store, put, ticket_row

STORED = 1_200  # tickets in the store: more than a chunk of them match
STATES = ("new", "open", "pending", "closed")


def _stored(n: int) -> dict[str, Any]:
    """Ticket ``n`` of mixed state, its idle time shared with others (ties, by id), every
    third one under the entry "third"."""
    at = NOW - timedelta(minutes=n % 97)
    row = ticket_row(n, STATES[n % 4], updated_at=at)
    return {**row, "catalog": "other" if n % 3 else "third"}


@pytest.mark.parametrize("order", list(ticket_query.ORDERS))
def test_a_list_of_more_chosen_tickets_than_a_statement_binds(db_url: str, order: str) -> None:
    """Every ticket chosen reads as no choice; every third one as the entry of those: the
    same page, total and order, for a state filter or none, a page or all, and each order."""
    with long_store(db_url) as (_, sessions):
        put(sessions, Ticket, [_stored(n) for n in range(1, STORED + 1)])
        every = tuple(range(1, PAST_POSTGRES))
        third = tuple(range(3, PAST_POSTGRES, 3))
        with transaction(sessions, read_only=True) as s:
            for state in (None, "pending"):
                for limit, offset in ((50, 90), (None, 30)):
                    base = ticket_query.TicketQuery(
                        state=state, order=order, limit=limit, offset=offset
                    )
                    case = (state, limit, offset)
                    assert _ids(s, base, only=every) == _ids(s, base), case
                    chosen = _ids(s, base, only=third)
                    assert chosen == _ids(s, base, catalog="third"), case
                    assert len(chosen[0]) >= 10, case  # rows in an order to compare


def _ids(s: Any, query: ticket_query.TicketQuery, **changes: Any) -> tuple[list[int], int]:
    rows, total = ticket_query.find(s, replace(query, **changes))
    return [r["id"] for r in rows], total


@sqlite_only  # PostgreSQL's limit would take 65 536 tickets merged into one
def test_the_tickets_merged_into_one_past_a_statement_s_limit(db_url: str) -> None:
    """``sources``: nearest first, by number within a level; the level that follows is
    asked of every ticket of the one before."""
    last = PAST_SQLITE
    with long_store(db_url) as (_, sessions):
        rows = [ticket_row(1)] + [ticket_row(n, merged_into_id=1) for n in range(2, last + 1)]
        # the next level: merged into tickets far apart in the first one
        rows += [ticket_row(last + 3, merged_into_id=last), ticket_row(last + 1, merged_into_id=3)]
        rows += [ticket_row(last + 2, merged_into_id=30_000)]
        put(sessions, Ticket, rows)
        with transaction(sessions, read_only=True) as s:
            found = merges.sources(s, 1)
    assert found == [*range(2, last + 1), last + 1, last + 2, last + 3]


def test_a_merge_moves_more_rows_than_a_statement_binds(db_url: str) -> None:
    with long_store(db_url) as (_, sessions):
        put(sessions, Ticket, [ticket_row(1), ticket_row(2)])
        put(sessions, Message, [_mail(n, 1) for n in (3, 700, 40_000)])
        put(sessions, TicketEvent, [_event(n, 1) for n in (5, 900, 50_000)])
        moved = list(range(1, PAST_POSTGRES))
        with transaction(sessions) as s:
            ticket_rows.give_rows(s, moved, moved, to=2)
        with transaction(sessions, read_only=True) as s:
            assert ticket_rows.row_ids(s, 1) == ([], [])
            assert ticket_rows.row_ids(s, 2) == ([3, 700, 40_000], [5, 900, 50_000])


def test_the_references_of_a_ticket_whose_merge_moved_more_mails_than_a_statement_binds(
    db_url: str,
) -> None:
    """A merged ticket's thread names the mails its merge moved first, oldest first."""
    with long_store(db_url) as (_, sessions):
        put(sessions, Ticket, [ticket_row(2), ticket_row(1, merged_into_id=2)])
        own = PAST_POSTGRES + 9  # the merged ticket's own mail since: not in the merge
        put(sessions, Message, [_mail(n, 2) for n in (40_000, 3, 700)] + [_mail(own, 1)])
        moved = {"messages": list(range(PAST_POSTGRES, 0, -1)), "events": []}
        put(sessions, TicketEvent, [_event(1, 1, kind="merged-into", new="2", detail=moved)])
        with transaction(sessions, read_only=True) as s:
            merged = s.get(Ticket, 1)
            assert merged is not None
            found = tickets.thread_ids(s, merged)
    assert found == ["<m3@x.test>", "<m700@x.test>", "<m40000@x.test>", f"<m{own}@x.test>"]


def _mail(n: int, tid: int) -> dict[str, Any]:
    at = NOW - timedelta(hours=1)
    return {"id": n, "ticket_id": tid, "direction": "in", "message_id": f"<m{n}@x.test>",
            "created_at": at}  # fmt: skip


def _event(n: int, tid: int, **values: Any) -> dict[str, Any]:
    row = {"id": n, "ticket_id": tid, "at": NOW, "actor": "ops@x.test", "channel": "cli"}
    return {**row, "kind": "note", "old": None, "new": None, "detail": {}, **values}
