"""Alembic, driven from code, plus a cheap "is this database current?" check.

``run`` and ``ingest`` upgrade a database that is behind automatically; the
check reads ``alembic_version`` directly so a current database costs one query
and no Alembic import on every start.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from gateway.core.errors import TransientError
from store.db import is_transient
from store.revision import HEAD

MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATION_LOCK = 0x7467_0001  # "tg" + 1: the advisory lock taken while migrating


def current_revision(engine: Engine) -> str | None:
    """The database's revision; None for an empty database."""
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (OperationalError, ProgrammingError) as exc:
        missing = "no such table" in str(exc) or "does not exist" in str(exc)
        if not missing and is_transient(exc):
            raise TransientError(f"database unavailable: {exc.orig or exc}") from exc
        return None


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # several instances may start at once
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def ensure_current(engine: Engine) -> bool:
    """Upgrade when behind; returns True if a migration ran."""
    if current_revision(engine) == HEAD:
        return False
    upgrade(engine)
    return True
