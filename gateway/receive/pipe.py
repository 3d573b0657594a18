"""The MTA pipe fast path: ``ingest -`` while a daemon is running.

Postfix starts one process per message. Importing SQLAlchemy and the ORM costs
several times more than the work itself, so when a running daemon will process
the row anyway (it holds the daemon lock), the pipe only *accepts*: one INSERT
through the stdlib ``sqlite3`` module, committed before exit 0 — the same
"accept, then process" rule as every source. Any doubt (not SQLite, schema not
current, no daemon) falls back to the full path, which also processes at once.

The column list mirrors ``store.models.InboxRow``; a test writes a row here and
reads it back through the ORM, field for field.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from gateway.errors import TransientError
from gateway.pipeline.sniff import header_message_id
from store.revision import HEAD

LOCK_NAME = "daemon.lock"


def lock_path(data_dir: Path) -> Path:
    return data_dir / LOCK_NAME


def hold_daemon_lock(data_dir: Path) -> IO[str]:
    """Taken by ``run`` for its lifetime; the open file must be kept referenced."""
    data_dir.mkdir(parents=True, exist_ok=True)
    fh = lock_path(data_dir).open("a+")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.close()
        raise
    fh.seek(0)
    fh.truncate()
    fh.write(f"{os.getpid()}\n")
    fh.flush()
    return fh


def daemon_running(data_dir: Path) -> bool:
    """True while some process holds the daemon lock in ``data_dir``."""
    path = lock_path(data_dir)
    if not path.exists():
        return False
    with path.open("a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
        return False


def sqlite_path(url: str) -> str | None:
    for prefix in ("sqlite:///", "sqlite+pysqlite:///"):
        if url.startswith(prefix):
            path = url.removeprefix(prefix).split("?", 1)[0]
            return path if path and path != ":memory:" else None
    return None


def quick_accept(db_path: str, raw: bytes, *, source_ref: str, now: datetime,
                 busy_timeout_ms: int = 5000) -> tuple[int, bool] | None:
    """Store ``raw`` as a pending inbox row; (id, duplicate), or None to take the full path."""
    if not Path(db_path).exists():
        return None
    digest = hashlib.sha256(raw).hexdigest()
    try:
        con = sqlite3.connect(db_path, timeout=busy_timeout_ms / 1000, isolation_level=None)
    except sqlite3.Error as exc:
        raise TransientError(f"database unavailable: {exc}") from exc
    try:
        if _revision(con) != HEAD:
            return None
        con.execute("BEGIN IMMEDIATE")
        found = con.execute("SELECT id FROM inbox WHERE raw_sha256 = ?", (digest,)).fetchone()
        if found:
            con.execute("COMMIT")
            return int(found[0]), True
        cur = con.execute(
            "INSERT INTO inbox (source, source_ref, envelope_from, envelope_to, raw, raw_sha256,"
            " size, received_at, state, reason, error, attempts, message_id)"
            " VALUES ('ingest', ?, NULL, '[]', ?, ?, ?, ?, 'pending', '', '', 0, ?)",
            (source_ref[:512], raw, digest, len(raw), _sqlite_time(now),
             header_message_id(raw)),
        )
        con.execute("COMMIT")
        return int(cur.lastrowid or 0), False
    except sqlite3.OperationalError as exc:
        raise TransientError(f"database unavailable: {exc}") from exc
    finally:
        con.close()


def _revision(con: sqlite3.Connection) -> str | None:
    try:
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return None
        raise
    return str(row[0]) if row else None


def _sqlite_time(value: datetime) -> str:
    """The text form SQLAlchemy's SQLite DateTime uses (naive UTC, microseconds)."""
    return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
