"""The list of work still to do (``state=active``, or one of new/open/pending) costs what
its tickets cost, not what the history of closed tickets does, in every order the page
offers.

A gateway of some years holds tens of thousands of closed tickets and a few hundred
open ones, all of them newer. The page asked ``state IN (new, open, pending) ORDER BY
updated_at, id LIMIT 50``; PostgreSQL, counting on the open tickets being spread over
the order, walked ``ix_tickets_idle`` from the oldest and filtered out every closed
ticket before the first open one: the whole history per page. Filled here with such a
history (ANALYZEd, as autovacuum would), every statement the page runs is measured: on
PostgreSQL by the rows its plan really read (EXPLAIN ANALYZE), on SQLite by its plan
(no full pass over the tickets, each read of them bounded by the state).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, event, insert
from sqlalchemy.orm import Session, sessionmaker

from store import migrate, ticket_query
from store.db import make_engine, session_factory, transaction
from store.models import Ticket
from tests.test_query_plans import _plan, _record

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
CLOSED = 20_000  # the history, all older than the work still open
PER_STATE = 1000  # new, open and pending tickets each: more than a page of them
PAGE = 50
ACTIVE = ("new", "open", "pending")


def _fill(engine: Engine) -> None:
    rows: list[dict[str, Any]] = []
    for n in range(1, CLOSED + 1):
        at = NOW - timedelta(days=800) + timedelta(minutes=n)
        rows.append(_row(n, "closed", at))
    for i in range(3 * PER_STATE):  # the newest tickets, the states mixed through them
        n = CLOSED + 1 + i
        rows.append(_row(n, ACTIVE[i % 3], NOW - timedelta(hours=3 * PER_STATE - i)))
    with engine.begin() as conn:
        for start in range(0, len(rows), 2000):
            conn.execute(insert(Ticket), rows[start : start + 2000])
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE tickets")


def _row(n: int, state: str, at: datetime) -> dict[str, Any]:
    return {
        "id": n,
        "subject": f"s{n}",
        "requester": f"u{n % 97}@x.test",
        "state": state,
        "created_at": at,
        "updated_at": at,
        "closed_at": at if state == "closed" else None,
    }


def _examined(engine: Engine, statement: str, params: Any) -> int:
    """PostgreSQL: the rows every scan of the plan really read, kept or filtered out."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, params)
        found = cur.fetchone()
        assert found is not None
        plan = found[0] if not isinstance(found[0], str) else json.loads(found[0])
        raw.rollback()
    finally:
        raw.close()

    def walk(node: dict[str, Any]) -> int:
        own = 0
        if "Relation Name" in node:  # a read of the table (a bitmap's index part is not)
            own = int(node["Actual Rows"] * node["Actual Loops"])
            own += int(node.get("Rows Removed by Filter", 0))
            own += int(node.get("Rows Removed by Index Recheck", 0))
        return own + sum(walk(child) for child in node.get("Plans", ()))

    return walk(plan[0]["Plan"])


# every order the page offers, with each state filter that lists work still to do
CASES = [(order, state) for order in ticket_query.ORDERS for state in ("active", *ACTIVE)]


def test_the_list_of_open_work_never_reads_the_closed_history(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate.ensure_current(engine, NOW)
        _fill(engine)
        sessions = session_factory(engine)
        for order, state in CASES:
            _check(engine, sessions, order, state)
            # the "nobody" filter (the tickets here have no assignee), asked with a team
            # (store.holders: NULL, or an address not on it) is read by state all the same
            _check(engine, sessions, order, state, assignee="", team=TEAM)
    finally:
        engine.dispose()


TEAM = ("ops@example.test", "boss@example.test")


def _check(
    engine: Engine, sessions: sessionmaker[Session], order: str, state: str, **filters: Any
) -> None:
    wanted = ACTIVE if state == "active" else (state,)
    recorder = _record([engine])
    seen = next(recorder)
    with transaction(sessions) as s:
        rows, total = ticket_query.find(
            s, ticket_query.TicketQuery(state=state, order=order, limit=PAGE, **filters)
        )
    next(recorder, None)
    case = f"sort={order} state={state} {filters}"
    assert total == PER_STATE * len(wanted), case
    assert len(rows) == PAGE and {r["state"] for r in rows} <= set(wanted), case
    statements = [(st, p) for st, p in seen if "FROM tickets" in st]
    assert len(statements) == 2, case  # the count and the page
    for statement, params in statements:
        if engine.dialect.name == "sqlite":
            plan = _plan(engine, statement, params)
            on_tickets = [line for line in plan if " tickets" in line]
            assert on_tickets, (case, plan)
            for line in on_tickets:  # read by state, never a pass over all of them
                assert line.startswith("SEARCH") and "(state=?" in line, (case, plan)
        else:
            read = _examined(engine, statement, params)
            # the count reads each of the state's tickets once, the page at most a page
            # of each state: bounded by the open work, whatever the closed history
            assert read <= (PER_STATE + PAGE) * len(wanted), (case, read, statement)


def test_a_long_list_of_chosen_tickets_is_asked_once(db_url: str) -> None:
    """The board's marks and a search hand the list ids (every stale ticket, every match):
    they bound the read already, and are sent once, not once per state: three times
    12 000 is past the 32 766 parameters of SQLite's default build (Debian's takes
    more: the test sets the default's limit)."""
    engine = make_engine(db_url)
    if engine.dialect.name == "sqlite":

        def default_build(dbapi_conn: Any, record: Any) -> None:
            dbapi_conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 32_766)

        event.listen(engine, "connect", default_build)
    try:
        migrate.ensure_current(engine, NOW)
        with engine.begin() as conn:
            conn.execute(
                insert(Ticket),
                [_row(n, ACTIVE[n % 3], NOW - timedelta(minutes=n)) for n in range(1, 61)],
            )
        chosen = tuple(range(1, 12_001))
        with transaction(session_factory(engine)) as s:
            rows, total = ticket_query.find(
                s, ticket_query.TicketQuery(state="active", order="idle", only=chosen, limit=PAGE)
            )
        assert total == 60
        assert [r["id"] for r in rows] == list(range(60, 60 - PAGE, -1))
    finally:
        engine.dispose()
