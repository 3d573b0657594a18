"""A target far beyond what the calendar's walk holds (``resolve: 3650d`` in working
hours: ten years of the calendar do not hold it) gives a far-off deadline, and its
marks cost a sweep, the digest and the board no more than a near one's after the first
look: the deadline and its window are the ticket's own and do not change from pass to
pass, and "due soon" needs only to know whether at most ``due_soon`` is left, not how
many years are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gateway.config.settings import ScheduleSettings
from gateway.core.business_hours import Calendar, add, between
from gateway.scheduling import rules
from tests.support.cpu import cpu_within

OFFICE = Calendar("Asia/Tokyo", (((540, 720), (780, 1080)),) * 5 + ((), ()))
START = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # Tuesday 09:00 JST
TEN_YEARS = timedelta(days=3650)


def _ticket(n: int, resolve: timedelta) -> rules.TicketTimes:
    at = START + n * timedelta(minutes=7)
    return rules.TicketTimes(n, "open", at, at, resolve=resolve, hours=OFFICE)


def test_the_marks_of_far_deadlines_are_cheap_pass_after_pass() -> None:
    sched, tickets = ScheduleSettings(), [_ticket(n, TEN_YEARS) for n in range(20)]
    for t in tickets:  # the first look walks the calendar once per ticket
        assert rules.sla_state(t, START + timedelta(days=1), sched)[0] == rules.SlaState.OK

    def ten_passes() -> None:
        for hours_on in range(1, 11):  # ten more passes, minutes to hours apart
            now = START + timedelta(days=1, hours=hours_on)
            for t in tickets:
                assert rules.overdue(t, now) == []
                assert rules.sla_state(t, now, sched)[0] == rules.SlaState.OK

    # CPU seconds (a loaded machine stretches wall time alone); each pass walked ten
    # years a ticket: minutes
    cpu_within(2.0, ten_passes)


def test_a_far_deadline_is_still_marked_due_soon_and_overdue_in_its_time() -> None:
    sched, t = ScheduleSettings(), _ticket(0, TEN_YEARS)
    [deadline] = rules.deadlines(t)
    assert deadline.at == add(OFFICE, t.created_at, TEN_YEARS)
    assert deadline.at > START + timedelta(days=365 * 10)
    soon = deadline.at - timedelta(hours=12)  # half a day of wall clock: at most a day left
    assert between(OFFICE, soon, deadline.at) <= sched.due_soon
    assert rules.sla_state(t, soon, sched)[0] == rules.SlaState.DUE_SOON
    assert rules.sla_state(t, deadline.at - timedelta(days=10), sched)[0] == rules.SlaState.OK
    assert rules.sla_state(t, deadline.at, sched)[0] == rules.SlaState.OVERDUE


def test_due_soon_is_the_same_whether_the_target_is_near_or_far() -> None:
    """The quick answer is the exact one: for a near target, at every quarter hour of its
    last days (nights, weekends and the boundary instants included)."""
    sched, t = ScheduleSettings(due_soon=timedelta(hours=5)), _ticket(3, timedelta(hours=40))
    [deadline] = rules.deadlines(t)
    now = deadline.at - timedelta(days=4)
    while now < deadline.at:
        exact = between(OFFICE, now, deadline.at) <= rules.due_soon_within(deadline, sched, OFFICE)
        state = rules.deadline_state(deadline, now, sched, OFFICE)
        assert (state == rules.SlaState.DUE_SOON) == exact, now
        now += timedelta(minutes=15)
