"""The scheduler's actions: reminders, SLA notices, closes and the digest, in the database.

:mod:`gateway.scheduling.rules` decides what is due; this module claims each due
(job, period) in ``job_runs`` and, only if the claim is ours, queues the mail
through the outbox and changes the state through :func:`gateway.tickets.changes.change_state`
— all in the caller's transaction; the requester's status mail and the members'
notices of a close are decided by :mod:`gateway.tickets.conversation` like any
other change's. A restart, a second instance or a sweep every few minutes
therefore finds the claim taken and does nothing twice.
One ticket's failure is logged and rolled back to its savepoint; the others go on.
What the members are told of many tickets at once (the stale reminder, the overdue
notices) is gathered per member and mailed after the last ticket
(:mod:`gateway.scheduling.told`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from gateway.config.settings import ScheduleSettings, Settings
from gateway.core import spans
from gateway.core.i18n import N_, Msg
from gateway.core.model import CloseReason, TicketState
from gateway.notify import views
from gateway.notify.queue import queue_ticket_mail, team, ticket_ref, turned_off
from gateway.scheduling import returned, rules, stale, told, waiting
from gateway.scheduling.context import JobContext as JobContext
from gateway.scheduling.context import SweepReport as SweepReport
from gateway.scheduling.context import responsible as responsible
from gateway.scheduling.reminded import grace_from, reminder_key
from gateway.scheduling.rules import Job, PendingAction, TicketTimes, times_of
from gateway.tickets import changes, conversation, to_requester
from store import inbox, jobs, reminders, sources
from store.db import connection_lost
from store.models import Ticket

log = logging.getLogger(__name__)

ACTOR = "schedule"  # events of the pending close; inventory closes use INVENTORY_ACTOR
CHANNEL = "system"


def no_response_cause(waiting: timedelta) -> Msg:
    """Why the pending close closed it, in the requester's status mail."""
    return N_("We have not heard from you for {time}.", time=spans.period(waiting))


def inventory_cause(idle: timedelta) -> Msg:
    """Why the inventory closed it, in the requester's status mail."""
    return N_("Nothing has happened on it for {time}.", time=spans.period(idle))


def run_sweeps(
    session: Session, ctx: JobContext, now: datetime, *, started: datetime | None = None
) -> SweepReport:
    """Pending, inventory, SLA and stale jobs over every ticket that is not closed: the
    daemon's pass (``started``: when it started or woke) and ``sweep`` by hand or from
    cron (None) alike. While mail may be unread (:func:`unread_mail`) the requester is
    neither asked again nor closed on, since their answer may be in it — the members
    are still told."""
    report, members = SweepReport(), told.Told()
    unread = unread_mail(session, ctx.settings, now, started)
    for ticket in reminders.open_tickets(session):
        mine = told.Told()  # what this ticket adds to the members' lists
        with _isolated(session, ticket, report):
            t = _as_it_is_now(session, ctx, ticket, now)
            asked = ""  # who was asked again now, as this ticket's requester
            if not unread:
                asked = _pending(session, ctx, ticket, t, now, report)
                _inventory(session, ctx, ticket, t, now, report)
            if ticket.state != TicketState.CLOSED:
                told.overdue(session, ctx, ticket, t, now, report, (members, mine))
                told.stale(session, ctx, ticket, t, now, (members, mine), asked=asked)
            # the status mails and notices of this ticket's changes, inside its savepoint
            # (so a dry run sees them, and a failure takes them back with the changes)
            report.outbox += conversation.flush(session)
            members.take(mine)  # all of it went through: listed (else its claims went back)
    # one mail per member and kind, in this transaction: with the claims, or not at all
    told.mail(session, ctx, members, now, report)
    return report


def unread_mail(
    session: Session, settings: Settings, now: datetime, started: datetime | None
) -> bool:
    """Whether a requester's answer may sit unread, one rule for every sweep:

    * mail accepted and not processed yet (pending, or deferred after a failure), at any
      time: cron may run ``sweep`` before the rows are processed, and a runner behind
      (a backlog, a database that was locked) holds rows for minutes. Which ticket a row
      belongs to is known only once it is parsed and threaded (its References, its
      In-Reply-To, the tag in its subject, the reply address it came to), which is the
      runner's work; a guess from the envelope would miss an answer sent from another
      address. So every row holds the pass: the runner empties the inbox in seconds,
      and a row that stays is a health problem (``health.max_inbox_age``) of its own;
    * in the first ``health.max_poll_age`` after the daemon's start or wake-up
      (``started``), a mailbox not polled since: the first pass comes before the
      pollers' first poll. Bounded, so a mailbox that stays down delays the closes by
      that long, no more."""
    if inbox.any_pending(session):
        return True
    if started is None or now - started >= settings.health.max_poll_age:
        return False
    return any(not sources.polled_since(session, a.source, started) for a in settings.imap)


def _as_it_is_now(session: Session, ctx: JobContext, ticket: Ticket, now: datetime) -> TicketTimes:
    """The ticket's times, read again under a row lock when the sweep is about to act on
    it: close it, ask its requester again, remind its assignee or tell them a deadline
    passed. The open tickets were read at the start of the pass; on PostgreSQL the
    runner (or another instance) may have committed a reply since, and acting on the
    old read would close as "no response" a ticket whose requester has just answered,
    write its old state over the new one, or mail "untouched for 3 days" about a ticket
    touched a moment ago (and spend its stale period on that mail). The lock makes a
    reply being filed now wait for this pass, or this pass see the reply. (SQLite takes
    the write lock at BEGIN, so nothing commits between; the lock is not said there.)"""
    t = _times(session, ctx, ticket, now)
    if session.get_bind().dialect.name != "postgresql":
        return t  # SQLite: this transaction's write lock was taken at BEGIN
    who = responsible(ctx, ticket)  # None: no stale reminder is due
    reminds = _reminds(ctx, ticket)
    if not _anything_due(session, ctx, ticket, t, now, who, reminds):
        return t
    session.refresh(ticket, with_for_update=True)
    return _times(session, ctx, ticket, now)


def _times(session: Session, ctx: JobContext, ticket: Ticket, now: datetime) -> TicketTimes:
    """The ticket's times, with since when it waits on its requester when it is pending:
    the last thing that asked them something and reached them
    (:mod:`gateway.scheduling.waiting`; an answer that came back is told, once, at
    ``now``), not a member's note or reassignment since. A wait whose reminder never
    reached them neither asks again nor closes: under an entry without ``stale_after``
    its member is reminded of it as of a stale ticket, every ``pending_reminder_after``,
    until someone acts: :mod:`gateway.scheduling.stale`, the digest's and the board's rule."""
    t = times_of(ticket, ctx.rules(ticket), ctx.settings.calendars)
    if ticket.state != TicketState.PENDING:
        return t
    since, found = reminders.since_pending(session, ticket.id, waiting.restart_kinds())
    touches = [waiting.Touch(kind, at, to, mid) for kind, at, to, mid in found]
    touches = returned.seen(session, ticket, touches, now)
    start = waiting.requester_clock(since or t.updated_at, touches, requester=ticket.requester)
    t = replace(t, waiting_since=start)
    return stale.stale_times(t, stale.unreached(session, [ticket]), ctx.settings.schedule)


def _anything_due(
    session: Session,
    ctx: JobContext,
    ticket: Ticket,
    t: TicketTimes,
    now: datetime,
    who: str | None,
    reminds: bool,
) -> bool:
    """Whether some job of the sweep would act on ``t`` at ``now`` (``who`` answers for
    it: a stale reminder or an overdue notice can go to them). A stale period or a passed deadline
    already told lasts for many passes and needs no lock: thousands of long-stale
    tickets would otherwise be locked against the runner on every pass."""
    sched = ctx.settings.schedule
    if _pending_due(session, ticket, t, now, sched, reminds) is not None:
        return True
    if rules.inventory_due(t, now, sched):
        return True
    period = told.stale_due(session, ctx, t, now) if who is not None else None
    if period is not None and not jobs.claimed(session, Job.STALE, period):
        return True
    return any(told.untold(session, rules.overdue_key(t, d), who) for d in rules.overdue(t, now))


def _reminds(ctx: JobContext, ticket: Ticket) -> bool:
    """Whether the pending reminder is sent for this ticket (not turned off for the team
    or its entry): a close waits for a reminder only when there is one."""
    return not turned_off("pending_reminder", ctx.settings, ctx.rules(ticket))


def _pending_due(
    session: Session,
    ticket: Ticket,
    t: TicketTimes,
    now: datetime,
    sched: ScheduleSettings,
    reminds: bool,
) -> rules.PendingDue | None:
    """:func:`gateway.scheduling.rules.pending_due` with when the reminder really went
    out (the outbox's ``sent_at``: :func:`gateway.scheduling.reminded.grace_from`), read
    only when something is due at all: the close is counted from it, so a reminder held
    back by a relay that was down is never followed by the close at once."""
    due = rules.pending_due(t, now, sched, reminds=reminds)
    if due is None:  # nothing due unreminded: a reminder sent could only put it later
        return None
    claim = _reminder_of_wait(session, ticket, t, due.key)
    if claim is None:
        return due
    period, claimed = claim
    reminded = grace_from(session, ticket, period, claimed, now)
    if reminded is None:  # the reminder has not reached them (yet): no close
        return None
    again = rules.pending_due(t, now, sched, reminded=reminded, reminds=reminds)
    if again is not None and again.action == PendingAction.REMIND and period != due.key:
        return None  # asked in this wait already, under an older release's key
    return again


def _reminder_of_wait(
    session: Session, ticket: Ticket, t: TicketTimes, key: str
) -> tuple[str, datetime] | None:
    """The claim (period, when) of the reminder of this wait: its own key, else one
    claimed since the wait began under another (a release before
    :mod:`gateway.scheduling.waiting` keyed it by the last touch: a note after the
    ticket was set pending gave another key, which must not ask the requester twice)."""
    claimed = jobs.ran_at(session, Job.PENDING_REMINDER, key)
    if claimed is not None:
        return key, claimed
    if t.waiting_since is None:
        return None
    return jobs.last_claim_of_ticket(session, Job.PENDING_REMINDER, ticket.id, t.waiting_since)


@contextmanager
def _isolated(session: Session, ticket: Ticket, report: SweepReport) -> Iterator[None]:
    """One ticket's jobs in a savepoint: its failure is logged and in the report (for
    ``sweep``'s exit status), the sweep goes on. A connection lost meanwhile (a
    PostgreSQL restart, the backend ended) is no failure of this ticket: the savepoint
    and every claim before it are gone with it, so the whole pass fails as the
    database outage it is (``TransientError``: the daemon's backoff, ``sweep``'s exit
    75). Skipping on logged a traceback per open ticket, each one "skipped", and the
    pass ended in SQLAlchemy's PendingRollbackError, an unexpected failure."""
    try:
        with session.begin_nested():
            yield
    except Exception as exc:
        if connection_lost(exc):
            raise
        log.exception("scheduler: ticket #%s skipped this pass", ticket.id)
        report.failed.append(ticket.id)


def _pending(
    session: Session,
    ctx: JobContext,
    ticket: Ticket,
    t: TicketTimes,
    now: datetime,
    report: SweepReport,
) -> str:
    """Ask the requester again or close; who was asked (the requester), else ""."""
    due = _pending_due(session, ticket, t, now, ctx.settings.schedule, _reminds(ctx, ticket))
    if due is None:
        return ""
    ref = ticket_ref(ticket, ctx.settings, now, ctx.catalog)
    requester = views.Person(ticket.requester, ticket.requester_name)
    if due.action == PendingAction.REMIND:  # only when the reminder is not turned off
        if jobs.claim(session, Job.PENDING_REMINDER, due.key, now, ticket_id=ticket.id):
            report.did(Job.PENDING_REMINDER, ticket.id)
            why = to_requester.quiet(session, ctx.settings, ticket)
            if why:  # a monitoring alert, an archive, a no-reply address: told once, why not
                changes.no_auto_answer(
                    session, ticket, now, why=why, mail="pending_reminder", actor=ACTOR
                )
                return ""
            view = views.PendingReminder(
                team(ctx.settings), requester, ref, due.waiting, due.close_in
            )
            report.queued(
                queue_ticket_mail(
                    session, ctx.settings, ticket, view, key=reminder_key(due.key), now=now
                )
            )
            return ticket.requester.lower()
        return ""
    if not jobs.claim(session, Job.PENDING_CLOSE, due.key, now, ticket_id=ticket.id):
        return ""
    report.did(Job.PENDING_CLOSE, ticket.id)
    changes.change_state(  # the requester's status mail follows (gateway.tickets.to_requester)
        session,
        ticket,
        TicketState.CLOSED,
        now,
        actor=ACTOR,
        channel=CHANNEL,
        reason=CloseReason.NO_RESPONSE,
        why=no_response_cause(due.waiting),
    )
    return ""


def _inventory(
    session: Session,
    ctx: JobContext,
    ticket: Ticket,
    t: TicketTimes,
    now: datetime,
    report: SweepReport,
) -> None:
    if ticket.state == TicketState.CLOSED or not rules.inventory_due(t, now, ctx.settings.schedule):
        return
    key = f"{ticket.id}:{int(t.updated_at.timestamp())}"
    if not jobs.claim(
        session,
        Job.INVENTORY,
        key,
        now,
        ticket_id=ticket.id,
        detail={"assignee": ticket.assignee or ""},
    ):
        return
    report.did(Job.INVENTORY, ticket.id)
    changes.change_state(  # the requester's status mail and the assignee's notice follow
        session,
        ticket,
        TicketState.CLOSED,
        now,
        actor=reminders.INVENTORY_ACTOR,
        channel=CHANNEL,
        reason=CloseReason.STALE,
        why=inventory_cause(now - t.updated_at),
    )
