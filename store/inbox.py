"""Inbox queries: accept raw mail, claim rows to process, record dispositions.

Functions take a session and never commit; the caller's unit of work does.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from store.models import InboxRow

_MID = re.compile(rb"^message-id:[ \t]*<?([^>\s]+)>?", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Accepted:
    inbox_id: int
    duplicate: bool  # the same bytes were already stored: nothing new written


def header_message_id(raw: bytes) -> str | None:
    """The Message-ID from the header block, cheaply, without a MIME parse."""
    head = raw.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    m = _MID.search(head)
    return m.group(1).decode("ascii", "replace")[:998] if m else None


def accept(
    session: Session,
    raw: bytes,
    *,
    source: str,
    now: datetime,
    source_ref: str = "",
    envelope_from: str | None = None,
    envelope_to: Sequence[str] = (),
) -> Accepted:
    """Store raw bytes once; the same bytes again return the existing row."""
    digest = hashlib.sha256(raw).hexdigest()
    existing = session.scalar(select(InboxRow.id).where(InboxRow.raw_sha256 == digest))
    if existing is not None:
        return Accepted(existing, duplicate=True)
    row = InboxRow(
        source=source,
        source_ref=source_ref[:512],
        envelope_from=envelope_from,
        envelope_to=list(envelope_to),
        raw=raw,
        raw_sha256=digest,
        size=len(raw),
        received_at=now,
        state="pending",
        message_id=header_message_id(raw),
    )
    session.add(row)
    session.flush()
    return Accepted(row.id, duplicate=False)


def claim_pending(session: Session, now: datetime, limit: int = 50) -> list[int]:
    """Ids of rows due for processing, locked so another instance skips them."""
    stmt = (
        select(InboxRow.id)
        .where(InboxRow.state == "pending")
        .where(or_(InboxRow.next_attempt_at.is_(None), InboxRow.next_attempt_at <= now))
        .order_by(InboxRow.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(stmt))


def lock_row(session: Session, inbox_id: int) -> InboxRow | None:
    """The row, locked for this transaction, if it is still pending."""
    stmt = (
        select(InboxRow)
        .where(InboxRow.id == inbox_id, InboxRow.state == "pending")
        .with_for_update(skip_locked=True)
    )
    return session.scalars(stmt).first()


def list_rows(session: Session, state: str | None = None, limit: int = 200) -> list[InboxRow]:
    stmt = select(InboxRow).order_by(InboxRow.id.desc()).limit(limit)
    if state:
        stmt = stmt.where(InboxRow.state == state)
    return list(session.scalars(stmt))


def requeue(session: Session, ids: Sequence[int] | None = None) -> int:
    """Put shunted rows (or the given rows) back to pending; returns how many."""
    stmt = select(InboxRow)
    stmt = stmt.where(InboxRow.id.in_(ids)) if ids else stmt.where(InboxRow.state == "shunted")
    rows = list(session.scalars(stmt))
    for row in rows:
        row.state, row.next_attempt_at, row.error = "pending", None, ""
    return len(rows)


def counts_by_state(session: Session) -> dict[str, int]:
    stmt = select(InboxRow.state, func.count()).group_by(InboxRow.state)
    return {state: n for state, n in session.execute(stmt)}
