"""What ``status`` and the health alerts look at, read in one go as plain values.

Only counts, ages and the per-source bookmarks: cheap enough to run every
minute from a monitoring system against a busy database. Nothing here judges
(that is :mod:`gateway.health`) and, like every query module, nothing commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from gateway.core.i18n import Msg
from store import chat, inbox, outbox
from store.models import ActionRun, ChatOutboxRow, InboxRow, JobRun, OutboxRow, SourceState
from store.outbox import FAILED, PENDING, SENT
from store.sources import SteppedOver, kept_counts, left_said, said_error, stepped_over


@dataclass(frozen=True, slots=True)
class SourceSeen:
    source: str
    known: bool  # False: never polled, not even a failure recorded
    last_success_at: datetime | None
    last_error: Msg | str  # a Msg, said in the reader's language; an older row's text
    left: Msg | None = None  # messages the poller left in the folder for a person, said
    kept: int = 0  # stored messages the server keeps in the folder though it said OK
    stepped_over: SteppedOver = field(
        default_factory=SteppedOver
    )  # unstored, left in the folder unread
    copied_back: int = 0  # stored messages kept after coming back under new UIDs too often


@dataclass(frozen=True, slots=True)
class Snapshot:
    sources: tuple[SourceSeen, ...]  # in the order asked for
    inbox: dict[str, int]  # rows per state
    outbox_pending: int
    outbox_oldest: datetime | None  # since when the oldest pending row is due
    outbox_failed: int
    jobs: dict[str, datetime]  # job → its latest run
    chat: dict[str, int] = field(default_factory=dict)  # chat_outbox rows per state
    chat_oldest: datetime | None = None  # since when the oldest pending chat post is due
    actions: dict[str, int] = field(default_factory=dict)  # action_runs per state
    inbox_oldest: datetime | None = None  # when the oldest unprocessed row arrived
    outbox_held: int = 0  # pending notices held back to gather more, not due yet
    outbox_held_until: datetime | None = None  # when the first of them falls due
    failed_recent: int = 0  # outbox rows that failed for good in the last RECENT
    recent_failures: tuple[Failure, ...] = ()  # the newest of them, newest first
    chat_error: Msg | str = ""  # the newest error of a chat post not posted (yet), said
    # the newest mails that left the outbox (sent or failed for good), newest first
    finished: tuple[Finished, ...] = ()


@dataclass(frozen=True, slots=True)
class Finished:
    """A mail that left the outbox: delivered (``failed_at`` None) or failed for good."""

    failed_at: datetime | None
    error: Msg | str  # why it failed, said; "" for one delivered


@dataclass(frozen=True, slots=True)
class Failure:
    """An outgoing mail that failed for good: enough to find it (its ticket's history
    has the delivery-failed event) and to see why without opening the database."""

    outbox_id: int
    ticket_id: int | None
    kind: str
    recipients: tuple[str, ...]
    error: Msg | str  # a Msg, said in the reader's language; an older row's text
    failed_at: datetime | None


RECENT = timedelta(hours=24)  # "recently" for mail that failed for good
SHOWN_FAILURES = 5  # the newest ones status names


def snapshot(
    session: Session,
    sources: Sequence[str],
    now: datetime,
    last_finished: int = 0,
    *,
    lean: bool = False,
) -> Snapshot:
    """What ``status`` judges; ``last_finished``: how many of the newest mails that left
    the outbox to read (:attr:`Snapshot.finished`). ``lean``: only the mailboxes and the
    inbox, what a health alert is raised on (``gateway.scheduling.alerts``); the outbox,
    chat, actions and jobs read as empty. The scheduler asks on every pass, and the
    other ten statements were half of what a pass cost."""
    seen = _sources(session, sources)
    # a row deferred after a failure still waits since it arrived: what a requester sees
    inbox_oldest = session.scalar(
        select(func.min(InboxRow.received_at)).where(InboxRow.state == "pending")
    )
    if lean:
        return Snapshot(
            seen, inbox.counts_by_state(session), 0, None, 0, {}, inbox_oldest=_aware(inbox_oldest)
        )
    return _whole(session, seen, inbox_oldest, now, last_finished)


def _sources(session: Session, sources: Sequence[str]) -> tuple[SourceSeen, ...]:
    """Each source's bookmark as seen (in the order asked for)."""
    rows = {
        r.source: r
        for r in session.scalars(select(SourceState).where(SourceState.source.in_(list(sources))))
    }
    seen = tuple(
        SourceSeen(
            name,
            True,
            rows[name].last_success_at,
            said_error(rows[name]),
            left_said(rows[name]),
            kept_counts(rows[name])[0],
            stepped_over(rows[name]),
            kept_counts(rows[name])[1],
        )
        if name in rows
        else SourceSeen(name, False, None, "")
        for name in sources
    )
    return seen


def _whole(
    session: Session,
    seen: tuple[SourceSeen, ...],
    inbox_oldest: datetime | None,
    now: datetime,
    last_finished: int,
) -> Snapshot:
    """The snapshot ``status`` reads: the queues, the jobs and the failures too."""
    # a member notice held to gather more is waiting on purpose: it counts from when it
    # is due (held_until), not from when it was written; one still held is not late at
    # all (its age would be negative), it is counted apart with when it falls due
    due_since = func.coalesce(OutboxRow.held_until, OutboxRow.created_at)
    is_held = OutboxRow.held_until > now
    pending, oldest = session.execute(
        select(func.count(OutboxRow.id), func.min(case((is_held, None), else_=due_since))).where(
            OutboxRow.state == PENDING
        )
    ).one()
    held, held_until = session.execute(
        select(func.count(OutboxRow.id), func.min(OutboxRow.held_until)).where(
            OutboxRow.state == PENDING, is_held
        )
    ).one()
    failed = session.scalar(select(func.count(OutboxRow.id)).where(OutboxRow.state == FAILED))
    recent = (OutboxRow.state == FAILED, OutboxRow.failed_at >= now - RECENT)
    failed_recent = session.scalar(select(func.count(OutboxRow.id)).where(*recent))
    newest = session.scalars(
        select(OutboxRow).where(*recent).order_by(OutboxRow.failed_at.desc()).limit(SHOWN_FAILURES)
    )
    failures = tuple(
        Failure(r.id, r.ticket_id, r.kind, tuple(r.recipients), outbox.said_error(r), r.failed_at)
        for r in newest
    )
    latest = select(JobRun.job, func.max(JobRun.ran_at)).group_by(JobRun.job)
    jobs = {job: at for job, ran in session.execute(latest) if (at := _aware(ran)) is not None}
    # a post being retried waits since it was written, like a mail does
    chat_oldest = session.scalar(
        select(func.min(ChatOutboxRow.created_at)).where(ChatOutboxRow.state == PENDING)
    )
    chat_troubled = session.scalars(
        select(ChatOutboxRow)
        .where(ChatOutboxRow.state.in_((PENDING, FAILED)), ChatOutboxRow.last_error != "")
        .order_by(ChatOutboxRow.id.desc())
        .limit(1)
    ).first()
    return Snapshot(
        seen,
        inbox.counts_by_state(session),
        pending or 0,
        _aware(oldest),
        failed or 0,
        jobs,
        chat=_per_state(session, ChatOutboxRow),
        chat_oldest=_aware(chat_oldest),
        chat_error=chat.said_error(chat_troubled) if chat_troubled is not None else "",
        actions=_per_state(session, ActionRun),
        inbox_oldest=_aware(inbox_oldest),
        outbox_held=held or 0,
        outbox_held_until=_aware(held_until),
        failed_recent=failed_recent or 0,
        recent_failures=failures,
        finished=_finished(session, last_finished),
    )


def _finished(session: Session, n: int) -> tuple[Finished, ...]:
    """The ``n`` newest mails that left the outbox, by row, newest first: backwards along
    the primary key, past the few still pending, so a store of any size reads ``n`` rows."""
    if n <= 0:
        return ()
    rows = session.scalars(
        select(OutboxRow)
        .where(OutboxRow.state.in_((SENT, FAILED)))
        .order_by(OutboxRow.id.desc())
        .limit(n)
    )
    return tuple(
        Finished(_aware(r.failed_at), outbox.said_error(r))
        if r.state == FAILED
        else Finished(None, "")
        for r in rows
    )


def _per_state(session: Session, table: type[ChatOutboxRow] | type[ActionRun]) -> dict[str, int]:
    """Rows per state of a table a worker drains (a grouped count, on its state index)."""
    query = select(table.state, func.count(table.id)).group_by(table.state)
    return {state: int(n) for state, n in session.execute(query)}


def _aware(value: datetime | None) -> datetime | None:
    """func.min/max bypass the column type: SQLite hands back naive UTC (or text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        from datetime import UTC

        value = value.replace(tzinfo=UTC)
    return value
