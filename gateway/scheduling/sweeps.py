"""The scheduler's actions: reminders, SLA notices, closes and the digest, in the database.

:mod:`gateway.scheduling.rules` decides what is due; this module claims each due
(job, period) in ``job_runs`` and, only if the claim is ours, queues the mail
through the outbox and changes the state through :func:`gateway.tickets.changes.change_state`
— all in the caller's transaction; the requester's status mail and the members'
notices of a close are decided by :mod:`gateway.tickets.conversation` like any
other change's. A restart, a second instance or a sweep every few minutes
therefore finds the claim taken and does nothing twice.
One ticket's failure is logged and rolled back to its savepoint; the others go on.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from gateway.catalog.model import Catalog, Entry
from gateway.config.settings import ScheduleSettings, Settings
from gateway.core import spans, zone
from gateway.core.i18n import N_, Msg
from gateway.core.model import CloseReason, TicketState
from gateway.notify import views
from gateway.notify.queue import (
    queue_member_mail,
    queue_ticket_mail,
    reply_address,
    team,
    ticket_ref,
    turned_off,
)
from gateway.scheduling import rules
from gateway.scheduling.rules import Job, PendingAction, TicketTimes, times_of
from gateway.tickets import changes, conversation, news, to_requester
from store import jobs, reminders
from store.models import Ticket

log = logging.getLogger(__name__)

ACTOR = "schedule"  # events of the pending close; inventory closes use INVENTORY_ACTOR
CHANNEL = "system"
# Tickets one stale reminder lists. Thousands gone stale at once (an import, a member
# back from leave) would make a mail nobody reads and a relay may refuse for its size;
# the ones past this are not claimed, so the next pass's mail lists them.
STALE_LISTED = 100


@dataclass(frozen=True, slots=True)
class JobContext:
    """What every job needs besides the session and the time."""

    settings: Settings
    catalog: Catalog

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.gateway.timezone)

    def rules(self, ticket: Ticket) -> Entry | None:
        """The entry whose rules the ticket follows: its own, else the fallback's."""
        return self.catalog.rules_for(ticket.catalog)

    def locale_of(self, email: str) -> str:
        member = self.settings.member(email)
        return (member.locale if member else "") or self.settings.gateway.locale

    def person(self, email: str) -> views.Person:
        member = self.settings.member(email)
        return views.Person(email, member.name if member else "")

    def local(self, at: datetime) -> str:
        return at.astimezone(self.tz).strftime(zone.FORMAT)


@dataclass
class SweepReport:
    """What a pass did, per job, and the outbox rows it queued."""

    done: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    outbox: list[int] = field(default_factory=list)

    def queued(self, outbox_id: int | None) -> None:
        if outbox_id is not None:
            self.outbox.append(outbox_id)

    def message(self) -> Msg:
        """What the pass did, for a person (``ticket-gateway sweep``); job names as they are."""
        jobs_done = ", ".join(f"{k} {v}" for k, v in sorted(self.done.items()))
        return N_(
            "{jobs}; {mails} mail(s) queued",
            jobs=jobs_done or N_("nothing due"),
            mails=len(self.outbox),
        )

    def summary(self) -> str:
        """The same in English, for the log."""
        return str(self.message())


def no_response_cause(waiting: timedelta) -> Msg:
    """Why the pending close closed it, in the requester's status mail."""
    return N_("We have not heard from you for {time}.", time=spans.period(waiting))


def inventory_cause(idle: timedelta) -> Msg:
    """Why the inventory closed it, in the requester's status mail."""
    return N_("Nothing has happened on it for {time}.", time=spans.period(idle))


def responsible(ctx: JobContext, ticket: Ticket) -> str | None:
    """Who is nagged about a ticket: its assignee while on the team, else its entry's
    manager (the fallback's for a ticket of an entry no longer in the catalog): a
    member taken out of ``[[members]]`` is not reminded of what they left behind."""
    entry = ctx.rules(ticket)
    return ctx.settings.responsible(ticket.assignee, entry.manager if entry else None) or None


def run_sweeps(session: Session, ctx: JobContext, now: datetime) -> SweepReport:
    """Pending, inventory, SLA and stale jobs over every ticket that is not closed."""
    report = SweepReport()
    stale: dict[str, list[tuple[Ticket, str, timedelta]]] = defaultdict(list)
    for ticket in reminders.open_tickets(session):
        with _isolated(session, ticket):
            t = _as_it_is_now(session, ctx, ticket, now)
            _pending(session, ctx, ticket, t, now, report)
            _inventory(session, ctx, ticket, t, now, report)
            if ticket.state != TicketState.CLOSED:
                _overdue(session, ctx, ticket, t, now, report)
                _collect_stale(session, ctx, ticket, t, now, stale)
            # the status mails and notices of this ticket's changes, inside its savepoint
            # (so a dry run sees them, and a failure takes them back with the changes)
            report.outbox += conversation.flush(session)
    for email, items in stale.items():
        _stale_reminder(session, ctx, email, items, now, report)
    return report


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
    t = times_of(ticket, ctx.rules(ticket), ctx.settings.business_hours)
    if session.get_bind().dialect.name != "postgresql":
        return t  # SQLite: this transaction's write lock was taken at BEGIN
    nagged = responsible(ctx, ticket) is not None  # else no stale reminder is due
    if not _anything_due(session, t, now, ctx.settings.schedule, nagged):
        return t
    session.refresh(ticket, with_for_update=True)
    return times_of(ticket, ctx.rules(ticket), ctx.settings.business_hours)


def _anything_due(
    session: Session, t: TicketTimes, now: datetime, sched: ScheduleSettings, nagged: bool
) -> bool:
    """Whether some job of the sweep would act on ``t`` at ``now`` (``nagged``: someone
    answers for it, so a stale reminder can go). A stale period or a passed deadline
    already told lasts for many passes and needs no lock: thousands of long-stale
    tickets would otherwise be locked against the runner on every pass."""
    if rules.pending_due(t, now, sched) is not None or rules.inventory_due(t, now, sched):
        return True
    period = rules.stale_period(t, now) if nagged else None
    if period is not None and not jobs.claimed(session, Job.STALE, period):
        return True
    return any(
        not jobs.claimed(session, Job.OVERDUE, rules.overdue_key(t, d))
        for d in rules.overdue(t, now)
    )


@contextmanager
def _isolated(session: Session, ticket: Ticket) -> Iterator[None]:
    """One ticket's jobs in a savepoint: its failure is logged, the sweep goes on."""
    try:
        with session.begin_nested():
            yield
    except Exception:
        log.exception("scheduler: ticket #%s skipped this pass", ticket.id)


def _pending(
    session: Session,
    ctx: JobContext,
    ticket: Ticket,
    t: TicketTimes,
    now: datetime,
    report: SweepReport,
) -> None:
    due = rules.pending_due(t, now, ctx.settings.schedule)
    if due is None:
        return
    ref = ticket_ref(ticket, ctx.settings, now)
    requester = views.Person(ticket.requester, ticket.requester_name)
    if due.action == PendingAction.REMIND:
        if turned_off("pending_reminder", ctx.settings, ctx.rules(ticket)):
            return
        if jobs.claim(session, Job.PENDING_REMINDER, due.key, now, ticket_id=ticket.id):
            report.done[Job.PENDING_REMINDER] += 1
            why = to_requester.quiet(session, ctx.settings, ticket)
            if why:  # a monitoring alert, an archive, a no-reply address: told once, why not
                changes.no_auto_answer(
                    session, ticket, now, why=why, mail="pending_reminder", actor=ACTOR
                )
                return
            view = views.PendingReminder(
                team(ctx.settings), requester, ref, due.waiting, due.close_in
            )
            report.queued(
                queue_ticket_mail(
                    session, ctx.settings, ticket, view, key=f"pending-reminder:{due.key}", now=now
                )
            )
        return
    if not jobs.claim(session, Job.PENDING_CLOSE, due.key, now, ticket_id=ticket.id):
        return
    report.done[Job.PENDING_CLOSE] += 1
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
    report.done[Job.INVENTORY] += 1
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


def _overdue(
    session: Session,
    ctx: JobContext,
    ticket: Ticket,
    t: TicketTimes,
    now: datetime,
    report: SweepReport,
) -> None:
    for deadline in rules.overdue(t, now):
        key = rules.overdue_key(t, deadline)
        if _told_before(session, t, deadline, key) or not jobs.claim(
            session, Job.OVERDUE, key, now, ticket_id=ticket.id
        ):
            continue
        report.done[Job.OVERDUE] += 1
        news.sla_breached(session, ticket, deadline.target, now)
        who = responsible(ctx, ticket)
        if who is None:
            continue  # nobody to tell; the digest shows it to everyone
        ref = replace(
            ticket_ref(ticket, ctx.settings, now),
            reply_to=reply_address(session, ctx.settings, ticket.id, who),
        )
        view = views.SlaOverdue(
            team(ctx.settings), ctx.person(who), ref, deadline.target, ctx.local(deadline.at)
        )
        report.queued(
            queue_ticket_mail(
                session,
                ctx.settings,
                ticket,
                view,
                key=f"overdue:{key}",
                now=now,
                locale=ctx.locale_of(who),
            )
        )


def _told_before(session: Session, t: TicketTimes, deadline: rules.Deadline, key: str) -> bool:
    """A due date passed and told under the key every resolve deadline had before a due
    date got keys of its own (``<id>:resolve``, after the date): told already, not
    again after an upgrade. A claim of that key from before the date was the entry's
    own resolve, and the due date set since is a deadline of its own."""
    legacy = f"{t.id}:{deadline.target}"
    if key == legacy:
        return False
    told = jobs.ran_at(session, Job.OVERDUE, legacy)
    return told is not None and told >= deadline.at


def _collect_stale(
    session: Session,
    ctx: JobContext,
    ticket: Ticket,
    t: TicketTimes,
    now: datetime,
    into: dict[str, list[tuple[Ticket, str, timedelta]]],
) -> None:
    period = rules.stale_period(t, now)
    who = responsible(ctx, ticket)
    if period is None or who is None or t.stale_after is None:
        return
    if len(into.get(who, ())) >= STALE_LISTED:  # this pass's mail is full: left for the next
        return
    if jobs.claim(session, Job.STALE, period, now, ticket_id=ticket.id):
        news.stale(session, ticket, period, now)
        into[who].append((ticket, period, t.stale_after))


def _stale_reminder(
    session: Session,
    ctx: JobContext,
    email: str,
    items: list[tuple[Ticket, str, timedelta]],
    now: datetime,
    report: SweepReport,
) -> None:
    """One mail per person and pass, listing every ticket that entered a new stale period."""
    report.done[Job.STALE] += len(items)
    # each with the member's own reply address, as the digest lists them: the mail asks
    # them to act, and a reply to the mail itself would belong to no ticket
    refs = tuple(
        replace(
            ticket_ref(t, ctx.settings, now),
            reply_to=reply_address(session, ctx.settings, t.id, email),
        )
        for t, _, _ in items
    )
    digest = hashlib.sha256("|".join(p for _, p, _ in items).encode()).hexdigest()[:20]
    view = views.StaleReminder(
        team(ctx.settings), ctx.person(email), refs, min(after for _, _, after in items)
    )
    report.queued(
        queue_member_mail(
            session,
            ctx.settings,
            view,
            key=f"stale:{email}:{digest}",
            now=now,
            locale=ctx.locale_of(email),
        )
    )
