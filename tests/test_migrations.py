"""Alembic: ``upgrade head`` builds exactly the schema the models describe."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from store import migrate
from store.db import make_engine
from store.models import Base
from store.search import include_name


def test_head_constant_matches_scripts() -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrate.MIGRATIONS))
    assert ScriptDirectory.from_config(cfg).get_current_head() == migrate.HEAD


def test_upgrade_head_matches_models(db_url: str) -> None:
    engine = make_engine(db_url)
    assert migrate.current_revision(engine) is None
    assert migrate.ensure_current(engine) is True
    assert migrate.current_revision(engine) == migrate.HEAD
    assert migrate.ensure_current(engine) is False  # already current: nothing to do
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_name})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == []


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/x.db")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    engine.dispose()


def test_an_upgrade_that_copies_tickets_keeps_every_row_and_the_checks(tmp_path: Path) -> None:
    """0006 copies the tickets table on SQLite (batch mode); rows of other tables point at
    it, so the copy runs with foreign keys off, checked, and switched back on."""
    engine = make_engine(f"sqlite:///{tmp_path}/old.db")
    migrate.upgrade(engine, "0005")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO tickets (id, subject, requester, requester_name, state, created_at,"
            " updated_at) VALUES (1, 's', 'a@x.test', '', 'open', '2026-01-01', '2026-01-01'),"
            " (2, 't', 'b@x.test', '', 'new', '2026-01-01', '2026-01-01')"
        )
        conn.exec_driver_sql("UPDATE tickets SET linked_ticket_id = 1 WHERE id = 2")
        conn.exec_driver_sql(
            "INSERT INTO participants (ticket_id, email, role) VALUES (1, 'a@x.test', 'requester')"
        )
    assert migrate.ensure_current(engine) is True
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT id, priority, linked_ticket_id FROM tickets").all()
        assert [tuple(r) for r in rows] == [(1, "normal", None), (2, "normal", 1)]
        assert conn.exec_driver_sql("SELECT count(*) FROM participants").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    engine.dispose()
