"""The SQLite backend of the inbox-accept contract, on the stdlib ``sqlite3`` module.

The two hottest "accept" paths are pure writes of bytes that nobody reads yet:
the SMTP writer's group commits and the MTA pipe (one process per message).
On SQLite both go through here instead of SQLAlchemy, whose per-statement
Python work (and, for the pipe, import time) cost more than the write itself
(bench/smtp.py, bench/ingest.py). The duplicate rule is the contract's
(:func:`store.accept.contract.plan`), shared with the generic backend; a test
stores through both and compares the rows column by column. PostgreSQL always
takes the generic (SQLAlchemy) backend.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path

from gateway.core.db_errors import SQLITE_SAID, db_error
from gateway.core.errors import TransientError
from store.accept.contract import (
    BYTES_ONLY,
    Accepted,
    Candidate,
    Claimed,
    DuplicateRule,
    Incoming,
    Known,
    StoredRaw,
    candidates,
    envelope,
    lookup_ids,
    new_rows,
    plan,
    resolve,
)
from store.inode import file_identity
from store.revision import HEAD
from store.turnstile import Turnstile, TurnstileBusy

_COLUMNS = (
    "source",
    "source_ref",
    "envelope_from",
    "envelope_to",
    "raw_sha256",
    "size",
    "received_at",
    "state",
    "reason",
    "error",
    "attempts",
    "message_id",
    "bulk",
    "untrusted_peer",
)
_INSERT = f"INSERT INTO inbox ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)})"
# a key only one stored row may hold (contract.Claim), in the rate counters' table
_CLAIM = (
    "INSERT INTO rate_counters (key, window_start, count) VALUES (?, ?, 1)"
    " ON CONFLICT (key, window_start) DO NOTHING"
)
_INSERT_RAW = "INSERT INTO inbox_raw (inbox_id, raw) VALUES (?, ?)"
_RESERVE_RAW = "INSERT INTO inbox_raw (inbox_id, raw) VALUES (?, zeroblob(?))"
# Policy: raw bytes from this size on are written through incremental blob I/O a
# piece at a time. Bound as a parameter, SQLite copies the value and then builds the
# row's record from it: two more copies of a 34 MB message at the peak of a batch
# ingest (issue #18); a reserved zeroblob is filled in place instead.
STREAM_ABOVE = 1 << 20
STREAM_PIECE = 1 << 20  # bytes handed to SQLite per write


_DIGEST = "SELECT raw_sha256 FROM inbox WHERE id = ?"


class SqliteInbox:
    """One connection, used from one thread (the writer's, or the pipe's only one)."""

    streams_files = True  # written to and read from a zeroblob a piece at a time

    def __init__(self, path: str, busy_timeout_ms: int = 5000, *, bounded: bool = False) -> None:
        """``bounded``: the turnstile too is waited for at most ``busy_timeout_ms`` (a
        door that must answer in time); else for as long as it is held."""
        self.path = path
        self._timeout = busy_timeout_ms / 1000
        self._turn_within = self._timeout if bounded else None
        self._con: sqlite3.Connection | None = None
        self._file: tuple[int, int] | None = None  # (device, inode) the connection opened
        self._turnstile = Turnstile(path)

    def expecting(self) -> AbstractContextManager[None]:
        """Held while an SMTP session's data comes in (store.turnstile), if it is free:
        this is called on the listener's event loop, which must never wait."""
        return self._turnstile.expecting_if_free()

    def current(self) -> bool:
        """Does the database exist at the schema revision this code writes?"""
        if not Path(self.path).exists():
            return False
        try:
            row = self._connection().execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return False
            raise TransientError(f"database unavailable: {exc}", reason=db_error(exc)) from exc
        return bool(row) and row[0] == HEAD

    def accept_many(
        self, items: Sequence[Incoming], *, now: datetime, rule: DuplicateRule = BYTES_ONLY
    ) -> list[Accepted]:
        con = self._connection()
        try:
            with self._turnstile.first(self._turn_within):  # the runner starts no row meanwhile
                con.execute("BEGIN IMMEDIATE")
                results = self._accept(con, items, now, rule)
                con.execute("COMMIT")
        except TurnstileBusy as exc:
            said = SQLITE_SAID["SQLITE_BUSY"]  # another writer holds it: as SQLite's own
            raise TransientError(f"database unavailable: {exc}", reason=said) from exc
        except sqlite3.OperationalError as exc:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise TransientError(f"database unavailable: {exc}", reason=db_error(exc)) from exc
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
        self._still_the_file()
        return results

    @contextmanager
    def stored(self, inbox_id: int) -> Iterator[StoredRaw | None]:
        """A stored row's bytes to read a range at a time through incremental blob I/O,
        never whole (a batch ingest slims a big message it stored from here, issue
        #18); None when there is no such row. The bytes of a row never change."""
        con = self._connection()
        try:
            found = con.execute(_DIGEST, (inbox_id,)).fetchone()
            if found is None:
                yield None
                return
            with con.blobopen("inbox_raw", "raw", inbox_id, readonly=True) as blob:

                def read(start: int, end: int) -> bytes:
                    blob.seek(start)
                    return blob.read(end - start)

                yield StoredRaw(len(blob), str(found[0]), read)
        except sqlite3.OperationalError as exc:
            raise TransientError(f"database unavailable: {exc}", reason=db_error(exc)) from exc

    def _still_the_file(self) -> None:
        """The committed rows are in the file at ``path``, not in one removed or replaced
        while the connection held it open (a data folder deleted under the daemon, a
        restore copied over it): SQLite writes on into such a file without a word, so
        every ``250`` after it would be a mail lost with the file. Then the caller
        answers "try again later" (451, exit 75), the sender keeps the mail, and the
        next try opens whatever is at the path now. One ``stat`` per commit."""
        if self._file is not None and file_identity(self.path) != self._file:
            if self._con is not None:
                self._con.close()
                self._con = None
            raise TransientError(f"database file {self.path} was removed or replaced")

    def close(self) -> None:
        self._turnstile.close()
        if self._con is not None:
            self._con.close()
            self._con = None

    def _connection(self) -> sqlite3.Connection:
        if self._con is None:
            try:
                self._con = sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None)
                self._con.execute(f"PRAGMA busy_timeout={int(self._timeout * 1000)}")
                self._con.execute("PRAGMA synchronous=FULL")  # durable before the ack
                # no checkpoint inside an accepting commit (it copies pages and fsyncs
                # while a 250 waits): the processing side, which writes after us, does it
                self._con.execute("PRAGMA wal_autocheckpoint=0")
                self._file = file_identity(self.path)
            except sqlite3.Error as exc:
                raise TransientError(f"database unavailable: {exc}", reason=db_error(exc)) from exc
        return self._con

    @staticmethod
    def _accept(
        con: sqlite3.Connection, items: Sequence[Incoming], now: datetime, rule: DuplicateRule
    ) -> list[Accepted]:
        cands = candidates(items)
        planned = plan(cands, rule, _known(con, cands, rule))
        when = _sqlite_time(now)
        ids: list[int] = []
        fresh = new_rows(cands, planned)
        for c in fresh:  # the claims first: one held stores nothing (rolled back)
            claim = c.item.claim
            if claim is not None:
                taken = con.execute(_CLAIM, (claim.key[:400], _sqlite_time(claim.since)))
                if taken.rowcount == 0:
                    raise Claimed(claim.key)
        for c in fresh:
            values = (
                c.item.source,
                c.item.source_ref[:512],
                envelope(c.item.envelope_from),
                _json_list(c.item.envelope_to),
                c.digest,
                c.size,
                when,
                "pending",
                "",
                "",
                0,
                c.message_id,
                1 if c.item.bulk else 0,
                1 if c.item.untrusted_peer else 0,
            )
            inbox_id = int(con.execute(_INSERT, values).lastrowid or 0)
            insert_raw(con, inbox_id, c)  # beside the row, written once
            ids.append(inbox_id)
        return resolve(planned, ids)


def insert_raw(con: sqlite3.Connection, inbox_id: int, c: Candidate) -> None:
    """The row's bytes; a big message streamed into a reserved blob (``inbox_id`` is
    the table's rowid), so that SQLite holds no copy of it whole; a message file
    streamed from the file, checked against the keys its first read gave
    (:func:`~store.accept.message_file.stream_file`: raises, and the batch is
    rolled back, when it changed meanwhile)."""
    raw = c.item.raw
    if not isinstance(raw, bytes | bytearray):
        # imported here: the MTA pipe, one process per message, never hands over a file
        from store.accept.message_file import FileKeys, stream_file

        con.execute(_RESERVE_RAW, (inbox_id, c.size))
        with con.blobopen("inbox_raw", "raw", inbox_id) as blob:
            stream_file(raw, FileKeys(c.size, c.digest, c.message_id), blob.write)
        return
    if len(raw) <= STREAM_ABOVE:
        con.execute(_INSERT_RAW, (inbox_id, raw))
        return
    con.execute(_RESERVE_RAW, (inbox_id, len(raw)))
    view = memoryview(raw)
    with con.blobopen("inbox_raw", "raw", inbox_id) as blob:
        for at in range(0, len(raw), STREAM_PIECE):
            blob.write(view[at : at + STREAM_PIECE])


def _known(con: sqlite3.Connection, cands: Sequence[Candidate], rule: DuplicateRule) -> Known:
    """Stored digests and Message-IDs among these, in one query each."""
    digests = [c.digest for c in cands]
    marks = ", ".join("?" for _ in digests)
    by_digest = {
        str(d): int(i)
        for d, i in con.execute(
            f"SELECT raw_sha256, id FROM inbox WHERE raw_sha256 IN ({marks})", digests
        )
    }
    mids = lookup_ids(cands, rule)
    by_mid: dict[str, int] = {}
    if mids:
        marks = ", ".join("?" for _ in mids)
        sql = f"SELECT message_id, min(id) FROM inbox WHERE message_id IN ({marks})"
        args: list[str] = list(mids)
        if rule.message_id_from is not None:
            sql += " AND substr(source_ref, 1, ?) = ?"
            args += [str(len(rule.message_id_from)), rule.message_id_from]
        by_mid = {str(m): int(i) for m, i in con.execute(sql + " GROUP BY message_id", args)}
    return Known(by_digest, by_mid)


def _json_list(values: Sequence[str]) -> str:
    import json

    return json.dumps(list(values))


def _sqlite_time(value: datetime) -> str:
    """The text form SQLAlchemy's SQLite DateTime uses (naive UTC, microseconds)."""
    return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
