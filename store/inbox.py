"""Inbox queries: claim rows to process, record dispositions and retries.

Accepting raw mail is the contract of :mod:`store.accept`; :func:`accept` here
is its one-message form for code that already holds a transaction.

Functions take a session and never commit; the caller's unit of work does.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, Text, bindparam, case, func, null, or_, select, update
from sqlalchemy.orm import Session

from gateway.core.db_errors import db_error
from gateway.core.errors import TransientError
from store.accept.contract import BYTES_ONLY, Accepted, DuplicateRule, Incoming
from store.accept.generic import accept_many
from store.accept.sqlite import STREAM_ABOVE
from store.db import core
from store.fast_query import FastQuery
from store.models import InboxRaw, InboxRow, table_of


def accept(
    session: Session,
    raw: bytes,
    *,
    source: str,
    now: datetime,
    source_ref: str = "",
    envelope_from: str | None = None,
    envelope_to: Sequence[str] = (),
    rule: DuplicateRule = BYTES_ONLY,
    bulk: bool = False,
) -> Accepted:
    """One message through the generic backend, inside the caller's transaction."""
    item = Incoming(raw, source, source_ref, envelope_from, envelope_to, bulk)
    [accepted] = accept_many(session, [item], now=now, rule=rule)
    return accepted


def source_refs(session: Session, ids: Collection[int]) -> dict[int, str]:
    """Each row's ``source_ref``: where a message a door found stored came from (the IMAP
    poller tells one it reads again under its own UID from one put back under a new)."""
    if not ids:
        return {}
    found = session.execute(select(InboxRow.id, InboxRow.source_ref).where(InboxRow.id.in_(ids)))
    return {row_id: ref for row_id, ref in found}


def due_ids(session: Session, now: datetime, limit: int = 50) -> list[int]:
    """Ids of rows due for processing, oldest first. Not locked: a lock here would
    end with the question's transaction, and only hide the rows from another
    instance asking at the same moment (which then went idle). Instances share the
    rows out with :mod:`store.row_claims`; :func:`claim_row` makes each processed once."""
    return _DUE_IDS.scalars(session, {"now": now, "limit": limit})


@dataclass(frozen=True, slots=True)
class PendingRow:
    """What the pipeline needs of an inbox row: plain values, not an ORM object."""

    id: int
    held: bytes | Callable[[], bytes]  # the raw bytes, or how to read them: see ``raw``
    source: str
    envelope_from: str | None
    envelope_to: tuple[str, ...]
    message_id: str | None
    bulk: bool = False  # arrived in bulk (an import, a first sync): see gateway.pipeline.archive
    received_at: datetime | None = None  # when it was accepted
    # over SMTP/LMTP from a peer outside trusted_networks that did not log in: the
    # Authentication-Results in it prove nothing (gateway.runner.proof.trusted_ids)
    untrusted_peer: bool = False
    # how to read the first bytes of a row claimed without its bytes (see ``head``)
    head_of: Callable[[int], bytes] | None = None

    def head(self, limit: int) -> bytes:
        """At most the first ``limit`` bytes of the row: all a stage that reads only the
        header block needs (whether a reply proves its sender, asked of every customer
        reply), without reading a big message whole when nothing else did."""
        held = self.held
        if isinstance(held, bytes) or self.head_of is None:
            return self.raw[:limit]
        return self.head_of(limit)

    @property
    def raw(self) -> bytes:
        """The row's bytes. A row over :data:`LAZY_ABOVE` is claimed without them and
        read on first use, in the claim's transaction: a parse made ahead (from a slim
        copy) is all that most stages need, and a 34 MB message read for nothing was
        the peak of a batch ingest (issue #18). Only the rare stages that read the
        raw message (bounces, forwards, a member's command) pay for it, once."""
        held = self.held
        if not isinstance(held, bytes):
            held = held()
            object.__setattr__(self, "held", held)  # read once, whichever stage asks
        return held


def pending_raw(session: Session, inbox_id: int) -> bytes | None:
    """The raw bytes of a row that is still pending (read without locking it). A big
    message on SQLite is read through incremental blob I/O, straight into one bytes
    object: a plain SELECT has SQLite gather the whole value into a buffer of its own
    first, which the driver then copies (a 34 MB message cost 68 MB to read)."""
    if core(session).dialect.name == "sqlite":  # statements built once (read for every row)
        size = _PENDING_SIZE.scalar(session, {"id": inbox_id})
        if size is None:
            return None
        if size > STREAM_ABOVE:
            return _blob(session, inbox_id)
    found: bytes | None = _PENDING_RAW.scalar(session, {"id": inbox_id})
    return found


def _blob(session: Session, inbox_id: int, limit: int = -1) -> bytes:
    """The row's bytes (the first ``limit``; -1: all) through the session's own SQLite
    connection (same transaction)."""
    driver = session.connection().connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    try:
        with driver.blobopen("inbox_raw", "raw", inbox_id, readonly=True) as blob:
            return blob.read(limit)
    except sqlite3.OperationalError as exc:  # as store.db maps what SQLAlchemy raises
        raise TransientError(f"database unavailable: {exc}", reason=db_error(exc)) from exc


def _stored_raw(session: Session, inbox_id: int) -> bytes:
    """A claimed row's bytes (SQLite: through blob I/O, as :func:`pending_raw`)."""
    if session.get_bind().dialect.name == "sqlite":
        return _blob(session, inbox_id)
    return bytes(session.execute(select(InboxRaw.raw).filter_by(inbox_id=inbox_id)).scalar_one())


def _stored_head(session: Session, inbox_id: int, limit: int) -> bytes:
    """The first ``limit`` bytes of a claimed row (SQLite: through blob I/O)."""
    if session.get_bind().dialect.name == "sqlite":
        return _blob(session, inbox_id, limit)
    stmt = select(func.substr(InboxRaw.raw, 1, limit)).filter_by(inbox_id=inbox_id)
    return bytes(session.execute(stmt).scalar_one())


def claim_row(session: Session, inbox_id: int, raw: bytes | None = None) -> PendingRow | None:
    """The row, locked for this transaction (skipped if another runner holds it),
    if it is still pending. ``raw``: its bytes, already read (they never change), so
    a big message is not held twice."""
    found = (_CLAIM if raw is None else _CLAIM_KNOWN).first(session, {"id": inbox_id})
    if found is None:
        return None
    held: bytes | Callable[[], bytes] | None = raw if raw is not None else found.raw
    return PendingRow(
        found.id,
        held if held is not None else lambda: _stored_raw(session, inbox_id),
        found.source,
        found.envelope_from,
        tuple(found.envelope_to or ()),
        found.message_id,
        bool(found.bulk),
        found.received_at,
        bool(found.untrusted_peer),
        None if held is not None else lambda limit: _stored_head(session, inbox_id, limit),
    )


def set_disposition(
    session: Session,
    inbox_id: int,
    state: str,
    reason: str,
    now: datetime,
    ticket_id: int | None = None,
    error: str | None = None,
) -> None:
    """Record how processing ended; counts the attempt."""
    _DISPOSE.run(
        session,
        {
            "row": inbox_id,
            "state": state,
            "reason": reason[:2000],
            "processed_at": now,
            "ticket": ticket_id,
            "err": error,
        },
    )


_T = table_of(InboxRow)
# built once: the runner asks it before every batch, in the daemon for each row or few
# as they arrive (an ORM select built per call, issue #18)
_DUE_IDS = FastQuery(
    select(_T.c.id)
    .where(_T.c.state == "pending")
    .where(
        or_(
            _T.c.next_attempt_at.is_(None),
            _T.c.next_attempt_at <= bindparam("now", type_=_T.c.next_attempt_at.type),
        )
    )
    .order_by(_T.c.id)
    .limit(bindparam("limit"))
)
_FACTS = (  # what a claim reads besides the raw bytes
    _T.c.id,
    _T.c.source,
    _T.c.envelope_from,
    _T.c.envelope_to,
    _T.c.message_id,
    _T.c.bulk,
    _T.c.received_at,
    _T.c.untrusted_peer,
)


_RAW = table_of(InboxRaw)


# Policy: a row bigger than this is claimed without its bytes (read on first use,
# PendingRow.raw): on SQLite, rows above it are the ones stored and read through blob I/O.
LAZY_ABOVE = STREAM_ABOVE
_RAW_UNLESS_BIG = case((_T.c.size > LAZY_ABOVE, null()), else_=_RAW.c.raw).label("raw")


def _claim_of(*columns: Any, with_raw: bool) -> Any:
    """A claim of one pending row, locked (skipped when another runner holds it); the
    bytes with it unless the row is big (only evaluated for the rows it returns, so
    SQLite does not read a big row's overflow pages)."""
    stmt = select(*columns, *([_RAW_UNLESS_BIG] if with_raw else []))
    if with_raw:
        stmt = stmt.join_from(_T, _RAW, _RAW.c.inbox_id == _T.c.id)
    return stmt.where(_T.c.id == bindparam("id"), _T.c.state == "pending").with_for_update(
        skip_locked=True, of=_T
    )


# built once: this runs for every row the runner takes; a row whose bytes the parse
# worker has read already is claimed without them
_PENDING_SIZE = FastQuery(
    select(_T.c.size).where(_T.c.id == bindparam("id"), _T.c.state == "pending")
)
_PENDING_RAW = FastQuery(
    select(_RAW.c.raw)
    .join(_T, _T.c.id == _RAW.c.inbox_id)
    .where(_RAW.c.inbox_id == bindparam("id"), _T.c.state == "pending")
)
_CLAIM = FastQuery(_claim_of(*_FACTS, with_raw=True))
_CLAIM_KNOWN = FastQuery(_claim_of(*_FACTS, with_raw=False))
_DISPOSE = FastQuery(
    update(_T)
    .where(_T.c.id == bindparam("row"))
    .values(
        state=bindparam("state"),
        reason=bindparam("reason"),
        processed_at=bindparam("processed_at"),
        attempts=_T.c.attempts + 1,
        ticket_id=func.coalesce(bindparam("ticket", type_=Integer), _T.c.ticket_id),
        error=func.coalesce(bindparam("err", type_=Text), _T.c.error),
    )
)


def defer(
    session: Session,
    inbox_id: int,
    reason: str,
    now: datetime,
    delay_for: Callable[[int], timedelta],
) -> bool:
    """Count a transient failure and schedule the next try ``delay_for(attempts)`` from
    now; False when the row is no longer pending (another runner finished it)."""
    row = session.get(InboxRow, inbox_id)
    if row is None or row.state != "pending":
        return False
    row.attempts += 1
    row.next_attempt_at = now + delay_for(row.attempts)
    row.reason = reason[:2000]
    return True


def list_rows(session: Session, state: str | None = None, limit: int = 200) -> list[InboxRow]:
    stmt = select(InboxRow).order_by(InboxRow.id.desc()).limit(limit)
    if state:
        stmt = stmt.where(InboxRow.state == state)
    return list(session.scalars(stmt))


def origin(session: Session, inbox_id: int) -> tuple[str, str | None]:
    """The row's source (``smtp``, ``ingest`` …) and Message-ID, for the log line of a
    row that failed: ("", None) when there is no such row."""
    found = session.execute(
        select(InboxRow.source, InboxRow.message_id).where(InboxRow.id == inbox_id)
    ).first()
    return ("", None) if found is None else (found[0], found[1])


def state_of(session: Session, inbox_id: int) -> str | None:
    """The row's state, or None when there is no such row."""
    return session.scalar(select(InboxRow.state).where(InboxRow.id == inbox_id))


def requeue(session: Session, ids: Sequence[int] | None = None) -> int:
    """Put shunted rows (or the given rows) back to pending; returns how many."""
    stmt = select(InboxRow)
    stmt = stmt.where(InboxRow.id.in_(ids)) if ids else stmt.where(InboxRow.state == "shunted")
    rows = list(session.scalars(stmt))
    for row in rows:
        row.state, row.next_attempt_at, row.error = "pending", None, ""
    return len(rows)


def any_pending(session: Session) -> bool:
    """Whether some row is still to be processed (pending, due or deferred): one row
    read through the state index, not a count of the inbox."""
    stmt = select(InboxRow.id).where(InboxRow.state == "pending").limit(1)
    return session.scalar(stmt) is not None


def counts_by_state(session: Session) -> dict[str, int]:
    stmt = select(InboxRow.state, func.count()).group_by(InboxRow.state)
    return {state: n for state, n in session.execute(stmt)}


def shunt_if_pending(session: Session, inbox_id: int, reason: str, now: datetime) -> bool:
    """Shunt a row that is still pending (its processing was killed); False when it
    had been processed after all (its commit won the race with the kill)."""
    stmt = (
        update(_T)
        .where(_T.c.id == inbox_id, _T.c.state == "pending")
        .values(state="shunted", reason=reason[:2000], processed_at=now, error=reason)
    )
    return bool(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def stored_under(session: Session, message_id: str, prefix: str, limit: int = 8) -> list[int]:
    """The first rows stored under ``message_id`` from sources whose ``source_ref``
    begins with ``prefix`` (one IMAP mailbox): what a rescan compares a message with."""
    stmt = (
        select(InboxRow.id)
        .where(
            InboxRow.message_id == message_id,
            func.substr(InboxRow.source_ref, 1, len(prefix)) == prefix,
        )
        .order_by(InboxRow.id)
        .limit(limit)
    )
    return [int(i) for i in session.scalars(stmt)]


def stored_head(session: Session, inbox_id: int, limit: int) -> bytes:
    """The first ``limit`` bytes a row keeps (its header block, for a comparison)."""
    return _stored_head(session, inbox_id, limit)


def row_and_raw(session: Session, inbox_id: int) -> tuple[InboxRow, bytes] | None:
    """The row and the bytes it keeps (``inbox show``), or None when there is no such
    row."""
    row = session.get(InboxRow, inbox_id)
    if row is None:
        return None
    return row, _stored_raw(session, inbox_id)


def view(row: InboxRow) -> dict[str, Any]:
    """A row as plain values, under the names ``inbox list --json`` and ``inbox show
    --json`` both give them."""
    return {
        "id": row.id,
        "state": row.state,
        "source": row.source,
        "source_ref": row.source_ref,
        "message_id": row.message_id,
        "ticket": row.ticket_id,
        "reason": row.reason,
        "attempts": row.attempts,
        "size": row.size,
        "received_at": row.received_at.isoformat(),
    }
