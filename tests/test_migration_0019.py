"""0019: the list's ``sort=idle`` (untouched the longest first) reads the tickets in
the order of an index on ``updated_at``, not a sort of every matching ticket per page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, insert, inspect, select, text

from store import migrate, ticket_query
from store.db import make_engine
from store.models import Ticket
from tests.test_query_plans import _plan

# each test builds its schema from nothing (tests/conftest.py db_url)
pytestmark = pytest.mark.fresh_database

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
INDEX = "ix_tickets_idle"


def _indexes(engine: Engine) -> dict[str, list[str | None]]:
    return {
        i["name"] or "": list(i["column_names"]) for i in inspect(engine).get_indexes("tickets")
    }


def test_0019_adds_the_idle_index_keeping_every_ticket_and_goes_down_again(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate.upgrade(engine, "0018")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO tickets (id, subject, requester, requester_name, state,"
                    " priority, created_at, updated_at) VALUES"
                    " (1, 's', 'a@x.test', '', 'open', 'normal', '2026-01-01', '2026-01-03'),"
                    " (2, 't', 'b@x.test', '', 'new', 'normal', '2026-01-02', '2026-01-02')"
                )
            )
        assert INDEX not in _indexes(engine)
        migrate.upgrade(engine)
        assert _indexes(engine)[INDEX] == ["updated_at", "id"]
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id FROM tickets ORDER BY updated_at, id")).all()
        assert [r[0] for r in rows] == [2, 1]
        migrate.downgrade(engine, "0018")
        assert INDEX not in _indexes(engine)
        assert migrate.current_revision(engine) == "0018"
    finally:
        engine.dispose()


def test_the_idle_order_is_read_from_the_index_not_sorted(db_url: str) -> None:
    """The list's page in ``sort=idle`` as :func:`store.ticket_query.find` asks for it:
    walked in index order and cut at the page (no sort step of all matching tickets)."""
    engine = make_engine(db_url)
    try:
        migrate.ensure_current(engine, NOW)
        with engine.begin() as conn:
            for n in range(1, 31):
                conn.execute(
                    insert(Ticket).values(
                        id=n,
                        subject=f"s{n}",
                        requester="a@x.test",
                        state="open" if n % 3 else "closed",
                        created_at=NOW,
                        updated_at=NOW - timedelta(hours=n),
                    )
                )
        query = ticket_query.TicketQuery(order="idle")  # the whole list, as the page asks
        stmt = (
            select(Ticket)
            .order_by(*ticket_query.ORDERS[query.order])
            .limit(query.limit)
            .offset(query.offset)
        )
        compiled = stmt.compile(engine)
        params: object = compiled.params
        if engine.dialect.name == "sqlite":
            params = tuple(compiled.params[k] for k in compiled.positiontup or ())
        sql = str(compiled)
        plan = " ".join(_plan(engine, sql, params))
        assert INDEX in plan, plan
        assert "TEMP B-TREE FOR ORDER BY" not in plan and "Sort" not in plan, plan
    finally:
        engine.dispose()
