"""Action-run queries: write in the caller's transaction, claim with a lease, record.

A row is one run of a catalog entry's action for one ticket (at most one per
ticket and entry). It is written in the same transaction as the change that
completed the ticket's sheet, or approved it; the action worker claims due rows
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so parallel workers and instances
skip each other's rows; SQLite's write lock serialises the claim) and leases
them for the action's timeout plus a grace. The action runs outside any
transaction; its outcome is recorded only while the lease is still the
worker's own (the ``attempt`` fences a late answer out). A worker that dies
before recording leaves the lease to expire, and the row runs again with the
same document and idempotency key: at-least-once. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.core.i18n import Msg, dump, kept
from store.fast_query import FastQuery
from store.in_lists import chunks
from store.models import ActionRun, Ticket, TicketEvent, table_of

AWAITING, PENDING, RUNNING = "awaiting_approval", "pending", "running"
SUCCEEDED, FAILED = "succeeded", "failed"
STATES = (AWAITING, PENDING, RUNNING, SUCCEEDED, FAILED)


@dataclass(frozen=True, slots=True)
class NewRun:
    ticket_id: int
    entry_id: str
    action_type: str
    trigger: str  # fields_complete | approved
    triggered_by: str
    key: str  # the idempotency key
    document: str  # the exact JSON the action gets ("" while awaiting approval)
    input_sha256: str
    state: str  # pending, or awaiting_approval


@dataclass(frozen=True, slots=True)
class DueRun:
    """A claimed row as plain values: the worker holds no ORM object across the run."""

    id: int
    ticket_id: int
    entry_id: str
    action_type: str
    trigger: str
    triggered_by: str
    key: str
    document: str
    input_sha256: str
    attempt: int  # this attempt's number, 1 for the first; fences the outcome
    resumed: bool  # the previous attempt's lease ran out without an outcome (a crash)


def add(session: Session, run: NewRun, now: datetime) -> int | None:
    """The new row's id, or None when the ticket already has a run of this entry."""
    if find(session, run.ticket_id, run.entry_id) is not None:
        return None
    row = ActionRun(
        ticket_id=run.ticket_id,
        entry_id=run.entry_id,
        action_type=run.action_type,
        trigger=run.trigger,
        triggered_by=run.triggered_by,
        idempotency_key=run.key,
        document=run.document,
        input_sha256=run.input_sha256,
        state=run.state,
        attempts=0,
        last_error="",
        output="",
        created_at=now,
    )
    try:
        with session.begin_nested():  # a concurrent writer won: keep our transaction
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    return row.id


def find(session: Session, ticket_id: int, entry_id: str) -> ActionRun | None:
    stmt = select(ActionRun).where(ActionRun.ticket_id == ticket_id, ActionRun.entry_id == entry_id)
    return session.scalars(stmt).first()


def done_among(session: Session, ticket_ids: Sequence[int], entry_id: str) -> ActionRun | None:
    """The oldest run of ``entry_id`` on one of ``ticket_ids`` that did its work or is
    doing it (succeeded, running): the tickets merged into one, whose run that one must
    not repeat."""
    for chunk in chunks(ticket_ids):
        stmt = select(ActionRun).where(
            ActionRun.ticket_id.in_(chunk),
            ActionRun.entry_id == entry_id,
            ActionRun.state.in_((SUCCEEDED, RUNNING)),
        )
        found = session.scalars(stmt.order_by(ActionRun.id)).first()
        if found is not None:
            return found
    return None


def get(session: Session, run_id: int) -> ActionRun | None:
    return session.get(ActionRun, run_id)


def locked(session: Session, run_id: int) -> ActionRun | None:
    """The row, locked until the transaction ends (``FOR UPDATE`` on PostgreSQL; SQLite
    serialises writers anyway): what ``actions retry`` decides on. A worker's claim
    that came first is waited for and seen (``running``: no retry); one that comes
    after skips the row (``SKIP LOCKED``) until the retry is committed. Read without
    the lock, a retry and a claim could both win, and the run would run twice at once."""
    stmt = select(ActionRun).where(ActionRun.id == run_id).with_for_update()
    return session.scalars(stmt).first()


def release(
    session: Session, row: ActionRun, document: str, input_sha256: str, who: str, now: datetime
) -> None:
    """An approved run: due now, with the document as it is at approval."""
    row.state, row.next_attempt_at = PENDING, now
    row.document, row.input_sha256 = document, input_sha256
    row.trigger, row.triggered_by = "approved", who


def left_waiting(session: Session, limit: int = 50) -> list[tuple[int, int]]:
    """(run id, ticket id) of the runs awaiting a manager's approval whose ticket left
    them: closed (a merged one is closed too) or filed under another entry; oldest
    first. Not locked: the caller locks the ticket, then the run (:func:`locked`), in
    the order every writer of a ticket's runs takes them, and looks again. A queued run
    is withdrawn when it comes due (the worker looks at its ticket then); one awaiting
    approval never comes due, and stayed waiting for ever."""
    left = or_(
        Ticket.state == "closed",
        and_(Ticket.catalog.is_not(None), Ticket.catalog != ActionRun.entry_id),
    )
    stmt = (
        select(ActionRun.id, ActionRun.ticket_id)
        .join(Ticket, Ticket.id == ActionRun.ticket_id)
        .where(ActionRun.state == AWAITING, left)
        .order_by(ActionRun.id)
        .limit(limit)
    )
    return [(run_id, ticket_id) for run_id, ticket_id in session.execute(stmt)]


def withdraw(row: ActionRun, error: Msg, now: datetime) -> None:
    """A run awaiting approval ends ``failed``, not run (no try counted): ``error`` says
    why. A manager's ``/approve`` may queue it anew (as any failed run's)."""
    row.state, row.finished_at, row.next_attempt_at = FAILED, now, None
    row.last_status, row.last_error, row.last_error_said = None, str(error), dump(error)


def as_due(row: ActionRun, resumed: bool = False) -> DueRun:
    """The row as the worker's plain values (``resumed``: a running row whose worker
    died, taken up again by :func:`claim_next`)."""
    return DueRun(
        row.id,
        row.ticket_id,
        row.entry_id,
        row.action_type,
        row.trigger,
        row.triggered_by,
        row.idempotency_key,
        row.document,
        row.input_sha256,
        row.attempts,
        resumed,
    )


def unfinished(session: Session) -> bool:
    """Whether any run is queued, running or awaiting approval: the action worker's
    first look each pass, in a read (issue #18: woken after every pass of the runner,
    it took SQLite's write lock twice, to look for runs to withdraw and to claim, while
    mail came in and none of the burst queued a run)."""
    return _UNFINISHED.first(session, {}) is not None


# the states a run may still leave by the worker's hand, on the ix_action_runs_due index
_RUNS = table_of(ActionRun)
_UNFINISHED = FastQuery(
    select(_RUNS.c.id)
    .where(or_(_RUNS.c.state == PENDING, _RUNS.c.state == RUNNING, _RUNS.c.state == AWAITING))
    .limit(1)
)


def claim_next(session: Session, now: datetime, lease: Callable[[str], timedelta]) -> DueRun | None:
    """The oldest due row, leased until ``now + lease(entry_id)``; None when none is due.

    Due: pending and its time has come, or running with its lease run out (the
    worker that had it died before recording an outcome)."""
    due = or_(
        and_(
            ActionRun.state == PENDING,
            or_(ActionRun.next_attempt_at.is_(None), ActionRun.next_attempt_at <= now),
        ),
        and_(ActionRun.state == RUNNING, ActionRun.next_attempt_at <= now),
    )
    stmt = (
        select(ActionRun)
        .where(due)
        .order_by(ActionRun.id)
        .limit(1)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite serialises writers anyway
    )
    row = session.scalars(stmt).first()
    if row is None:
        return None
    resumed = row.state == RUNNING
    row.state, row.attempts = RUNNING, row.attempts + 1
    row.started_at, row.finished_at = now, None
    row.next_attempt_at = now + lease(row.entry_id)
    return as_due(row, resumed)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt ended in, as the row keeps it."""

    state: str  # succeeded | failed | pending (a retry at next_at)
    status: int | None  # exit code or HTTP status
    error: Msg | str  # a Msg, kept to be said in each reader's language ("" on success)
    output: str
    duration_ms: int
    next_at: datetime | None = None
    output_cut: int = 0  # bytes of it not kept; -1: not read to its end


def record(
    session: Session, run_id: int, attempt: int, outcome: Outcome, now: datetime
) -> ActionRun | None:
    """Write the outcome of ``attempt``; None (nothing written) when the row is no longer
    that attempt's: its lease ran out and another worker took it over."""
    stmt = select(ActionRun).where(ActionRun.id == run_id).with_for_update()
    row = session.scalars(stmt).first()
    if row is None or row.state != RUNNING or row.attempts != attempt:
        return None
    row.state, row.last_status = outcome.state, outcome.status
    row.last_error = str(outcome.error)  # in English: logs, --json
    row.last_error_said = dump(outcome.error) if isinstance(outcome.error, Msg) else None
    row.output, row.duration_ms = outcome.output, outcome.duration_ms
    row.output_cut = outcome.output_cut
    row.next_attempt_at = outcome.next_at
    row.finished_at = now if outcome.state in (SUCCEEDED, FAILED) else None
    return row


def uncount(session: Session, run_id: int) -> None:
    """The attempt just recorded does not count: the daemon's stop ended it, not the
    action (pending: the next claim is that attempt again, with as many tries left), or
    the run was not run, its ticket closed or merged (failed: ``attempts`` says how many
    tries were made)."""
    row = session.get(ActionRun, run_id)
    if row is not None and row.state in (PENDING, FAILED) and row.attempts > 0:
        row.attempts -= 1


def requeue(session: Session, row: ActionRun, now: datetime) -> None:
    """Due now, with a fresh count of attempts (``actions retry``); same document and key."""
    row.state, row.attempts, row.next_attempt_at, row.finished_at = PENDING, 0, now, None


def said_error(row: ActionRun) -> Msg | str:
    """A run's last error as a reader is told it: the Msg it kept, else its text (a row
    written before Msgs were)."""
    return kept(row.last_error_said, row.last_error) if row.last_error else ""


def said_error_of(run: Mapping[str, Any]) -> Msg | str:
    """:func:`said_error` of a run as :func:`view` gives it (``tickets show``, the page)."""
    return kept(run["last_error_said"], run["last_error"]) if run["last_error"] else ""


def list_runs(
    session: Session, state: str | None = None, ticket_id: int | None = None, limit: int = 200
) -> list[ActionRun]:
    """Newest first."""
    stmt = select(ActionRun).order_by(ActionRun.id.desc()).limit(limit)
    if state is not None:
        stmt = stmt.where(ActionRun.state == state)
    if ticket_id is not None:
        stmt = stmt.where(ActionRun.ticket_id == ticket_id)
    return list(session.scalars(stmt))


def run_events(session: Session, row: ActionRun) -> list[dict[str, Any]]:
    """The events of the run on its ticket, oldest first (``actions show``): written,
    waiting for approval, approved, each attempt, retried, its reply. An event names
    its run in ``detail["run"]``."""
    stmt = (
        select(TicketEvent)
        .where(TicketEvent.ticket_id == row.ticket_id, TicketEvent.kind.startswith("action"))
        .order_by(TicketEvent.id)
    )
    return [
        {
            "at": _iso(e.at),
            "actor": e.actor,
            "channel": e.channel,
            "kind": e.kind,
            "new": e.new,
            "detail": e.detail,
        }
        for e in session.scalars(stmt)
        if (e.detail or {}).get("run") == row.id
    ]


def view(row: ActionRun) -> dict[str, Any]:
    """A run as plain values: ``actions list --json`` and ``tickets show --json``."""
    return {
        "id": row.id,
        "ticket": row.ticket_id,
        "entry": row.entry_id,
        "type": row.action_type,
        "state": row.state,
        "trigger": row.trigger,
        "triggered_by": row.triggered_by,
        "idempotency_key": row.idempotency_key,
        "input_sha256": row.input_sha256,
        "attempts": row.attempts,
        "last_status": row.last_status,
        "last_error": row.last_error,  # in English
        "last_error_said": row.last_error_said,  # the Msg (i18n.dump), None on older rows
        "output": row.output,
        "output_cut": row.output_cut,  # bytes not kept; -1: a webhook's answer not read to its end
        "duration_ms": row.duration_ms,
        "created_at": _iso(row.created_at),
        "started_at": _iso(row.started_at),
        "finished_at": _iso(row.finished_at),
        "next_attempt_at": _iso(row.next_attempt_at),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
