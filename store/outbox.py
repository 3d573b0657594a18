"""Outbox queries: enqueue in the caller's transaction, claim, and record results.

An outbox row is one logical mail. It is written in the same transaction as the
ticket change that caused it, under an idempotency key, so reprocessing the
same cause (a retried inbox row, a scheduler pass run twice) cannot queue the
mail twice. The sender claims due rows with a short lease and sends outside
any transaction; a crash after the relay's ``250`` but before ``mark_sent``
lets the lease expire and the row is sent again with the same bytes and the
same Message-ID (at-least-once). Like every query module, nothing here commits.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, null, select, text, update
from sqlalchemy.orm import Session

from gateway.core.i18n import Msg, dump, kept
from store.advisory import key_here
from store.fast_insert import FastInsert
from store.fast_query import FastQuery, PerLength
from store.models import OutboxRow, table_of

PENDING, SENT, FAILED = "pending", "sent", "failed"
WITHDRAWN = "withdrawn"  # never sent: what it said stopped being true before it could go
LEASE = timedelta(minutes=5)  # a claimed row is due again after this if nobody reports back
BATCH_BYTES = 32_000_000  # the mail one claim holds in memory (a bigger mail goes alone)


@dataclass(frozen=True, slots=True)
class NewMail:
    key: str  # idempotency key, e.g. "ack:42"
    kind: str
    message_id: str  # without angle brackets
    envelope_from: str
    recipients: tuple[str, ...]
    raw: bytes
    ticket_id: int | None = None
    held_until: datetime | None = None  # a member notice gathering more until then
    notice: dict[str, Any] | None = None  # what it says so far, to render it again
    author: str | None = None  # the member whose words it carries (a relayed answer)


@dataclass(frozen=True, slots=True)
class Held:
    """A member notice still gathering (not yet claimed by a sender)."""

    id: int
    message_id: str
    notice: dict[str, Any]


@dataclass(frozen=True, slots=True)
class DueMail:
    """A claimed row as plain values: the sender never holds ORM objects across I/O."""

    id: int
    ticket_id: int | None
    kind: str
    message_id: str
    envelope_from: str
    recipients: tuple[str, ...]
    raw: bytes
    attempts: int
    created_at: datetime
    author: str | None = None  # the member whose words it carries: told if it fails


def enqueue(session: Session, mail: NewMail, now: datetime) -> int | None:
    """The new row's id, or None when a row with this key exists (nothing queued; a
    concurrent writer that won the key leaves our transaction as it was)."""
    found: int | None = _INSERT.one(
        session,
        {
            "idempotency_key": mail.key,
            "ticket_id": mail.ticket_id,
            "kind": mail.kind,
            "message_id": mail.message_id,
            "envelope_from": mail.envelope_from,
            "recipients": list(mail.recipients),
            "recipient": mail.recipients[0].lower() if mail.recipients else "",
            "raw": mail.raw,
            "state": PENDING,
            "attempts": 0,
            "created_at": now,
            "last_error": "",
            "held_until": mail.held_until,
            "next_attempt_at": mail.held_until,  # a held row is due when its window ends
            "notice": mail.notice,
            "author": mail.author,
        },
    )
    return found


def queued_under(session: Session, prefix: str) -> bool:
    """A mail was queued under a key that starts with ``prefix`` (a relay's cause: its
    mails are keyed ``<cause>:<recipient>``)."""
    stmt = select(OutboxRow.id).where(OutboxRow.idempotency_key.startswith(prefix, autoescape=True))
    return session.scalar(stmt.limit(1)) is not None


# the purpose named in the key of a recipient's rate-limit lock (store.advisory)
RATE = "rate-limit"


def hold_recipient(session: Session, recipient: str) -> None:
    """Until this transaction ends, no other one counts ``recipient``'s automatic mails
    (:func:`count_recent`) to decide on one more. Two instances answering one sender at
    the same instant each counted before the other's answer was queued, and both
    answered: one over ``auto_reply_limit``, a loop through two MX braked at twice the
    limit. On PostgreSQL a transaction-scoped advisory lock, the schema's own; SQLite's
    write transactions run one at a time."""
    if session.get_bind().dialect.name == "postgresql":
        key = key_here(session, RATE, recipient.lower())
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def count_recent(session: Session, recipient: str, kinds: Collection[str], since: datetime) -> int:
    """Automatic mails of ``kinds`` queued to ``recipient`` since ``since`` (rate limit)."""
    if not kinds:
        return 0
    query, params = _COUNT_RECENT.query(sorted(kinds))
    found = query.scalar(session, {"recipient": recipient.lower(), "since": since, **params})
    return int(found or 0)


def claim_due(session: Session, now: datetime, limit: int = 20) -> list[DueMail]:
    """Due pending rows, leased until ``now + LEASE`` so a parallel sender skips them;
    at most ``limit``, and no more than :data:`BATCH_BYTES` of mail (the first always):
    a file relayed to twenty people was twenty copies in memory at once, plus what
    smtplib makes of each while it sends."""
    due = (OutboxRow.next_attempt_at.is_(None)) | (OutboxRow.next_attempt_at <= now)
    sizes = (
        select(OutboxRow.id, func.length(OutboxRow.raw))  # SQLite: without reading the bytes
        .where(OutboxRow.state == PENDING, due)
        .order_by(OutboxRow.id)
        .limit(limit)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite serialises writers anyway
    )
    ids: list[int] = []
    total = 0
    for outbox_id, size in session.execute(sizes):
        if ids and total + int(size or 0) > BATCH_BYTES:
            break  # the rest stays due for the next batch
        ids.append(outbox_id)
        total += int(size or 0)
    if not ids:
        return []
    rows = list(
        session.scalars(select(OutboxRow).where(OutboxRow.id.in_(ids)).order_by(OutboxRow.id))
    )
    for row in rows:
        row.next_attempt_at = now + LEASE
        row.held_until = None  # claimed: what happens now goes into a new notice
    return [
        DueMail(
            r.id,
            r.ticket_id,
            r.kind,
            r.message_id,
            r.envelope_from,
            tuple(r.recipients),
            r.raw,
            r.attempts,
            r.created_at,
            r.author,
        )
        for r in rows
    ]


def held(session: Session, ticket_id: int, recipient: str, kind: str, now: datetime) -> Held | None:
    """The notice of ``kind`` to ``recipient`` about the ticket that still gathers, locked
    for this transaction (a sender that claims it first makes this None: then the caller
    starts a new one, so nothing is added to a mail already on its way)."""
    stmt = (
        select(OutboxRow)
        .where(
            OutboxRow.state == PENDING,
            OutboxRow.ticket_id == ticket_id,
            OutboxRow.recipient == recipient.lower(),
            OutboxRow.kind == kind,
            OutboxRow.held_until > now,
        )
        .order_by(OutboxRow.id.desc())
        .limit(1)
        .with_for_update()
    )
    row = session.scalars(stmt).first()
    if row is None or row.notice is None:
        return None
    return Held(row.id, row.message_id, dict(row.notice))


def rewrite_held(session: Session, outbox_id: int, raw: bytes, notice: dict[str, Any]) -> None:
    """The held notice says more now: its bytes and what it is made of; same Message-ID."""
    row = session.get(OutboxRow, outbox_id)
    if row is not None and row.held_until is not None and row.state == PENDING:
        row.raw, row.notice = raw, notice


def release(session: Session, outbox_ids: Sequence[int]) -> None:
    """Claimed rows not tried after all (the sender was asked to stop): due again now,
    not when their lease ends."""
    if outbox_ids:
        session.flush()  # a claim's lease in this same session is written first
        session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(outbox_ids), OutboxRow.state == PENDING)
            .values(next_attempt_at=None)
            .execution_options(synchronize_session=False)
        )


def mark_sent(session: Session, outbox_id: int, now: datetime) -> None:
    """One UPDATE: loading the row through the ORM read its whole ``raw`` (the mail as
    sent, megabytes with a file) only to mark it, for every mail sent (issue #18)."""
    _MARK_SENT.run(session, {"oid": outbox_id, "now": now})


def mark_retry(session: Session, outbox_id: int, error: Msg | str, next_at: datetime) -> None:
    row = session.get(OutboxRow, outbox_id)
    if row is not None and row.state == PENDING:
        row.attempts += 1
        row.next_attempt_at = next_at
        _said(row, error)


def mark_failed(
    session: Session, outbox_id: int, error: Msg | str, now: datetime
) -> OutboxRow | None:
    row = session.get(OutboxRow, outbox_id)
    if row is not None:
        row.attempts += 1
        row.state, row.next_attempt_at, row.failed_at = FAILED, None, now
        _said(row, error)
    return row


def drop_sent_raw(session: Session, sent_before: datetime, now: datetime, limit: int = 500) -> int:
    """Empty the bytes of up to ``limit`` mails sent before ``sent_before``; how many.

    Only a row marked ``sent`` loses them: it is never sent again (a crash before that
    mark leaves the row pending, and its re-send has every byte). What the ticket shows
    of it stays: the outgoing message's words and files (a relayed file's bytes are in
    the member's own mail, :func:`store.ticket_query.numbered_attachment`), and on this
    row its Message-ID, recipients and times. The oldest first, in batches, so a first
    pass over a year of mail does not hold the write lock for all of it at once."""
    ids = list(session.scalars(_kept_before(sent_before, limit)))
    if not ids:
        return 0
    done = session.execute(
        update(OutboxRow)
        .where(OutboxRow.id.in_(ids), OutboxRow.state == SENT)
        .values(raw=b"", raw_dropped_at=now)
        .execution_options(synchronize_session=False)
    )  # the emptied ones: a row not marked sent is looked at, and kept
    return int(getattr(done, "rowcount", 0) or 0)


def sent_raw_due(session: Session, sent_before: datetime, limit: int) -> int:
    """How many of the mails :func:`drop_sent_raw` would look at (up to ``limit``) it
    would empty, read only: ``sweep --dry-run`` says it as the real sweep does it."""
    ids = _kept_before(sent_before, limit).subquery()
    stmt = select(func.count()).where(OutboxRow.id.in_(select(ids.c.id)), OutboxRow.state == SENT)
    return session.scalar(stmt) or 0


def _kept_before(sent_before: datetime, limit: int) -> Select[int]:
    """The oldest ``limit`` rows sent before ``sent_before`` that still hold their bytes."""
    return (
        select(OutboxRow.id)
        # ix_outbox_sent_kept: the kept ones (NULL), by when sent; no other index takes it
        .where(OutboxRow.raw_dropped_at.is_(None), OutboxRow.sent_at < sent_before)
        .order_by(OutboxRow.sent_at)
        .limit(limit)
    )


def _said(row: OutboxRow, error: Msg | str) -> None:
    """The error in English (logs, ``--json``) and, a Msg, dumped: each reader reads it
    in their language (gateway.outbound.failures)."""
    row.last_error = str(error)
    row.last_error_said = dump(error) if isinstance(error, Msg) else None


def said_error(row: OutboxRow) -> Msg | str:
    """A row's last error as a reader is told it: the Msg it kept, else its text (a row
    written before Msgs were)."""
    return kept(row.last_error_said, row.last_error) if row.last_error else ""


def queued_here(session: Session, message_id: str) -> bool:
    """Whether a mail with this Message-ID was queued by this gateway: our own mail
    coming back, whoever's From it comes under (a list resends it under its own)."""
    stmt = select(OutboxRow.id).where(OutboxRow.message_id == message_id).limit(1)
    return session.scalar(stmt) is not None


@dataclass(frozen=True, slots=True)
class Ticketless:
    """A mail of ours about no ticket (a digest, a summary, an alert, a sign-in link)."""

    message_id: str
    kind: str
    raw: bytes  # b"" once its bytes were dropped (drop_sent_raw)


def ticketless(session: Session, message_ids: Sequence[str]) -> Ticketless | None:
    """The first of ``message_ids`` (closest ancestor first) that names a mail we queued
    for no ticket: what a reply that threads by its headers to no ticket answered."""
    if not message_ids:
        return None
    stmt = select(OutboxRow.message_id, OutboxRow.kind, OutboxRow.raw).where(
        OutboxRow.message_id.in_(list(message_ids)), OutboxRow.ticket_id.is_(None)
    )
    found = {mid: Ticketless(mid, kind, raw or b"") for mid, kind, raw in session.execute(stmt)}
    return next((found[m] for m in message_ids if m in found), None)


def withdraw(session: Session, ticket_id: int, kind: str, now: datetime) -> list[int]:
    """Take back the ticket's mails of ``kind`` not sent yet (:func:`take_back`)."""
    return take_back(session, now, OutboxRow.ticket_id == ticket_id, OutboxRow.kind == kind)


def take_back(session: Session, now: datetime, *where: ColumnElement[bool]) -> list[int]:
    """Take back the pending mails ``where`` says: the sender never claims them, and
    their bytes go. Which ones were taken back, in the order they were queued (one the
    sender holds at this moment goes anyway, and is marked sent as it went). One
    statement: the rows it names are the ones it changed (RETURNING, SQLite 3.35)."""
    taken = session.scalars(
        update(OutboxRow)
        .where(*where, OutboxRow.state == PENDING)
        .values(state=WITHDRAWN, next_attempt_at=None, raw=b"", raw_dropped_at=now)
        .returning(OutboxRow.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(taken)  # RETURNING promises no order on either database


def rows(session: Session, ticket_id: int | None = None) -> Sequence[OutboxRow]:
    """For status output and tests: the outbox, oldest first."""
    stmt = select(OutboxRow).order_by(OutboxRow.id)
    if ticket_id is not None:
        stmt = stmt.where(OutboxRow.ticket_id == ticket_id)
    return list(session.scalars(stmt))


# The runner queues a mail for most rows it processes (issue #18): built once.
_INSERT = FastInsert(
    table_of(OutboxRow),
    [
        "idempotency_key",
        "ticket_id",
        "kind",
        "message_id",
        "envelope_from",
        "recipients",
        "recipient",
        "raw",
        "state",
        "attempts",
        "created_at",
        "last_error",
        "held_until",
        "next_attempt_at",
        "notice",
        "author",
    ],
    returning="id",
    skip_existing=True,
)
_TABLE = table_of(OutboxRow)
_MARK_SENT = FastQuery(
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("oid"))
    .values(
        state=SENT,
        sent_at=bindparam("now", type_=_TABLE.c.sent_at.type),
        next_attempt_at=None,
        attempts=_TABLE.c.attempts + 1,
        last_error="",
        last_error_said=null(),  # SQL NULL, as a row never failed has it (not JSON null)
    )
)
# it runs for every automatic mail (issue #18): built once per number of kinds
_COUNT_RECENT = PerLength(
    "kind",
    lambda kinds: select(func.count(_TABLE.c.id)).where(
        _TABLE.c.recipient == bindparam("recipient"),
        _TABLE.c.created_at >= bindparam("since", type_=_TABLE.c.created_at.type),
        _TABLE.c.kind.in_(kinds),
    ),
)
