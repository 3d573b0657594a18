"""Chat queries: a ticket's thread in chat, and the chat outbox.

The chat outbox is the mail outbox's sibling (:mod:`store.outbox`): one row per
thing to say in chat, written in the transaction of the change that caused it
under an idempotency key, so reprocessing the cause cannot queue it twice. The
chat poster claims due rows with a lease, posts outside any transaction and
records the answer. Rows hold facts, not rendered text: the poster renders them
in the channel's language when it posts. Like every query module, nothing here
commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.core.i18n import Msg, dump, kept
from store.fast_insert import FastInsert
from store.models import ChatOutboxRow, ChatThread, table_of

PENDING, SENT, FAILED = "pending", "sent", "failed"
LEASE = timedelta(minutes=5)  # a claimed row is due again after this if nobody reports back


@dataclass(frozen=True, slots=True)
class NewPost:
    key: str  # idempotency key, e.g. "card:42", "event:state:42:1772413200"
    target: str  # slack | teams | webhook
    kind: str  # card | card-update | line | notice | dm (to the person who asked)
    channel: str = ""  # the Slack channel; "" for a webhook
    payload: dict[str, Any] = field(default_factory=dict)
    ticket_id: int | None = None


@dataclass(frozen=True, slots=True)
class DuePost:
    """A claimed row as plain values: the poster holds no ORM object across I/O."""

    id: int
    ticket_id: int | None
    target: str
    kind: str
    channel: str
    payload: dict[str, Any]
    attempts: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Place:
    """A ticket's thread, as plain values."""

    ticket_id: int
    team_id: str
    channel: str
    thread_ts: str
    card_ts: str
    permalink: str
    user_id: str


def add_thread(
    session: Session,
    *,
    ticket_id: int,
    channel: str,
    now: datetime,
    team_id: str = "",
    thread_ts: str = "",
    permalink: str = "",
    user_id: str = "",
    provider: str = "slack",
) -> bool:
    """Record where the ticket lives in chat; False when it has a thread already."""
    if thread_of(session, ticket_id, provider) is not None:
        return False
    session.add(
        ChatThread(
            ticket_id=ticket_id,
            provider=provider,
            team_id=team_id,
            channel=channel,
            thread_ts=thread_ts,
            card_ts="",
            permalink=permalink,
            user_id=user_id,
            created_at=now,
        )
    )
    session.flush()
    return True


def thread_of(session: Session, ticket_id: int, provider: str = "slack") -> Place | None:
    row = session.scalar(
        select(ChatThread).where(ChatThread.ticket_id == ticket_id, ChatThread.provider == provider)
    )
    return _place(row) if row is not None else None


def ticket_at(session: Session, channel: str, ts: str) -> int | None:
    """The ticket whose thread (or card) is the Slack message ``ts`` in ``channel``: the
    first one there, should two ever share it (threads made before each got its own)."""
    stmt = select(ChatThread.ticket_id).where(
        ChatThread.channel == channel, (ChatThread.thread_ts == ts) | (ChatThread.card_ts == ts)
    )
    return session.scalar(stmt.order_by(ChatThread.ticket_id).limit(1))


def card_posted(session: Session, ticket_id: int, ts: str, provider: str = "slack") -> None:
    """The card is out: remember it (to update it), and it starts the thread if none was."""
    row = session.scalar(
        select(ChatThread).where(ChatThread.ticket_id == ticket_id, ChatThread.provider == provider)
    )
    if row is not None:
        row.card_ts = ts
        row.thread_ts = row.thread_ts or ts


def move_thread(session: Session, ticket_id: int, channel: str, provider: str = "slack") -> None:
    """The card goes to ``channel`` instead (its own could not take it): as a new message
    there, which then starts the ticket's thread (:func:`card_posted`)."""
    row = session.scalar(
        select(ChatThread).where(ChatThread.ticket_id == ticket_id, ChatThread.provider == provider)
    )
    if row is not None:
        row.channel, row.thread_ts, row.card_ts = channel, "", ""


def note_on_post(session: Session, post_id: int, key: str, value: str) -> None:
    """``key`` kept in the post's facts from now on (a card that moved keeps why its
    own channel refused it, to say so after a retry too)."""
    row = session.get(ChatOutboxRow, post_id)
    if row is not None:
        row.payload = {**row.payload, key: value}  # a new dict: the JSON column sees it


def enqueue(session: Session, post: NewPost, now: datetime) -> int | None:
    """The new row's id, or None when a row with this key exists (nothing queued; a
    concurrent writer that won the key leaves our transaction as it was). One INSERT,
    as :func:`store.outbox.enqueue`: no savepoint per post."""
    found: int | None = _INSERT.one(
        session,
        {
            "idempotency_key": post.key,
            "ticket_id": post.ticket_id,
            "target": post.target,
            "kind": post.kind,
            "channel": post.channel,
            "payload": dict(post.payload),
            "state": PENDING,
            "attempts": 0,
            "last_error": "",
            "result": "",
            "created_at": now,
        },
    )
    return found


def sent_since(session: Session, target: str, channel: str, kind: str, since: datetime) -> int:
    """Rows of ``kind`` posted to ``target``/``channel`` since ``since`` (the notice limit)."""
    stmt = select(func.count(ChatOutboxRow.id)).where(
        ChatOutboxRow.target == target,
        ChatOutboxRow.channel == channel,
        ChatOutboxRow.kind == kind,
        ChatOutboxRow.state == SENT,
        ChatOutboxRow.sent_at >= since,
    )
    return session.scalar(stmt) or 0


def claim_due(session: Session, now: datetime, limit: int = 20) -> list[DuePost]:
    """Due pending rows, oldest first, leased until ``now + LEASE``."""
    due = (ChatOutboxRow.next_attempt_at.is_(None)) | (ChatOutboxRow.next_attempt_at <= now)
    stmt = (
        select(ChatOutboxRow)
        .where(ChatOutboxRow.state == PENDING, due)
        .order_by(ChatOutboxRow.id)
        .limit(limit)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite serialises writers anyway
    )
    rows = list(session.scalars(stmt))
    for row in rows:
        row.next_attempt_at = now + LEASE
    return [
        DuePost(
            r.id,
            r.ticket_id,
            r.target,
            r.kind,
            r.channel,
            dict(r.payload),
            r.attempts,
            r.created_at,
        )
        for r in rows
    ]


def mark_sent(session: Session, post_id: int, now: datetime, result: str = "") -> None:
    row = session.get(ChatOutboxRow, post_id)
    if row is not None:
        row.state, row.sent_at, row.next_attempt_at = SENT, now, None
        row.attempts += 1
        row.last_error, row.last_error_said, row.result = "", None, result[:64]


def mark_retry(session: Session, post_id: int, error: Msg | str, next_at: datetime) -> None:
    """A failed try: counted, and due again at ``next_at``."""
    row = session.get(ChatOutboxRow, post_id)
    if row is not None and row.state == PENDING:
        row.attempts += 1
        row.next_attempt_at = next_at
        _said(row, error)


def postpone(session: Session, post_id: int, why: Msg | str, next_at: datetime) -> None:
    """Not tried (a rate limit, a card not out yet): due again at ``next_at``, no attempt."""
    row = session.get(ChatOutboxRow, post_id)
    if row is not None and row.state == PENDING:
        row.next_attempt_at = next_at
        _said(row, why)


def mark_failed(session: Session, post_id: int, error: Msg | str) -> None:
    row = session.get(ChatOutboxRow, post_id)
    if row is not None:
        row.attempts += 1
        row.state, row.next_attempt_at = FAILED, None
        _said(row, error)


def _said(row: ChatOutboxRow, error: Msg | str) -> None:
    """The error in English (logs, ``--json``) and, a Msg, dumped: each reader reads it
    in their language (gateway.chat.failures)."""
    row.last_error = str(error)[:2000]
    row.last_error_said = dump(error) if isinstance(error, Msg) else None


def said_error(row: ChatOutboxRow) -> Msg | str:
    """A row's last error as a reader is told it: the Msg it kept, else its text (a row
    written before Msgs were)."""
    return kept(row.last_error_said, row.last_error) if row.last_error else ""


def rows(session: Session, ticket_id: int | None = None) -> Sequence[ChatOutboxRow]:
    """For status output and tests: the chat outbox, oldest first."""
    stmt = select(ChatOutboxRow).order_by(ChatOutboxRow.id)
    if ticket_id is not None:
        stmt = stmt.where(ChatOutboxRow.ticket_id == ticket_id)
    return list(session.scalars(stmt))


def oldest_pending(session: Session) -> datetime | None:
    """When the oldest unsent chat row was queued (health: a long chat outage)."""
    stmt = select(func.min(ChatOutboxRow.created_at)).where(ChatOutboxRow.state == PENDING)
    return session.scalar(stmt)


def _place(row: ChatThread) -> Place:
    return Place(
        row.ticket_id,
        row.team_id,
        row.channel,
        row.thread_ts,
        row.card_ts,
        row.permalink,
        row.user_id,
    )


def state_of(session: Session, key: str) -> str | None:
    """The state of the row queued under ``key`` (None: nothing was)."""
    return session.scalar(select(ChatOutboxRow.state).where(ChatOutboxRow.idempotency_key == key))


_INSERT = FastInsert(
    table_of(ChatOutboxRow),
    [
        "idempotency_key",
        "ticket_id",
        "target",
        "kind",
        "channel",
        "payload",
        "state",
        "attempts",
        "last_error",
        "result",
        "created_at",
    ],
    returning="id",
    skip_existing=True,
)
