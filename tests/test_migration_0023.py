"""0023: an index per order of the list within one state (tests/test_list_active_plans.py
shows what they are for); the index on the state alone, which ``(state, id)`` replaces,
goes, and comes back on the way down."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, text

from store import migrate
from store.db import make_engine

# each test builds its schema from nothing (tests/conftest.py db_url)
pytestmark = pytest.mark.fresh_database


def _indexes(engine: Engine) -> dict[str, list[str | None]]:
    return {
        i["name"] or "": list(i["column_names"]) for i in inspect(engine).get_indexes("tickets")
    }


def test_0023_indexes_each_state_in_the_lists_orders_and_goes_down_again(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate.upgrade(engine, "0022")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO tickets (id, subject, requester, requester_name, state,"
                    " priority, created_at, updated_at) VALUES"
                    " (1, 's', 'a@x.test', '', 'open', 'normal', '2026-01-01', '2026-01-03'),"
                    " (2, 't', 'b@x.test', '', 'closed', 'normal', '2026-01-02', '2026-01-02')"
                )
            )
        before = _indexes(engine)
        assert before["ix_tickets_state"] == ["state"]
        migrate.upgrade(engine)
        after = _indexes(engine)
        assert after["ix_tickets_state_idle"] == ["state", "updated_at", "id"]
        assert after["ix_tickets_state_id"] == ["state", "id"]
        assert "ix_tickets_state" not in after
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, state FROM tickets ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [(1, "open"), (2, "closed")]
        migrate.downgrade(engine, "0022")
        assert _indexes(engine) == before
        assert migrate.current_revision(engine) == "0022"
    finally:
        engine.dispose()
