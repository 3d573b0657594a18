"""A ticket's SLA deadlines, from its catalog entry: pure, shared by the scheduler
(:mod:`gateway.scheduling.rules`: what is overdue) and the mails that show them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from gateway.core import business_hours
from gateway.core.business_hours import Calendar, Wait, WorkingDays


@dataclass(frozen=True, slots=True)
class Deadline:
    target: str  # "first_response" | "resolve"
    at: datetime
    since: datetime  # when its window opened (the ticket's creation): "due soon" is a share


def deadlines(
    state: str,
    created_at: datetime,
    *,
    first_response_at: datetime | None,
    due_at: datetime | None,
    first_response: Wait | None,
    resolve: Wait | None,
    hours: Calendar | None,
) -> list[Deadline]:
    """The deadlines still open, nearest first: a first response until someone answers,
    a resolve until the ticket is closed. Leaving ``new`` counts as the first response
    too (ops may work a ticket without writing to the requester); a due date set on the
    ticket (``/due``) is the resolve deadline agreed for it, so it replaces the entry's.

    With the team's ``hours`` (``[business_hours]``) the entry's targets are business
    time (:func:`gateway.core.business_hours.add`), and a target in working days
    (``"2bd"``) is the same time of day that many working days on; a ``/due`` date stays
    the instant a person gave, as agreed with the requester."""
    if state == "closed":
        return []
    out = []
    if first_response is not None and first_response_at is None and state == "new":
        out.append(
            Deadline("first_response", _after(created_at, first_response, hours), created_at)
        )
    if due_at is not None:
        out.append(Deadline("resolve", due_at, created_at))
    elif resolve is not None:
        out.append(Deadline("resolve", _after(created_at, resolve, hours), created_at))
    return sorted(out, key=lambda d: d.at)


def _after(start: datetime, target: Wait, hours: Calendar | None) -> datetime:
    """``target`` after ``start``: on the wall clock, or in the team's working hours; a
    target in working days on the team's calendar (the load refuses one without it;
    here it would be whole days)."""
    if isinstance(target, WorkingDays):
        if hours is None:
            return start + timedelta(days=target.days)
        return business_hours.working_days_after(hours, start, target.days)
    return start + target if hours is None else business_hours.add(hours, start, target)


def left(deadline: Deadline, now: datetime, hours: Calendar | None) -> timedelta:
    """What is left of ``deadline`` at ``now``, in the time the SLA clock counts (business
    time with ``hours``): a deadline on Monday 10:00 seen on Friday 17:00 has a working
    hour of Friday and one of Monday left, not a weekend's worth."""
    if hours is None:
        return deadline.at - now
    return business_hours.between(hours, now, deadline.at)


def left_at_most(
    deadline: Deadline, now: datetime, hours: Calendar | None, limit: timedelta
) -> bool:
    """Whether at most ``limit`` of ``deadline`` is left at ``now`` (:func:`left`), without
    counting the years of a far one (:func:`gateway.core.business_hours.at_most`)."""
    if hours is None:
        return deadline.at - now <= limit
    return business_hours.at_most(hours, now, deadline.at, limit)


def window(deadline: Deadline, hours: Calendar | None) -> timedelta:
    """The whole of ``deadline``'s window, counted as :func:`left` counts."""
    return left(deadline, deadline.since, hours)
