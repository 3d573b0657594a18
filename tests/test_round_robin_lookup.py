"""Whose turn it is costs the same with 100 tickets of an entry as with 3 000 (issue #18).

Round robin used to count each candidate's tickets of the entry: an index range
that grows with every ticket, 15 ms per new ticket at 30 000 messages on
PostgreSQL. It now reads each candidate's newest ticket, the first row of
``ix_tickets_catalog_assignee`` read backwards. ``tests/test_query_plans.py``
cannot see the difference (both use the index), so this measures the work the
database does for the lookup at two sizes of the entry: SQLite's virtual-machine
steps (a progress handler called every step), PostgreSQL's rows read by the plan
(``EXPLAIN ANALYZE``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, event, insert, text

from gateway.runtime.app import App
from store.db import transaction
from store.fields import last_served
from store.models import Ticket, table_of

TEAM = ("ops@example.test", "ops2@example.test", "ops3@example.test")


def _add_tickets(app: App, n: int, start: int) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        {
            "subject": f"request {start + i}",
            "requester": f"user{start + i}@customer.test",
            "state": "open",
            "catalog": "vpn" if i % 4 else "printer",
            "assignee": TEAM[i % len(TEAM)] if i % 10 else None,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(n)
    ]
    with transaction(app.sessions) as s:
        s.execute(insert(table_of(Ticket)), rows)
    with app.engine.connect() as conn:  # real statistics, as a grown store has
        conn.execute(text("ANALYZE"))
        conn.commit()


def _lookup(app: App) -> tuple[str, Any, dict[str, int]]:
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, stmt: str, params: Any, ctx: Any, many: bool) -> None:
        seen.append((stmt, params))

    event.listen(app.engine, "before_cursor_execute", record)
    try:
        with transaction(app.sessions) as s:
            served = last_served(s, "vpn", [*TEAM, "new@example.test"])
    finally:
        event.remove(app.engine, "before_cursor_execute", record)
    (statement, params), *_ = [p for p in seen if "tickets" in p[0]]
    return statement, params, served


def _work(engine: Engine, statement: str, params: Any) -> int:
    """Steps (SQLite) or rows read (PostgreSQL) to answer ``statement`` once."""
    raw = engine.raw_connection()
    try:
        driver: Any = raw.driver_connection
        if engine.dialect.name == "sqlite":
            steps = [0]

            def tick() -> int:
                steps[0] += 1
                return 0

            driver.set_progress_handler(tick, 1)
            try:
                driver.execute(statement, params).fetchall()
            finally:
                driver.set_progress_handler(None, 1)
            return steps[0]
        cur = raw.cursor()
        cur.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, params)
        plan = cur.fetchone()[0][0]["Plan"]
        raw.rollback()
        return _rows_read(plan)
    finally:
        raw.close()


def _rows_read(node: dict[str, Any]) -> int:
    own = 0
    if "Scan" in node["Node Type"]:
        rows = node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)
        own = rows * node.get("Actual Loops", 1)
    return own + sum(_rows_read(child) for child in node.get("Plans", []))


def test_whose_turn_costs_the_same_whatever_the_entry_holds(app: App) -> None:
    _add_tickets(app, 100, 0)
    statement, params, served = _lookup(app)
    small = _work(app.engine, statement, params)
    assert set(served) == set(TEAM)  # the newcomer has no ticket yet
    _add_tickets(app, 3000, 100)
    statement, params, served_later = _lookup(app)
    large = _work(app.engine, statement, params)
    assert all(served_later[p] > served[p] for p in TEAM)
    # a count over the entry's tickets reads ~30x more at the larger size
    assert large <= small * 1.5 + 10, (small, large)


def test_the_newest_ticket_of_each_candidate(app: App) -> None:
    _add_tickets(app, 40, 0)
    with transaction(app.sessions) as s:
        served = last_served(s, "vpn", [*TEAM, TEAM[0], "nobody@example.test"])
        expected = {
            person: s.execute(
                text("SELECT max(id) FROM tickets WHERE catalog = 'vpn' AND assignee = :p"),
                {"p": person},
            ).scalar_one()
            for person in TEAM
        }
        assert last_served(s, "vpn", []) == {}
    assert served == expected
