"""Alembic, driven from code, plus a cheap "is this database current?" check.

``run`` and ``ingest`` upgrade a database that is behind automatically; the
check reads ``alembic_version`` directly so a current database costs one query
and no Alembic import on every start.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DatabaseError, OperationalError, ProgrammingError

from gateway.core.db_errors import db_error
from gateway.core.errors import TransientError
from store.db import READ_ONLY, is_transient
from store.revision import HEAD

MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATION_LOCK = 0x7467_0001  # "tg" + 1: the advisory lock taken while migrating


class NewerSchema(RuntimeError):
    """The database is at a revision this release does not know: a newer release (or
    another instance of one, on the same PostgreSQL database) upgraded it. Nothing here
    can read or write it safely, nor take it back; this machine's release is behind."""

    def __init__(self, current: str) -> None:
        super().__init__(f"database schema {current} is newer than this release's {HEAD}")
        self.current = current


class OlderSchema(RuntimeError):
    """The database is at an older revision, for a command that may not upgrade it
    (:func:`ensure_current` ``create=False``): only ``run``, ``ingest`` and ``db upgrade``
    do, at a time the administrator chose (instances of the older release still running
    on it stop when it moves)."""

    def __init__(self, current: str) -> None:
        super().__init__(f"database schema {current} is older than this release's {HEAD}")
        self.current = current


class NoSchema(RuntimeError):
    """The database has no tables at all: no gateway's database, for a command that may
    not create one (:func:`ensure_current` ``create=False``)."""


def known_revisions() -> frozenset[str]:
    """The revisions this release's migrations name (their files' prefixes, as each
    file's ``revision``: tests/test_migrations.py checks the newest is HEAD)."""
    return frozenset(p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("*.py"))


def check_known(current: str | None) -> None:
    """Raise :class:`NewerSchema` when ``current`` is a revision this release lacks."""
    if current is not None and current != HEAD and current not in known_revisions():
        raise NewerSchema(current)


def current_revision(engine: Engine) -> str | None:
    """The database's revision; None for an empty database. Read without the write lock
    (SQLite): every command asks first, also one that only reads while a writer works.
    A file SQLite refuses ("file is not a database", "database disk image is malformed":
    a url naming another file, or a damaged one) is the database unavailable, as README
    says of a damaged one (``ingest`` exits 75, the mail waits), not a traceback."""
    try:
        with engine.connect() as conn:
            conn.execution_options(**{READ_ONLY: True})
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (OperationalError, ProgrammingError) as exc:
        # the table missing (a new database), not the database or the role the URL names
        # (`database "x" does not exist`, said at connect): that one is no empty database
        said = str(exc.orig or exc)
        missing = "alembic_version" in said and (
            "no such table" in said or "does not exist" in said
        )
        if not missing and is_transient(exc):
            raise TransientError(
                f"database unavailable: {exc.orig or exc}", reason=db_error(exc)
            ) from exc
        return None
    except DatabaseError as exc:  # sqlite3.DatabaseError itself: the file, not a lock
        raise TransientError(
            f"database unavailable: {exc.orig or exc}", reason=db_error(exc)
        ) from exc


def upgrade(engine: Engine, revision: str = "head") -> None:
    _run(engine, "upgrade", revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Back to ``revision`` (an operator going back to an older release, and tests)."""
    _run(engine, "downgrade", revision)


def _run(engine: Engine, direction: str, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    from store import installation

    if direction == "upgrade":  # Alembic cannot place a revision it has no file for
        check_known(current_revision(engine))
    installation.forget(engine)  # a migration may make the database's identity row
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:  # batch mode copies a table and drops the old one: rows pointing at it
            _foreign_keys(conn, on=False)  # would refuse the drop (checked again below)
        try:
            with conn.begin():
                if not sqlite:  # several instances may start at once
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
                cfg.attributes["connection"] = conn
                getattr(command, direction)(cfg, revision)
                if sqlite and conn.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise RuntimeError("migration left rows pointing nowhere; rolled back")
        finally:
            if sqlite:
                _foreign_keys(conn, on=True)


def _foreign_keys(conn: Connection, *, on: bool) -> None:
    """SQLite's foreign-key enforcement, switched outside any transaction (inside one the
    pragma is silently ignored), on the driver's connection (autocommit mode)."""
    driver = conn.connection.driver_connection
    assert driver is not None  # a live connection, opened just above
    driver.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def ensure_current(
    engine: Engine,
    now: datetime,
    before: Callable[[str | None, str], None] | None = None,
    *,
    create: bool = True,
) -> bool:
    """Upgrade when behind; returns True if a migration ran (or the schema was made).
    Raises :class:`NewerSchema` when it is ahead of this release.
    ``now``: when a fresh database is created (its installation row says so).
    ``before``: told ``(current, head)`` before migrations run on a database that has
    data (they may take minutes on a big one; the daemon tells systemd so).
    ``create=False``: a database with no tables is not made the gateway's (an empty
    PostgreSQL schema is "no gateway here", not a new one): :class:`NoSchema`; and one
    at an older revision is not upgraded: :class:`OlderSchema`."""
    current = current_revision(engine)
    if current == HEAD:
        return False
    check_known(current)
    if current is None and not create and is_empty(engine):
        raise NoSchema(str(engine.url))
    if current is not None and not create:  # behind: upgraded only where the admin says
        raise OlderSchema(current)
    if not create_fresh(engine, now):
        if before is not None:
            before(current, HEAD)
        upgrade(engine)
    return True


def is_empty(engine: Engine) -> bool:
    """Whether the database (PostgreSQL: the schema the connection's search path
    names first) has no table at all, as :func:`create_fresh` judges it. Read without
    the write lock."""
    from sqlalchemy import inspect

    with engine.connect() as conn:
        conn.execution_options(**{READ_ONLY: True})
        return not inspect(conn).get_table_names()


def create_fresh(engine: Engine, now: datetime) -> bool:
    """An empty database gets the head schema at once and is stamped with it, as
    Alembic's cookbook advises for new databases: the models' ``create_all``, the
    search index, and the one row migration 0005 writes. Replaying ten migrations
    (and importing Alembic) cost a fresh install's first command ~0.3 s, a quarter
    of a short ``ingest`` (issue #18). ``tests/test_migrations.py`` holds the two
    ways to the same schema. False, and nothing done, when the database has tables."""
    import secrets

    from sqlalchemy import inspect

    from store import search
    from store.models import Base, Installation
    from store.models.base import table_of

    with engine.connect() as conn, conn.begin():
        if conn.dialect.name != "sqlite":  # another instance may be creating it right now
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
        if inspect(conn).get_table_names():
            return False
        Base.metadata.create_all(conn)
        search.create(conn)
        conn.execute(
            table_of(Installation)
            .insert()
            .values(id=1, database_id=secrets.token_hex(16), legacy_tickets_upto=0, created_at=now)
        )
        stamp_head(conn)
    from store import installation

    installation.forget(engine)  # a new identity for this engine's database
    return True


def stamp_head(conn: Connection) -> None:
    """Alembic's revision table, saying :data:`HEAD`, in a database made at the head
    schema without Alembic (:func:`create_fresh`, :mod:`store.db_copy`)."""
    conn.execute(text(_VERSION_TABLE))
    conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": HEAD})


# the table Alembic keeps its revision in, as Alembic itself creates it
_VERSION_TABLE = (
    "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
    "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
)
