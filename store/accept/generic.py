"""The generic (SQLAlchemy) backend of the inbox-accept contract.

:func:`accept_many` works inside the caller's transaction: the IMAP poller
commits the rows together with its bookmark, so "stored" and "read up to here"
never disagree. :class:`SessionInbox` wraps it in a transaction of its own for
the sources whose commit is the acknowledgement (the SMTP writer, bulk ingest).
:func:`open_inbox` picks the backend for a database URL: the stdlib one on
SQLite (:mod:`store.accept.sqlite`), this one elsewhere.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, literal, select, text, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import CompoundSelect

from gateway.core.sqlite_url import sqlite_path
from store.accept.contract import (
    BYTES_ONLY,
    Accepted,
    Candidate,
    Claimed,
    DuplicateRule,
    InboxAcceptor,
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
from store.accept.message_file import FileKeys, MessageFile, read_whole
from store.accept.sqlite import SqliteInbox, insert_raw
from store.db import SQLITE_BUSY_TIMEOUT_MS, dialect_insert, transaction
from store.models import InboxRaw, InboxRow, RateCounter


def accept_many(
    session: Session, items: Sequence[Incoming], *, now: datetime, rule: DuplicateRule = BYTES_ONLY
) -> list[Accepted]:
    """Store what the rule does not call a duplicate: one lookup and one multi-row
    INSERT per batch (Core statements built once), not one round trip per message."""
    cands = candidates(items)
    planned = plan(cands, rule, _known(session, cands, rule))
    fresh = new_rows(cands, planned)
    _claim(session, fresh)
    rows = [_values(c, now) for c in fresh]
    ids = list(session.connection().execute(_INSERT, rows).scalars()) if rows else []
    if ids:  # the bytes beside the row, written once (store.models.core)
        _insert_raws(session, ids, fresh)
    return resolve(planned, ids)


def _claim(session: Session, fresh: Sequence[Candidate]) -> None:
    """Take the claims of the rows about to be stored (:class:`Claim`), or raise
    :class:`Claimed` when one is held. On PostgreSQL a claim another transaction is
    taking right now waits for it: taken there, it is held here."""
    for c in fresh:
        claim = c.item.claim
        if claim is None:
            continue
        values = {"key": claim.key[:400], "window_start": claim.since, "count": 1}
        stmt = dialect_insert(session.get_bind().dialect.name)(RateCounter).values(**values)
        taken = stmt.on_conflict_do_nothing(index_elements=["key", "window_start"])
        if session.execute(taken.returning(RateCounter.id)).first() is None:
            raise Claimed(claim.key)


def _insert_raws(session: Session, ids: Sequence[int], fresh: Sequence[Candidate]) -> None:
    """On SQLite through the session's own connection (in its transaction), so a big
    message is written a piece at a time (:func:`store.accept.sqlite.insert_raw`):
    bound whole, SQLite copied it and built the row from the copy, twice its size in
    SQLite's memory for each message the IMAP poller stored. Elsewhere bound whole."""
    connection = session.connection()
    driver = connection.connection.driver_connection
    if isinstance(driver, sqlite3.Connection):
        for inbox_id, c in zip(ids, fresh, strict=True):
            insert_raw(driver, inbox_id, c)
        return
    raws = [{"inbox_id": i, "raw": _raw(c)} for i, c in zip(ids, fresh, strict=True)]
    connection.execute(_INSERT_RAW, raws)


def _known(session: Session, cands: Sequence[Candidate], rule: DuplicateRule) -> Known:
    mids = lookup_ids(cands, rule)
    params = {
        "digests": [c.digest for c in cands],
        "ids": mids,
        "prefix": rule.message_id_from or "",
    }
    stmt = _LOOKUP_FROM if rule.message_id_from is not None else _LOOKUP
    digests: dict[str, int] = {}
    by_mid: dict[str, int] = {}
    for kind, key, rid in session.connection().execute(stmt, params):
        if rid is not None:
            (digests if kind == "d" else by_mid)[key] = rid
    return Known(digests, by_mid)


def _values(c: Candidate, now: datetime) -> dict[str, object]:
    item = c.item
    return {
        "source": item.source,
        "source_ref": item.source_ref[:512],
        "untrusted_peer": item.untrusted_peer,
        "envelope_from": envelope(item.envelope_from),
        "envelope_to": list(item.envelope_to),
        "raw_sha256": c.digest,
        "size": c.size,
        "received_at": now,
        "state": "pending",
        "message_id": c.message_id,
        "reason": "",
        "error": "",
        "attempts": 0,
        "bulk": item.bulk,
    }


def _raw(c: Candidate) -> bytes:
    """The bytes to insert. A message file is read whole here (checked against its
    keys): this backend binds a message as one parameter, so PostgreSQL holds it
    whole anyway; only the SQLite backend streams a file into its row."""
    raw = c.item.raw
    if isinstance(raw, MessageFile):
        return read_whole(raw, FileKeys(c.size, c.digest, c.message_id))
    return raw


def _lookup(prefix: bool) -> CompoundSelect[Any]:
    by_mid: ColumnElement[bool] = InboxRow.message_id.in_(bindparam("ids", expanding=True))
    if prefix:
        by_mid = and_(
            by_mid,
            func.substr(InboxRow.source_ref, 1, func.length(bindparam("prefix")))
            == bindparam("prefix"),
        )
    return union_all(
        select(literal("d"), InboxRow.raw_sha256, InboxRow.id).where(
            InboxRow.raw_sha256.in_(bindparam("digests", expanding=True))
        ),
        select(literal("m"), InboxRow.message_id, func.min(InboxRow.id))
        .where(by_mid)
        .group_by(InboxRow.message_id),
    )


# Built once and run on the session's Connection (Core): the batch path stays lean.
_LOOKUP = _lookup(prefix=False)
_LOOKUP_FROM = _lookup(prefix=True)
_INSERT = insert(InboxRow).returning(InboxRow.id, sort_by_parameter_order=True)
_INSERT_RAW = insert(InboxRaw)


class SessionInbox:
    """The generic backend with a transaction of its own per batch."""

    def __init__(
        self, sessions: sessionmaker[Session], *, lock_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS
    ) -> None:
        self._sessions = sessions
        self._lock_timeout_ms = int(lock_timeout_ms)

    def accept_many(
        self, items: Sequence[Incoming], *, now: datetime, rule: DuplicateRule = BYTES_ONLY
    ) -> list[Accepted]:
        try:
            return self._accept_once(items, now, rule)
        except (IntegrityError, Claimed):  # another instance stored them meanwhile
            return self._accept_once(items, now, rule)  # the same bytes: a duplicate now

    def _accept_once(
        self, items: Sequence[Incoming], now: datetime, rule: DuplicateRule
    ) -> list[Accepted]:
        """One try. Two instances given the same bytes at the same instant (a web form
        sent twice, a mail through two MX) both found them new, and the second INSERT
        broke the inbox's unique digest (or, for a form, found its token just claimed):
        an error, not the duplicate it is. So once more, when the first one's row is
        there to find: the same bytes are a duplicate, other bytes under a claim held
        are :class:`Claimed`."""
        with transaction(self._sessions) as session:
            self._wait_no_longer(session)
            return accept_many(session, items, now=now, rule=rule)

    def _wait_no_longer(self, session: Session) -> None:
        """On PostgreSQL a lock on the inbox (a migration, an operator's LOCK TABLE) held
        the INSERT for as long as it lasted: no 451 and no exit 75, only replies that never
        came. Wait as long as SQLite's busy timeout, then fail (lock_not_available is an
        OperationalError: "try again later")."""
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text(f"SET LOCAL lock_timeout = {self._lock_timeout_ms}"))

    streams_files = False  # a message is bound as one parameter: held whole anyway

    def expecting(self) -> AbstractContextManager[None]:
        """PostgreSQL's writers lock rows, not the database: no turn to wait for."""
        return nullcontext()

    def stored(self, inbox_id: int) -> AbstractContextManager[StoredRaw | None]:
        """No reading a range at a time here: the caller reads the row whole."""
        return nullcontext(None)

    def close(self) -> None:
        """Nothing to release: sessions come from the caller's engine."""


def open_inbox(
    url: str, sessions: sessionmaker[Session], *, wait_ms: int | None = None
) -> InboxAcceptor:
    """The acceptor for ``url``: stdlib sqlite3 on an SQLite file, else SQLAlchemy.
    ``wait_ms``: the longest a write waits for the database's locks (a door that must
    answer in time); None: SQLite's busy timeout, and the turnstile as long as held."""
    path = sqlite_path(url)
    if wait_ms is None:
        return SqliteInbox(path) if path else SessionInbox(sessions)
    if path:
        return SqliteInbox(path, wait_ms, bounded=True)
    return SessionInbox(sessions, lock_timeout_ms=wait_ms)
