"""Alembic: ``upgrade head`` builds exactly the schema the models describe."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from store import migrate
from store.db import make_engine
from store.models import Base
from store.search import FTS_TABLE, include_name
from tests.conftest import pg_schema

# each test builds its schema from nothing (tests/conftest.py db_url)
pytestmark = pytest.mark.fresh_database

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def second_db_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """Another empty database of the same kind as ``db_url``."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path}/second.db"
        return
    with pg_schema() as url:
        yield url


def test_head_constant_matches_scripts() -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrate.MIGRATIONS))
    assert ScriptDirectory.from_config(cfg).get_current_head() == migrate.HEAD


def test_upgrade_head_matches_models(db_url: str) -> None:
    engine = make_engine(db_url)
    assert migrate.current_revision(engine) is None
    migrate.upgrade(engine)  # the migrations themselves, not the fresh-database shortcut
    assert migrate.current_revision(engine) == migrate.HEAD
    assert migrate.ensure_current(engine, NOW) is False  # already current: nothing to do
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_name})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == []


def test_a_fresh_database_is_created_at_head_as_the_migrations_would_make_it(
    db_url: str, second_db_url: str
) -> None:
    """An empty database skips the replay of every migration (create_all, the search
    index, the installation row, stamped at head): the schema must be exactly the one
    ``upgrade head`` builds, tables, columns, indexes, keys, triggers and all."""
    fresh, migrated = make_engine(db_url), make_engine(second_db_url)
    try:
        assert migrate.ensure_current(fresh, NOW) is True
        assert migrate.current_revision(fresh) == migrate.HEAD
        assert migrate.ensure_current(fresh, NOW) is False
        migrate.upgrade(migrated)
        assert _schema(fresh) == _schema(migrated)
        with fresh.connect() as conn:
            [(upto, created)] = conn.execute(
                text("SELECT legacy_tickets_upto, created_at FROM installation WHERE id = 1")
            ).all()
            assert upto == 0 and str(created).startswith("2026-03-02")
        assert _installation_id(fresh) != _installation_id(migrated)  # random per database
    finally:
        fresh.dispose()
        migrated.dispose()


def test_a_database_with_tables_is_never_created_over(tmp_path: Path) -> None:
    """Tables but no revision (not ours, or a failed first start): the shortcut stays
    away, and the migrations say what is wrong instead."""
    engine = make_engine(f"sqlite:///{tmp_path}/other.db")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE tickets (id INTEGER PRIMARY KEY)")
    assert migrate.create_fresh(engine, NOW) is False
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar() == 1
    engine.dispose()


def _installation_id(engine: Engine) -> str:
    with engine.connect() as conn:
        return str(conn.execute(text("SELECT database_id FROM installation")).scalar())


def _schema(engine: Engine) -> dict[str, Any]:
    """Everything the database would answer about its schema, in a comparable form
    (column order aside: a migration adds columns at the end of a table)."""
    insp = inspect(engine)
    described: dict[str, Any] = {}
    for table in sorted(insp.get_table_names()):
        described[table] = {
            "columns": sorted(
                (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                for c in insp.get_columns(table)
            ),
            "primary key": insp.get_pk_constraint(table)["constrained_columns"],
            "indexes": sorted(
                (str(i["name"]), tuple(i["column_names"]), bool(i["unique"]))
                for i in insp.get_indexes(table)
            ),
            "foreign keys": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
                for f in insp.get_foreign_keys(table)
            ),
            "unique": sorted(tuple(u["column_names"]) for u in insp.get_unique_constraints(table)),
            "checks": sorted(str(c["sqltext"]) for c in insp.get_check_constraints(table)),
        }
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            described["sqlite_master"] = sorted(
                (r[0], r[1], " ".join(str(r[2] or "").split()) if _sql_kept(r[0], r[1]) else "")
                for r in conn.exec_driver_sql("SELECT type, name, sql FROM sqlite_master")
            )
            # a number never given twice (0030) is said only in the table's SQL
            described["autoincrement"] = sorted(
                r[0]
                for r in conn.exec_driver_sql("SELECT name, sql FROM sqlite_master")
                if "AUTOINCREMENT" in str(r[1] or "").upper()
            )
        else:
            described["pg_indexes"] = sorted(
                (r[0], r[1].replace(f"{r[2]}.", ""))
                for r in conn.exec_driver_sql(
                    "SELECT indexname, indexdef, schemaname FROM pg_indexes"
                    " WHERE schemaname = current_schema()"
                )
            )
    return described


def _sql_kept(kind: str, name: str) -> bool:
    """Triggers and the search index's own table are compared by their SQL (its options,
    detail=none, are only there); the rest by what the inspector says of them."""
    return kind == "trigger" or name == FTS_TABLE


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
    assert migrate.ensure_current(engine, NOW) is True
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT id, priority, linked_ticket_id FROM tickets").all()
        assert [tuple(r) for r in rows] == [(1, "normal", None), (2, "normal", 1)]
        assert conn.exec_driver_sql("SELECT count(*) FROM participants").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    engine.dispose()


def test_0008_moves_every_inbox_rows_bytes_beside_it_and_back(db_url: str) -> None:
    """0008 puts the bytes of existing inbox rows into ``inbox_raw`` (byte for byte, the
    rows that point at the inbox untouched), and its downgrade puts them back."""
    engine = make_engine(db_url)
    migrate.upgrade(engine, "0007")
    raws = [b"From: a@x.test\r\n\r\nhello", bytes(range(256)) * 4000]  # binary, 1 MB
    with engine.begin() as conn:
        for i, raw in enumerate(raws, start=1):
            conn.execute(
                text(
                    "INSERT INTO inbox (id, source, source_ref, envelope_to, raw, raw_sha256,"
                    " size, received_at, state, reason, error, attempts, bulk) VALUES (:id,"
                    " 'smtp', '', '[]', :raw, :sha, :size, '2026-01-01', 'done', '', '', 1,"
                    " false)"
                ),
                {"id": i, "raw": raw, "sha": f"{i:064d}", "size": len(raw)},
            )
    assert migrate.ensure_current(engine, NOW) is True
    with engine.connect() as conn:
        moved = conn.execute(text("SELECT inbox_id, raw FROM inbox_raw ORDER BY inbox_id")).all()
        assert [(r[0], bytes(r[1])) for r in moved] == list(enumerate(raws, start=1))
        states = conn.execute(text("SELECT id, state FROM inbox ORDER BY id")).all()
        assert [tuple(r) for r in states] == [(1, "done"), (2, "done")]
    migrate.downgrade(engine, "0007")
    with engine.connect() as conn:
        back = conn.execute(text("SELECT id, raw FROM inbox ORDER BY id")).all()
        assert [(r[0], bytes(r[1])) for r in back] == list(enumerate(raws, start=1))
    engine.dispose()


def test_a_fresh_create_that_fails_half_way_leaves_nothing(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The schema is made in one transaction: a failure after the tables (the search
    index here) leaves an empty database, which the next start creates again."""
    from store import search

    def broken(conn: Any) -> None:
        raise RuntimeError("disk full")

    engine = make_engine(db_url)
    try:
        monkeypatch.setattr(search, "create", broken)
        with pytest.raises(RuntimeError, match="disk full"):
            migrate.ensure_current(engine, NOW)
        assert inspect(engine).get_table_names() == []
        monkeypatch.undo()
        assert migrate.ensure_current(engine, NOW) is True
        assert migrate.current_revision(engine) == migrate.HEAD
    finally:
        engine.dispose()


MERGED_FK = "fk_tickets_merged_into_id_tickets"  # the name migration 0006 gives it
PG_DEFAULT_FK = "tickets_merged_into_id_fkey"  # what PostgreSQL names an unnamed one


def _merged_fk(engine: Engine) -> str | None:
    """The name of the foreign key on ``tickets.merged_into_id`` as the database says it."""
    [name] = [
        f["name"]
        for f in inspect(engine).get_foreign_keys("tickets")
        if f["constrained_columns"] == ["merged_into_id"]
    ]
    return name


def test_a_fresh_database_goes_down_to_base_and_up_again(db_url: str) -> None:
    """A fresh database (made from the models) names its keys as the migrations do, so an
    operator going back to an older release can run every downgrade on it."""
    engine = make_engine(db_url)
    try:
        assert migrate.ensure_current(engine, NOW) is True  # the fresh-database shortcut
        assert _merged_fk(engine) == MERGED_FK
        migrate.downgrade(engine, "base")
        assert migrate.current_revision(engine) is None
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.HEAD
        assert _merged_fk(engine) == MERGED_FK
    finally:
        engine.dispose()


def test_a_database_made_from_the_older_models_gets_the_migrations_key_name(
    db_url: str,
) -> None:
    """Sites created from the models before 0012 have the key under the database's own
    name (PostgreSQL's ``tickets_merged_into_id_fkey``, none on SQLite): 0012 renames it,
    keeping every row, and the way down to base works from there too."""
    engine = make_engine(db_url)
    try:
        migrate.ensure_current(engine, NOW)
        migrate.downgrade(engine, "0011")  # the schema of then (later revisions undone)
        _rename_merged_fk_as_the_old_models_did(engine)
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO tickets (id, subject, requester, requester_name, state,"
                    " priority, created_at, updated_at, merged_into_id) VALUES"
                    " (1, 's', 'a@x.test', '', 'open', 'normal', '2026-01-01', '2026-01-01',"
                    " NULL), (2, 't', 'b@x.test', '', 'closed', 'normal', '2026-01-01',"
                    " '2026-01-01', 1)"
                )
            )
        assert _merged_fk(engine) != MERGED_FK
        migrate.upgrade(engine)
        assert _merged_fk(engine) == MERGED_FK
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, merged_into_id FROM tickets ORDER BY id")).all()
            assert [tuple(r) for r in rows] == [(1, None), (2, 1)]
        migrate.downgrade(engine, "base")
        assert migrate.current_revision(engine) is None
    finally:
        engine.dispose()


def _rename_merged_fk_as_the_old_models_did(engine: Engine) -> None:
    """The key as ``create_all`` made it before the models named it."""
    with engine.begin() as conn:
        if engine.dialect.name != "sqlite":
            conn.execute(
                text(f"ALTER TABLE tickets RENAME CONSTRAINT {MERGED_FK} TO {PG_DEFAULT_FK}")
            )
            return
        conn.exec_driver_sql("PRAGMA writable_schema = ON")
        conn.execute(
            text("UPDATE sqlite_master SET sql = replace(sql, :named, '') WHERE name = 'tickets'"),
            {"named": f"CONSTRAINT {MERGED_FK} "},
        )
        conn.exec_driver_sql("PRAGMA writable_schema = OFF")
