"""What is due at ``now``: pure decisions for the scheduler, no database, no clock.

The sweeps (``gateway/scheduling/sweeps.py``) feed these functions plain timestamps and
act on the answers; the daemon's loop only decides *when* to ask. Keeping the
decisions here means a test can walk a ticket through weeks of a fake
calendar, across time zones and DST changes, without waiting or a database.

Every decision comes with a *period key*: the same reminder for the same
period has the same key, and ``store.jobs.claim`` lets only the first caller
act on a key. That is what turns "the sweep runs every five minutes" into
"one reminder per stale period".
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from gateway.catalog import sla
from gateway.catalog.model import Entry
from gateway.catalog.sla import Deadline as Deadline
from gateway.config.settings import ScheduleSettings
from gateway.core.business_hours import (
    Calendar,
    Wait,
    WorkingDays,
    working_days_after,
    working_days_between,
)
from gateway.core.calendars import Calendars, calendar_for
from gateway.scheduling.digest_rules import DAY as DAY
from gateway.scheduling.digest_rules import WEEK as WEEK
from gateway.scheduling.digest_rules import DigestRun as DigestRun
from gateway.scheduling.digest_rules import digest_due as digest_due
from gateway.scheduling.digest_rules import next_digest as next_digest
from gateway.scheduling.digest_rules import previous_digest as previous_digest
from gateway.scheduling.digest_rules import wait_seconds as wait_seconds


class Job(enum.StrEnum):
    """The jobs the scheduler records in ``job_runs``; one row per (job, period)."""

    DIGEST = "digest"  # the weekly digest and the managers' summary
    STALE = "stale"  # reminder to the assignee, once per stale period of a ticket
    OVERDUE = "overdue"  # an SLA deadline passed: recorded once, its assignee told
    OVERDUE_TOLD = "overdue-told"  # … and a later assignee of the ticket, once each
    PENDING_REMINDER = "pending-reminder"  # the requester is asked again, once
    PENDING_CLOSE = "pending-close"  # no answer in time: closed as no-response
    # (a mail that came back, a reminder or any other, is claimed by the runner and the
    # sweeps alike under gateway.tickets.returned_claims.JOB: one row per outbox row)
    INVENTORY = "inventory"  # untouched far too long: force-closed as stale
    LEFT = "left"  # one who left the team holds open tickets: managers told, once per address


# ---------------------------------------------------------------- one ticket's state


@dataclass(frozen=True, slots=True)
class TicketTimes:
    """What the scheduler needs of a ticket and its catalog entry, as plain values."""

    id: int
    state: str
    created_at: datetime
    updated_at: datetime  # the last change or message: "touched"
    first_response_at: datetime | None = None
    # the entry's waits: real time, or the team's working days ("2bd")
    stale_after: Wait | None = None
    first_response: Wait | None = None  # SLA targets from the catalog entry
    resolve: Wait | None = None
    auto_close_after: Wait | None = None  # the entry's own pending close time
    due_at: datetime | None = None  # a due date set on the ticket (``/due``): replaces resolve
    # the entry's calendar (gateway.core.calendars.calendar_for): its SLA clock runs and
    # its own waits in working days count in it; None: the wall clock
    hours: Calendar | None = None
    # the [schedule] waits' calendar: [business_hours] unless its `calendar` names one
    # (a 24x7 entry's pending ticket is still asked again in the team's working days)
    schedule_hours: Calendar | None = None
    # since when a pending ticket waits on its requester (gateway.scheduling.waiting):
    # the sweep reads it; None: since its last touch
    waiting_since: datetime | None = None


class Timed(Protocol):
    """What :func:`times_of` reads of a ticket: an ORM row or a plain query row."""

    @property
    def id(self) -> int: ...
    @property
    def state(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...
    @property
    def first_response_at(self) -> datetime | None: ...
    @property
    def due_at(self) -> datetime | None: ...
    @property
    def priority(self) -> str: ...


def times_of(ticket: Timed, entry: Entry | None, calendars: Calendars) -> TicketTimes:
    """The ticket's times and the targets of ``entry`` (the one whose rules it follows:
    ``Catalog.rules_for``) at the ticket's priority (an entry may give urgent tickets a
    shorter SLA), so a priority change moves the deadlines. The one way the sweeps, the
    digest, the board's badges and the overdue counts see a ticket; ``calendars`` is
    ``Settings.calendars``, of which the entry's own is picked (:func:`calendar_for`).
    Nothing of it is stored: a ticket refiled to an entry of another calendar has its
    deadlines counted from its arrival in the new one, from then on."""
    first_response, resolve = entry.sla_for(ticket.priority) if entry else (None, None)
    return TicketTimes(
        id=ticket.id,
        state=ticket.state,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        first_response_at=ticket.first_response_at,
        stale_after=entry.stale_after if entry else None,
        first_response=first_response,
        resolve=resolve,
        auto_close_after=entry.auto_close_after if entry else None,
        due_at=ticket.due_at,
        hours=calendar_for(entry.calendar if entry else None, calendars),
        schedule_hours=calendars.for_schedule,
    )


def _stamp(at: datetime) -> int:
    return int(at.timestamp())


def stale_period(t: TicketTimes, now: datetime) -> str | None:
    """The key of the stale period ``t`` is in, or None if it is not stale.

    The n-th period starts after n × ``stale_after`` untouched; the key carries
    the last touch too, so a ticket touched and then left again is reminded
    again, and one left alone is reminded once per period, not once per sweep.
    A ``stale_after`` in working days counts the team's working days (a ticket
    left on Friday with ``1bd`` is stale on Monday, not on Saturday).
    """
    if t.state == "closed" or t.stale_after is None:
        return None
    n = _periods(t.updated_at, now, t.stale_after, t.hours)
    return f"{t.id}:{_stamp(t.updated_at)}:{n}" if n >= 1 else None


def stale_due(
    t: TicketTimes, now: datetime, last: tuple[str, datetime] | None, on_time: timedelta
) -> str | None:
    """The stale period whose reminder is due at ``now`` (None: none is): the period
    ``t`` is in (:func:`stale_period`), held back until ``stale_after`` has passed since
    the last reminder really went out when that one came late. ``last``: the key and the
    time of the last stale claim of the ticket since its last touch; ``on_time``: how late
    a pass may come into a period and still be on time (``[schedule] sweep_interval``).

    After a downtime the missed periods are one catch-up, and the rhythm starts again
    from it: untouched since day 0 with ``3d``, a daemon back on day 10 reminds on days
    10, 13, 16, not 10, 12, 15 (Zammad's and RT's reminders count from the last one).
    A reminder sent within ``on_time`` of its period keeps the periods' own rhythm, so
    passes a few minutes late do not push every later reminder on: while the daemon
    runs, one reminder per period, as before."""
    period = stale_period(t, now)
    if period is None or last is None or t.stale_after is None:
        return period
    key, sent = last
    head, _, n = key.rpartition(":")
    if head != period.rpartition(":")[0] or not n.isdigit():
        return period  # a claim of an earlier touch (or an older release's key)
    began = _after_periods(t.updated_at, int(n), t.stale_after, t.hours)
    if sent - began <= on_time:
        return period
    return period if now >= waited_until(sent, t.stale_after, t.hours) else None


def _after_periods(since: datetime, n: int, wait: Wait, hours: Calendar | None) -> datetime:
    """When the ``n``-th period of ``wait`` after ``since`` begins (:func:`_periods`)."""
    if isinstance(wait, timedelta):
        return since + n * wait
    return waited_until(since, WorkingDays(n * wait.days), hours)


def _periods(since: datetime, now: datetime, wait: Wait, hours: Calendar | None) -> int:
    """How many whole ``wait``s lie between ``since`` and ``now`` (0 for none)."""
    if isinstance(wait, timedelta):
        return (now - since) // wait if wait > timedelta(0) else 0
    if wait.days <= 0:
        return 0
    if hours is None:  # the load refuses working days without a calendar: whole days
        return (now - since) // timedelta(days=wait.days)
    return working_days_between(hours, since, now) // wait.days


class SlaState(enum.StrEnum):
    NONE = ""  # no target, or met
    OK = "ok"
    DUE_SOON = "due-soon"
    OVERDUE = "overdue"


def deadlines(t: TicketTimes) -> list[Deadline]:
    """The SLA deadlines still open (:func:`gateway.catalog.sla.deadlines`)."""
    return sla.deadlines(
        t.state,
        t.created_at,
        first_response_at=t.first_response_at,
        due_at=t.due_at,
        first_response=t.first_response,
        resolve=t.resolve,
        hours=t.hours,
    )


def sla_state(
    t: TicketTimes, now: datetime, schedule: ScheduleSettings
) -> tuple[SlaState, Deadline | None]:
    """The state of the nearest open deadline, for the digest's and the board's marks."""
    open_ = deadlines(t)
    if not open_:
        return SlaState.NONE, None
    nearest = open_[0]
    return deadline_state(nearest, now, schedule, t.hours), nearest


def deadline_state(
    deadline: Deadline, now: datetime, schedule: ScheduleSettings, hours: Calendar | None
) -> SlaState:
    """One open deadline at ``now``: passed, due soon (:func:`due_soon_within`), or fine.
    With ``hours`` what is left is business time, as the deadline was counted."""
    if deadline.at <= now:
        return SlaState.OVERDUE
    if sla.left_at_most(deadline, now, hours, due_soon_within(deadline, schedule, hours)):
        return SlaState.DUE_SOON
    return SlaState.OK


def due_soon_within(
    deadline: Deadline, schedule: ScheduleSettings, hours: Calendar | None
) -> timedelta:
    """How long before ``deadline`` it is marked due soon: ``due_soon``, but never more
    than ``due_soon_percent`` of its window. One absolute value cannot serve a 30-minute
    first response and a 10-day resolve: a day would mark every new ticket due soon from
    its first minute, and a mark on everything is a mark on nothing."""
    window = max(sla.window(deadline, hours), timedelta(0))
    return min(schedule.due_soon, window * schedule.due_soon_percent / 100)


def overdue(t: TicketTimes, now: datetime) -> list[Deadline]:
    """Deadlines already passed; each is notified once (:func:`overdue_key`)."""
    return [d for d in deadlines(t) if d.at <= now]


def overdue_key(t: TicketTimes, deadline: Deadline) -> str:
    """The key that makes an overdue notice once per deadline. The entry's targets are
    one deadline each (``<id>:<target>``), however a priority change moves them; a due
    date a person set (``/due``) is a promise of its own, so it carries its instant: a
    date moved after it passed, and missed again, is told again (``<id>:due:<epoch>``)."""
    if deadline.target == "resolve" and t.due_at is not None and deadline.at == t.due_at:
        return f"{t.id}:due:{_stamp(deadline.at)}"
    return f"{t.id}:{deadline.target}"


class PendingAction(enum.StrEnum):
    REMIND = "remind"  # ask the requester again
    CLOSE = "close"  # closed as no-response, with a notice


@dataclass(frozen=True, slots=True)
class PendingDue:
    action: PendingAction
    key: str  # "<id>:<since>": a ticket set pending again gets a new reminder
    waiting: timedelta
    close_in: timedelta  # from now until the close (REMIND only)


def pending_due(
    t: TicketTimes,
    now: datetime,
    sched: ScheduleSettings,
    *,
    reminded: datetime | None = None,
    reminds: bool = True,
) -> PendingDue | None:
    """What a ticket waiting on its requester needs now, if anything. ``reminded``: when
    its reminder went out (``job_runs``; None: not yet); ``reminds``: False when the
    reminder is turned off for it (``[mail] off``, the entry's ``mails_off``).

    The clock starts at ``t.waiting_since``: when the requester was last asked (the
    ticket set pending, an answer that reached them; :mod:`gateway.scheduling.waiting`),
    not a member's own work on it since; the catalog entry's ``auto_close_after``
    overrides ``[schedule] pending_close_after``.
    A wait in working days (``"2bd"``) is counted on its own calendar: the entry's for
    ``auto_close_after``, the default one for ``[schedule]``'s (:func:`waited_until`);
    one in real time (``"3d"``) over nights and weekends.

    The requester is asked before they are closed on, and given the reminder's grace
    (the close's wait minus the reminder's) from when it really went out: a sweep that
    did not run for the whole period (cron off, the daemon down a week) reminds first
    and closes that grace later, never at once (osTicket, Zammad). A close due before
    the reminder (an entry's shorter ``auto_close_after``, or a mix of working days and
    real time a holiday week turns round) closes without one, as does a turned-off
    reminder, at its time.
    """
    if t.state != "pending":
        return None
    since = t.waiting_since or t.updated_at
    waiting = now - since
    remind_at = waited_until(since, sched.pending_reminder_after, t.schedule_hours)
    if t.auto_close_after is None:  # [schedule]'s: the default calendar's working days
        close_at = waited_until(since, sched.pending_close_after, t.schedule_hours)
    else:  # the entry's own: its calendar's
        close_at = waited_until(since, t.auto_close_after, t.hours)
    key = pending_key(t.id, since)
    if remind_at < close_at and (reminds or reminded is not None):
        asked = reminded if reminded is not None else max(now, remind_at)
        close_at = max(close_at, _after_grace(t, sched, asked, close_at - remind_at))
        if reminded is None and now >= remind_at:  # asked first, whatever is overdue
            return PendingDue(PendingAction.REMIND, key, waiting, close_at - now)
    if now >= close_at:
        return PendingDue(PendingAction.CLOSE, key, waiting, timedelta(0))
    if now >= remind_at and reminds:
        return PendingDue(PendingAction.REMIND, key, waiting, close_at - now)
    return None


def pending_key(ticket_id: int, since: datetime) -> str:
    """The period key of a wait on the requester that began at ``since``."""
    return f"{ticket_id}:{_stamp(since)}"


def _after_grace(
    t: TicketTimes, sched: ScheduleSettings, asked: datetime, grace: timedelta
) -> datetime:
    """When the requester asked at ``asked`` has had the reminder's grace: in working
    days when both waits are (``"2bd"`` then ``"5bd"``: three working days), else the
    real time between the two as scheduled (``grace``)."""
    close = sched.pending_close_after if t.auto_close_after is None else t.auto_close_after
    remind = sched.pending_reminder_after
    if (
        isinstance(close, WorkingDays)
        and isinstance(remind, WorkingDays)
        and close.days > remind.days
    ):
        hours = t.schedule_hours if t.auto_close_after is None else t.hours
        return waited_until(asked, WorkingDays(close.days - remind.days), hours)
    return asked + grace


def waited_until(since: datetime, wait: Wait, hours: Calendar | None) -> datetime:
    """When ``wait`` after ``since`` has passed: real time, or working days on the team's
    calendar (the load refuses working days without one; here they would be whole days)."""
    if not isinstance(wait, WorkingDays):
        return since + wait
    if hours is None:
        return since + timedelta(days=wait.days)
    return working_days_after(hours, since, wait.days)


def inventory_due(t: TicketTimes, now: datetime, sched: ScheduleSettings) -> bool:
    """Force-close (reason ``stale``) a ticket nobody touched for ``inventory_after``."""
    return sched.inventory and t.state != "closed" and now - t.updated_at >= sched.inventory_after
