"""Inbox queries: accept raw mail, claim rows to process, record dispositions.

Functions take a session and never commit; the caller's unit of work does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Integer,
    Text,
    bindparam,
    func,
    insert,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import CompoundSelect

from gateway.core.sniff import header_message_id
from store.inbox_types import Accepted, Incoming
from store.models import InboxRow, table_of

__all__ = ["Accepted", "Incoming", "PendingRow", "accept", "accept_many", "claim_pending",
           "claim_row", "counts_by_state", "list_rows", "requeue", "set_disposition"]


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


def accept_many(
    session: Session, items: Sequence[Incoming], *, now: datetime, by_message_id: bool = False
) -> list[Accepted]:
    """:func:`accept` for a batch: one lookup and one multi-row INSERT, not one per message.

    The SMTP writer commits whatever sessions are waiting in one transaction;
    statements built once and run as Core keep the Python work per batch small.
    ``by_message_id``: a Message-ID already in the inbox is a duplicate too, for
    a resend through another relay (other bytes, same Message-ID).
    """
    digests = [hashlib.sha256(item.raw).hexdigest() for item in items]
    mids = [header_message_id(item.raw) for item in items]
    keys = [[("d", d)] + ([("m", m)] if by_message_id and m else [])
            for d, m in zip(digests, mids, strict=True)]
    known = _stored(session, digests, [m for m in mids if m] if by_message_id else [])
    new_rows: list[dict[str, object]] = []
    in_batch: dict[tuple[str, str], int] = {}  # key of a new row → its index in new_rows
    plan: list[Accepted | tuple[int, bool]] = []  # stored already, or (new row, duplicate)
    for item, digest, mid, mine in zip(items, digests, mids, keys, strict=True):
        stored = next((known[k] for k in mine if k in known), None)
        index = next((in_batch[k] for k in mine if k in in_batch), None)
        if stored is not None:
            plan.append(Accepted(stored, duplicate=True))
        elif index is not None:
            plan.append((index, True))
        else:
            in_batch.update(dict.fromkeys(mine, len(new_rows)))
            plan.append((len(new_rows), False))
            new_rows.append(_row_values(item, digest, mid, now))
    ids = session.connection().execute(_INSERT, new_rows).scalars().all() if new_rows else []
    return [p if isinstance(p, Accepted) else Accepted(ids[p[0]], p[1]) for p in plan]


def _stored(session: Session, digests: list[str],
            message_ids: list[str]) -> dict[tuple[str, str], int]:
    """Stored digests ("d") and inbound Message-IDs ("m") with their inbox ids, in one query."""
    rows = session.connection().execute(_LOOKUP, {"digests": digests, "ids": message_ids})
    return {(row[0], row[1]): row[2] for row in rows if row[2] is not None}


def _row_values(item: Incoming, digest: str, message_id: str | None,
                now: datetime) -> dict[str, object]:
    return {
        "source": item.source, "source_ref": item.source_ref[:512],
        "envelope_from": item.envelope_from, "envelope_to": list(item.envelope_to),
        "raw": item.raw, "raw_sha256": digest, "size": len(item.raw), "received_at": now,
        "state": "pending", "message_id": message_id, "reason": "", "error": "", "attempts": 0,
    }


# Built once and run on the session's Connection (Core): the batch path stays lean.
_LOOKUP: CompoundSelect[str, str, int | None] = union_all(
    select(literal("d"), InboxRow.raw_sha256, InboxRow.id).where(
        InboxRow.raw_sha256.in_(bindparam("digests", expanding=True))),
    select(literal("m"), InboxRow.message_id, func.min(InboxRow.id)).where(
        InboxRow.message_id.in_(bindparam("ids", expanding=True))).group_by(InboxRow.message_id),
)
_INSERT = insert(InboxRow).returning(InboxRow.id, sort_by_parameter_order=True)


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


@dataclass(frozen=True, slots=True)
class PendingRow:
    """What the pipeline needs of an inbox row: plain values, not an ORM object."""

    id: int
    raw: bytes
    source: str
    envelope_from: str | None
    envelope_to: tuple[str, ...]
    message_id: str | None


def claim_row(session: Session, inbox_id: int) -> PendingRow | None:
    """The row, locked for this transaction (skipped if another runner holds it),
    if it is still pending."""
    found = session.execute(_CLAIM, {"id": inbox_id}).first()
    if found is None:
        return None
    return PendingRow(found.id, found.raw, found.source, found.envelope_from,
                      tuple(found.envelope_to or ()), found.message_id)


def set_disposition(
    session: Session, inbox_id: int, state: str, reason: str, now: datetime,
    ticket_id: int | None = None, error: str | None = None,
) -> None:
    """Record how processing ended; counts the attempt."""
    session.execute(_DISPOSE, {"row": inbox_id, "state": state, "reason": reason[:2000],
                               "processed_at": now, "ticket": ticket_id, "err": error})


_T = table_of(InboxRow)
_CLAIM = (  # built once: this runs for every row the runner takes
    select(_T.c.id, _T.c.raw, _T.c.source, _T.c.envelope_from, _T.c.envelope_to,
           _T.c.message_id)
    .where(_T.c.id == bindparam("id"), _T.c.state == "pending")
    .with_for_update(skip_locked=True)
)
_DISPOSE = (
    update(_T)
    .where(_T.c.id == bindparam("row"))
    .values(state=bindparam("state"), reason=bindparam("reason"),
            processed_at=bindparam("processed_at"), attempts=_T.c.attempts + 1,
            ticket_id=func.coalesce(bindparam("ticket", type_=Integer), _T.c.ticket_id),
            error=func.coalesce(bindparam("err", type_=Text), _T.c.error))
)


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
