"""Accepting raw mail into an SQLite inbox through the stdlib ``sqlite3`` module.

The two hottest "accept" paths are pure writes of bytes that nobody reads yet:
the SMTP writer's group commits and the MTA pipe (one process per message).
On SQLite both go through here instead of SQLAlchemy, whose per-statement
Python work (and, for the pipe, import time) cost more than the write itself
(bench/smtp.py, bench/ingest.py). Semantics are those of
:func:`store.inbox.accept_many`; a test stores through both and compares the
rows column by column. PostgreSQL always takes the SQLAlchemy path.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from gateway.core.errors import TransientError
from gateway.core.sniff import header_message_id
from store.inbox_types import Accepted, Incoming
from store.revision import HEAD

_COLUMNS = ("source", "source_ref", "envelope_from", "envelope_to", "raw", "raw_sha256", "size",
            "received_at", "state", "reason", "error", "attempts", "message_id")
_INSERT = (f"INSERT INTO inbox ({', '.join(_COLUMNS)}) "
           f"VALUES ({', '.join('?' for _ in _COLUMNS)})")


def sqlite_path(url: str) -> str | None:
    """The file behind an SQLite URL, or None for anything else (or in-memory)."""
    for prefix in ("sqlite:///", "sqlite+pysqlite:///"):
        if url.startswith(prefix):
            path = url.removeprefix(prefix).split("?", 1)[0]
            return path if path and path != ":memory:" else None
    return None


class SqliteInbox:
    """One connection, used from one thread (the writer's, or the pipe's only one)."""

    def __init__(self, path: str, busy_timeout_ms: int = 5000) -> None:
        self.path = path
        self._timeout = busy_timeout_ms / 1000
        self._con: sqlite3.Connection | None = None

    def current(self) -> bool:
        """Does the database exist at the schema revision this code writes?"""
        if not Path(self.path).exists():
            return False
        try:
            row = self._connection().execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return False
            raise TransientError(f"database unavailable: {exc}") from exc
        return bool(row) and row[0] == HEAD

    def accept_many(
        self, items: Sequence[Incoming], *, now: datetime, by_message_id: bool = False
    ) -> list[Accepted]:
        con = self._connection()
        try:
            con.execute("BEGIN IMMEDIATE")
            results = self._accept(con, items, now, by_message_id)
            con.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise TransientError(f"database unavailable: {exc}") from exc
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
        return results

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def _connection(self) -> sqlite3.Connection:
        if self._con is None:
            try:
                self._con = sqlite3.connect(self.path, timeout=self._timeout,
                                            isolation_level=None)
                self._con.execute(f"PRAGMA busy_timeout={int(self._timeout * 1000)}")
                self._con.execute("PRAGMA synchronous=FULL")  # durable before the ack
            except sqlite3.Error as exc:
                raise TransientError(f"database unavailable: {exc}") from exc
        return self._con

    @staticmethod
    def _accept(con: sqlite3.Connection, items: Sequence[Incoming], now: datetime,
                by_message_id: bool) -> list[Accepted]:
        digests = [hashlib.sha256(item.raw).hexdigest() for item in items]
        mids = [header_message_id(item.raw) for item in items]
        known = _known(con, digests, [m for m in mids if m] if by_message_id else [])
        when = _sqlite_time(now)
        results: list[Accepted] = []
        for item, digest, mid in zip(items, digests, mids, strict=True):
            found = known.get(("d", digest)) or (known.get(("m", mid)) if by_message_id else None)
            if found is not None:
                results.append(Accepted(found, duplicate=True))
                continue
            cur = con.execute(_INSERT, (
                item.source, item.source_ref[:512], item.envelope_from,
                _json_list(item.envelope_to), item.raw, digest, len(item.raw), when,
                "pending", "", "", 0, mid,
            ))
            inbox_id = int(cur.lastrowid or 0)
            known[("d", digest)] = inbox_id  # a second copy in this same batch
            if mid:
                known.setdefault(("m", mid), inbox_id)
            results.append(Accepted(inbox_id, duplicate=False))
        return results


def _known(con: sqlite3.Connection, digests: list[str],
           message_ids: list[str]) -> dict[tuple[str, str | None], int]:
    """Stored digests ("d") and Message-IDs ("m") among these, in one query."""
    found: dict[tuple[str, str | None], int] = {}
    marks = ", ".join("?" for _ in digests)
    for digest, rid in con.execute(
        f"SELECT raw_sha256, id FROM inbox WHERE raw_sha256 IN ({marks})", digests
    ):
        found[("d", digest)] = int(rid)
    if message_ids:
        marks = ", ".join("?" for _ in message_ids)
        for mid, rid in con.execute(
            f"SELECT message_id, min(id) FROM inbox WHERE message_id IN ({marks})"
            " GROUP BY message_id", message_ids
        ):
            found[("m", mid)] = int(rid)
    return found


def _json_list(values: Sequence[str]) -> str:
    import json

    return json.dumps(list(values))


def _sqlite_time(value: datetime) -> str:
    """The text form SQLAlchemy's SQLite DateTime uses (naive UTC, microseconds)."""
    return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
