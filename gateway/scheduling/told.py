"""What a pass tells the members, gathered: the tickets that entered a stale period and
the SLA deadlines that passed, one mail per member and kind, each list bounded.

A pass finds these ticket by ticket, each in its own savepoint (a ticket that fails is
rolled back, claims and all, and the others go on), into a :class:`Told` of its own;
only when everything of that ticket went through does it join the pass's lists
(:meth:`Told.take`), so no mail lists a ticket whose claim was taken back. The mails
are queued after the last ticket, in the pass's transaction: the claims and the outbox
rows commit together or not at all, and a pass that fails tells nothing and loses
nothing — the next one finds the same tickets due.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.orm import Session

from gateway.core import spans
from gateway.core.business_hours import Wait
from gateway.notify import views
from gateway.notify.queue import (
    queue_member_mail,
    queue_ticket_mail,
    reply_address,
    team,
    ticket_ref,
)
from gateway.scheduling import rules
from gateway.scheduling.context import JobContext, SweepReport, responsible
from gateway.scheduling.rules import Job, TicketTimes
from gateway.tickets import news
from store import jobs
from store.models import Ticket

# Tickets one stale reminder lists. Thousands gone stale at once (an import, a member
# back from leave) would make a mail nobody reads and a relay may refuse for its size;
# the ones past this are not claimed, so the next pass's mail lists them.
STALE_LISTED = 100
# Deadlines one overdue list names, for the same reasons: a morning's import whose first
# responses all pass at once is told 100 at a time, a pass (minutes) apart.
OVERDUE_LISTED = 100


@dataclass(frozen=True, slots=True)
class Stale:
    ticket: Ticket
    period: str  # the claimed stale period (rules.stale_period)
    after: Wait  # the ticket's stale_after


@dataclass(frozen=True, slots=True)
class Overdue:
    ticket: Ticket
    deadline: rules.Deadline
    key: str  # the claimed key (rules.overdue_key; ``>member`` after it: a later assignee)


@dataclass
class Told:
    """Per member, what a pass (or one ticket of it) is to tell them."""

    stale: dict[str, list[Stale]] = field(default_factory=lambda: defaultdict(list))
    overdue: dict[str, list[Overdue]] = field(default_factory=lambda: defaultdict(list))

    def take(self, one: Told) -> None:
        """A ticket's findings, once its savepoint held."""
        for who, s in one.stale.items():
            self.stale[who] += s
        for who, o in one.overdue.items():
            self.overdue[who] += o


def overdue(
    session: Session,
    ctx: JobContext,
    ticket: Ticket,
    t: TicketTimes,
    now: datetime,
    report: SweepReport,
    told: tuple[Told, Told],
) -> None:
    """Claim each deadline of ``t`` that passed and was not told; ``told`` is the pass's
    lists and this ticket's, which get what is to be mailed. A deadline is recorded
    once (the ticket's history, the counts); who answers for the ticket now is told
    once: a ticket given to someone else after its deadline passed is news to them."""
    pass_, mine = told
    who = responsible(ctx, ticket)
    for deadline in rules.overdue(t, now):
        key = rules.overdue_key(t, deadline)
        if who is not None:
            listed = len(pass_.overdue.get(who, ())) + len(mine.overdue.get(who, ()))
            if listed >= OVERDUE_LISTED:  # this pass's mail is full: left for the next
                continue
        if _told_before(session, t, deadline, key):
            continue
        if jobs.claim(
            session, Job.OVERDUE, key, now, ticket_id=ticket.id, detail={"to": who or ""}
        ):
            news.sla_breached(session, ticket, deadline.target, now)
        elif _news_to(session, key, who, now, ticket.id):
            key = f"{key}>{who}"  # the outbox's key too: a mail of its own
        else:
            continue
        report.did(Job.OVERDUE, ticket.id)
        if who is not None:  # else nobody to tell; the digest shows it to everyone
            mine.overdue[who].append(Overdue(ticket, deadline, key))


def untold(session: Session, key: str, who: str | None) -> bool:
    """Whether the deadline of ``key`` is still to be recorded, or ``who`` (who answers
    for the ticket now) still to be told of it (:func:`overdue`; read only)."""
    detail = jobs.detail_of(session, Job.OVERDUE, key)
    if detail is None:
        return True
    if who is None or "to" not in detail or detail["to"] == who:
        return False
    return not jobs.claimed(session, Job.OVERDUE_TOLD, f"{key}>{who}")


def _news_to(session: Session, key: str, who: str | None, now: datetime, ticket_id: int) -> bool:
    """The deadline of ``key`` was recorded already: True when ``who`` has not been told
    of it (the ticket was given to them since), claimed for them now. A claim from
    before whom it told was recorded counts as told to whoever answers for it now: an
    upgrade tells nobody again."""
    if not untold(session, key, who):
        return False
    assert who is not None
    return jobs.claim(session, Job.OVERDUE_TOLD, f"{key}>{who}", now, ticket_id=ticket_id)


def _told_before(session: Session, t: TicketTimes, deadline: rules.Deadline, key: str) -> bool:
    """A due date passed and told under the key every resolve deadline had before a due
    date got keys of its own (``<id>:resolve``, after the date): told already, not
    again after an upgrade. A claim of that key from before the date was the entry's
    own resolve, and the due date set since is a deadline of its own."""
    legacy = f"{t.id}:{deadline.target}"
    if key == legacy:
        return False
    at = jobs.ran_at(session, Job.OVERDUE, legacy)
    return at is not None and at >= deadline.at


def stale(
    session: Session,
    ctx: JobContext,
    ticket: Ticket,
    t: TicketTimes,
    now: datetime,
    told: tuple[Told, Told],
    *,
    asked: str = "",
) -> None:
    """Claim the stale period ``t`` is in, if its responsible member's list has room.
    ``asked``: who this pass asked again as the ticket's requester (the pending
    reminder): a member who is that too (their own request) was just mailed of the
    ticket left waiting, so the period is spent without listing it to them again."""
    pass_, mine = told
    period = stale_due(session, ctx, t, now)
    who = responsible(ctx, ticket)
    if period is None or who is None or t.stale_after is None:
        return
    if len(pass_.stale.get(who, ())) >= STALE_LISTED:  # this pass's mail is full
        return
    if jobs.claim(session, Job.STALE, period, now, ticket_id=ticket.id):
        news.stale(session, ticket, period, now)
        if who != asked:  # one mail per person: the reminder they got as requester says it
            mine.stale[who].append(Stale(ticket, period, t.stale_after))


def stale_due(session: Session, ctx: JobContext, t: TicketTimes, now: datetime) -> str | None:
    """The stale period whose reminder is due now (:func:`gateway.scheduling.rules.stale_due`),
    with the ticket's last stale claim since its last touch (read only; asked only of a
    stale ticket: a pass reads every open one)."""
    if rules.stale_period(t, now) is None:
        return None
    last = jobs.last_claim_of_ticket(session, Job.STALE, t.id, t.updated_at)
    return rules.stale_due(t, now, last, ctx.settings.schedule.sweep_interval)


def mail(session: Session, ctx: JobContext, told: Told, now: datetime, report: SweepReport) -> None:
    """The pass's mails: the overdue notices, then the stale reminders, per member."""
    for email, items in told.overdue.items():
        _overdue_mail(session, ctx, email, items, now, report)
    for email, stale_items in told.stale.items():
        _stale_reminder(session, ctx, email, stale_items, now, report)


def ref(
    session: Session, ctx: JobContext, ticket: Ticket, email: str, now: datetime
) -> views.TicketRef:
    """The ticket with ``email``'s own reply address: the mail asks them to act, and a
    reply to a list mail itself would belong to no ticket."""
    return replace(
        ticket_ref(ticket, ctx.settings, now, ctx.catalog),
        reply_to=reply_address(session, ctx.settings, ticket.id, email),
    )


def nobodys(email: str, tickets: Sequence[Ticket]) -> frozenset[int]:
    """The ids of ``tickets`` that ``email`` is told of without holding them: nobody on
    the team has them (no assignee, or one who left), so their manager answers for them
    (:func:`gateway.scheduling.context.responsible`). Their mail says so: told "your
    tickets", a manager looks for work they forgot instead of giving it to someone."""
    return frozenset(t.id for t in tickets if (t.assignee or "").lower() != email.lower())


def _key(parts: Sequence[str]) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:20]


def _overdue_mail(
    session: Session,
    ctx: JobContext,
    email: str,
    items: list[Overdue],
    now: datetime,
    report: SweepReport,
) -> None:
    """One deadline: the ticket's own notice, in its thread (its tag, its reply address,
    kept on the ticket). More: one mail listing them."""
    locale = ctx.locale_of(email)
    if len(items) == 1:
        [one] = items
        shown = ref(session, ctx, one.ticket, email, now)
        view = views.SlaOverdue(
            team(ctx.settings),
            ctx.person(email),
            shown,
            one.deadline.target,
            ctx.local(one.deadline.at),
        )
        report.queued(
            queue_ticket_mail(
                session,
                ctx.settings,
                one.ticket,
                view,
                key=f"overdue:{one.key}",
                now=now,
                locale=locale,
            )
        )
        return
    lines = tuple(
        views.OverdueLine(
            ref(session, ctx, o.ticket, email, now), o.deadline.target, ctx.local(o.deadline.at)
        )
        for o in items
    )
    nobody = nobodys(email, [o.ticket for o in items])
    listed = views.SlaOverdueList(team(ctx.settings), ctx.person(email), lines, nobody)
    key = f"overdue:{email}:{_key([o.key for o in items])}"
    report.queued(queue_member_mail(session, ctx.settings, listed, key=key, now=now, locale=locale))


def _stale_reminder(
    session: Session,
    ctx: JobContext,
    email: str,
    items: list[Stale],
    now: datetime,
    report: SweepReport,
) -> None:
    """One mail per person and pass, listing every ticket that entered a new stale period."""
    for item in items:
        report.did(Job.STALE, item.ticket.id)
    refs = tuple(ref(session, ctx, s.ticket, email, now) for s in items)
    view = views.StaleReminder(
        team(ctx.settings),
        ctx.person(email),
        refs,
        spans.shortest([s.after for s in items]),
        nobodys(email, [s.ticket for s in items]),
    )
    report.queued(
        queue_member_mail(
            session,
            ctx.settings,
            view,
            key=f"stale:{email}:{_key([s.period for s in items])}",
            now=now,
            locale=ctx.locale_of(email),
        )
    )
