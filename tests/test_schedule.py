"""What is due when: the digest calendar in local time (week and year boundaries, DST),
stale periods, SLA marks and the pending/inventory thresholds — pure, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from gateway.config.settings import ScheduleSettings
from gateway.scheduling.rules import (
    PendingAction,
    SlaState,
    TicketTimes,
    inventory_due,
    next_digest,
    overdue,
    pending_due,
    previous_digest,
    sla_state,
    stale_period,
    wait_seconds,
)

TOKYO, BERLIN = ZoneInfo("Asia/Tokyo"), ZoneInfo("Europe/Berlin")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("now", "at", "period"),
    [
        (utc(2026, 3, 2, 1, 0), utc(2026, 3, 2, 0, 0), "2026-W10"),  # Mon 10:00 JST: just due
        (utc(2026, 3, 2, 0, 0), utc(2026, 3, 2, 0, 0), "2026-W10"),  # exactly at 09:00 JST
        (utc(2026, 3, 1, 23, 59), utc(2026, 2, 23, 0, 0), "2026-W09"),  # Mon 08:59 JST: last week
        (utc(2026, 3, 8, 14, 59), utc(2026, 3, 2, 0, 0), "2026-W10"),  # Sun 23:59 JST
        (utc(2026, 1, 1, 3, 0), utc(2025, 12, 29, 0, 0), "2026-W01"),  # ISO year boundary
    ],
)
def test_previous_digest_in_tokyo(now: datetime, at: datetime, period: str) -> None:
    run = previous_digest(now, "mon 09:00", TOKYO)
    assert run is not None
    assert (run.at, run.period) == (at, period)
    assert run.until == datetime.combine(at.astimezone(TOKYO).date(), time(0, 0), tzinfo=TOKYO)
    assert run.until - run.since == timedelta(days=7)  # seven whole local days


def test_the_week_covered_is_labelled_in_local_dates() -> None:
    run = previous_digest(utc(2026, 3, 2, 1, 0), "mon 09:00", TOKYO)
    assert run is not None and str(run.label) == "2026-W09 (2026-02-23 – 2026-03-01)"
    assert run.week == "2026-W09"  # the days it covers, not the day it is sent


def test_the_same_instant_is_another_day_in_utc_and_in_tokyo() -> None:
    now = utc(2026, 3, 1, 20, 0)  # Sunday 20:00 UTC = Monday 05:00 JST
    in_utc = previous_digest(now, "mon 09:00", UTC)
    in_tokyo = previous_digest(now, "mon 09:00", TOKYO)
    assert in_utc is not None and in_tokyo is not None
    assert in_utc.at == utc(2026, 2, 23, 9, 0)
    assert in_tokyo.at == utc(2026, 2, 23, 0, 0)
    assert next_digest(now, "mon 09:00", UTC) == utc(2026, 3, 2, 9, 0)
    assert next_digest(now, "mon 09:00", TOKYO) == utc(2026, 3, 2, 0, 0)


def test_next_digest_keeps_local_time_across_dst_in_berlin() -> None:
    # CET (+1) until Sunday 2026-03-29, CEST (+2) after: 09:00 local both Mondays
    assert next_digest(utc(2026, 3, 23, 8, 0), "mon 09:00", BERLIN) == utc(2026, 3, 30, 7, 0)
    assert next_digest(utc(2026, 3, 16, 9, 0), "mon 09:00", BERLIN) == utc(2026, 3, 23, 8, 0)
    # and back in October (2026-10-25): 09:00 CET is 08:00 UTC again
    assert next_digest(utc(2026, 10, 19, 7, 0), "mon 09:00", BERLIN) == utc(2026, 10, 26, 8, 0)


def test_a_digest_in_the_dst_gap_still_happens_once_that_day() -> None:
    # 02:30 does not exist in Berlin on 2026-03-29; the digest still comes that morning
    at = next_digest(utc(2026, 3, 28, 12, 0), "sun 02:30", BERLIN)
    assert at is not None and at.astimezone(BERLIN).date().isoformat() == "2026-03-29"
    run = previous_digest(at + timedelta(minutes=1), "sun 02:30", BERLIN)
    assert run is not None and run.at == at


def test_digest_off() -> None:
    assert previous_digest(utc(2026, 3, 2), "off", TOKYO) is None
    assert next_digest(utc(2026, 3, 2), "off", TOKYO) is None


def test_the_loop_waits_for_the_sooner_of_sweep_and_digest() -> None:
    now = utc(2026, 3, 1, 23, 58)
    assert wait_seconds(now, timedelta(minutes=5), utc(2026, 3, 2, 0, 0)) == 120
    assert wait_seconds(now, timedelta(minutes=5), None) == 300
    assert wait_seconds(now, timedelta(minutes=5), now - timedelta(seconds=1)) == 0


T0 = utc(2026, 3, 2, 1, 0)
DAY = timedelta(days=1)


def _t(state: str = "open", **kw: object) -> TicketTimes:
    base: dict[str, object] = {"id": 7, "state": state, "created_at": T0, "updated_at": T0}
    base.update(kw)
    return TicketTimes(**base)  # type: ignore[arg-type]


def test_stale_periods() -> None:
    t = _t(stale_after=timedelta(days=3))
    assert stale_period(t, T0 + timedelta(days=3) - timedelta(seconds=1)) is None
    first = stale_period(t, T0 + timedelta(days=3))
    assert first == f"7:{int(T0.timestamp())}:1"
    assert stale_period(t, T0 + timedelta(days=5, hours=23)) == first  # same period
    assert stale_period(t, T0 + timedelta(days=6)) == f"7:{int(T0.timestamp())}:2"
    touched = _t(stale_after=timedelta(days=3), updated_at=T0 + timedelta(days=4))
    assert (
        stale_period(touched, T0 + timedelta(days=7))
        == f"7:{int((T0 + timedelta(days=4)).timestamp())}:1"
    )  # a new period after a touch
    assert stale_period(_t("closed", stale_after=timedelta(days=3)), T0 + timedelta(9)) is None
    assert stale_period(_t(), T0 + timedelta(days=90)) is None  # no stale_after: never


def test_sla_marks_and_overdue_deadlines() -> None:
    t = _t("new", first_response=timedelta(hours=4), resolve=timedelta(days=2))
    soon = ScheduleSettings(due_soon=timedelta(days=1), due_soon_percent=100)  # absolute only
    assert sla_state(t, T0 + timedelta(hours=1), soon)[0] == SlaState.DUE_SOON
    state, deadline = sla_state(t, T0 + timedelta(hours=5), soon)
    assert state == SlaState.OVERDUE and deadline is not None
    assert (deadline.target, deadline.at) == ("first_response", T0 + timedelta(hours=4))
    assert [d.target for d in overdue(t, T0 + timedelta(days=3))] == ["first_response", "resolve"]
    answered = _t("open", first_response=timedelta(hours=4), resolve=timedelta(days=2))
    assert sla_state(answered, T0 + timedelta(hours=5), soon)[0] == SlaState.OK
    assert sla_state(answered, T0 + timedelta(days=1, hours=1), soon)[0] == SlaState.DUE_SOON
    assert (
        sla_state(_t("closed", resolve=timedelta(days=2)), T0 + timedelta(9), soon)[0]
        == SlaState.NONE
    )
    assert sla_state(_t(), T0 + timedelta(days=9), soon)[0] == SlaState.NONE
    agreed = _t("open", resolve=timedelta(days=2), due_at=T0 + timedelta(days=10))
    assert sla_state(agreed, T0 + timedelta(days=3), soon)[0] == SlaState.OK  # /due wins
    assert [d.at for d in overdue(agreed, T0 + timedelta(days=10))] == [T0 + timedelta(10)]


@pytest.mark.parametrize(
    ("first_response", "resolve", "elapsed", "state"),
    [
        # a 4h first response: due soon in its last hour (25 % of 4h), not from the start
        (timedelta(hours=4), None, timedelta(0), SlaState.OK),
        (timedelta(hours=4), None, timedelta(hours=2, minutes=59), SlaState.OK),
        (timedelta(hours=4), None, timedelta(hours=3), SlaState.DUE_SOON),
        (timedelta(minutes=30), None, timedelta(minutes=20), SlaState.OK),
        (timedelta(minutes=30), None, timedelta(minutes=23), SlaState.DUE_SOON),
        # a 2d resolve: its last 12 hours
        (None, timedelta(days=2), timedelta(days=1), SlaState.OK),
        (None, timedelta(days=2), timedelta(days=1, hours=12), SlaState.DUE_SOON),
        # a 10d resolve: the last day (due_soon), not the last 2.5 days
        (None, timedelta(days=10), timedelta(days=8), SlaState.OK),
        (None, timedelta(days=10), timedelta(days=9), SlaState.DUE_SOON),
        (None, timedelta(days=10), timedelta(days=10), SlaState.OVERDUE),
    ],
)
def test_due_soon_is_a_share_of_the_window_at_most_due_soon(
    first_response: timedelta | None, resolve: timedelta | None, elapsed: timedelta, state: SlaState
) -> None:
    t = _t("new", first_response=first_response, resolve=resolve)
    assert sla_state(t, T0 + elapsed, ScheduleSettings())[0] == state


def test_a_configured_due_soon_still_bounds_the_mark() -> None:
    short = ScheduleSettings(due_soon=timedelta(hours=2))
    long_ = _t("open", resolve=timedelta(days=10))
    assert sla_state(long_, T0 + timedelta(days=9, hours=21), short)[0] == SlaState.OK
    assert sla_state(long_, T0 + timedelta(days=9, hours=22), short)[0] == SlaState.DUE_SOON
    whole = ScheduleSettings(due_soon=timedelta(hours=4), due_soon_percent=100)
    fresh = _t("new", first_response=timedelta(hours=4))
    assert sla_state(fresh, T0, whole)[0] == SlaState.DUE_SOON  # 100 %: the absolute rule
    # a /due date's window runs from the ticket's creation, like the entry's targets
    agreed = _t("open", due_at=T0 + timedelta(hours=8))
    assert sla_state(agreed, T0 + timedelta(hours=5), ScheduleSettings())[0] == SlaState.OK
    assert sla_state(agreed, T0 + timedelta(hours=6), ScheduleSettings())[0] == SlaState.DUE_SOON


def test_pending_reminder_then_close() -> None:
    sched = ScheduleSettings(
        pending_reminder_after=timedelta(days=3), pending_close_after=timedelta(days=7)
    )
    t = _t("pending")
    assert pending_due(t, T0 + timedelta(days=2, hours=23), sched) is None
    remind = pending_due(t, T0 + timedelta(days=3), sched)
    assert remind is not None and remind.action == PendingAction.REMIND
    assert remind.close_in == timedelta(days=4)
    reminded = T0 + timedelta(days=3)  # the reminder went out then
    close = pending_due(t, T0 + timedelta(days=7), sched, reminded=reminded)
    assert close is not None and close.action == PendingAction.CLOSE
    assert close.key == remind.key
    assert pending_due(_t("open"), T0 + timedelta(days=30), sched) is None
    own = _t("pending", auto_close_after=timedelta(days=5))  # the entry's own time wins
    due = pending_due(own, T0 + timedelta(days=5), sched, reminded=reminded)
    assert due is not None and due.action == PendingAction.CLOSE


def test_a_close_overdue_before_any_reminder_reminds_first_and_gives_its_grace() -> None:
    """The sweep did not run for the whole reminder+close period (cron off, the daemon
    down a week): the requester is asked first, and closed only the reminder's own grace
    (close minus reminder: 4 days) after the reminder really went out."""
    sched = ScheduleSettings(
        pending_reminder_after=timedelta(days=3), pending_close_after=timedelta(days=7)
    )
    t, back = _t("pending"), T0 + timedelta(days=9)  # nothing ran for nine days
    late = pending_due(t, back, sched)
    assert late is not None and late.action == PendingAction.REMIND
    assert late.close_in == timedelta(days=4)  # what the mail says
    assert pending_due(t, back + timedelta(days=4, seconds=-1), sched, reminded=back) == replace(
        late, waiting=timedelta(days=13, seconds=-1), close_in=timedelta(seconds=1)
    )
    close = pending_due(t, back + timedelta(days=4), sched, reminded=back)
    assert close is not None and close.action == PendingAction.CLOSE
    # a reminder on time keeps the close on time; a reminder turned off waits for nothing
    on_time = pending_due(t, T0 + timedelta(days=7), sched, reminded=T0 + timedelta(days=3))
    assert on_time is not None and on_time.action == PendingAction.CLOSE
    off = pending_due(t, T0 + timedelta(days=7), sched, reminds=False)
    assert off is not None and off.action == PendingAction.CLOSE
    assert pending_due(t, T0 + timedelta(days=6), sched, reminds=False) is None
    # a close due before the reminder (the entry's own, shorter) closes without one
    short = pending_due(_t("pending", auto_close_after=DAY), T0 + 2 * DAY, sched)
    assert short is not None and short.action == PendingAction.CLOSE


def test_inventory_only_when_switched_on() -> None:
    off = ScheduleSettings()
    on = ScheduleSettings(inventory=True, inventory_after=timedelta(days=30))
    assert not inventory_due(_t(), T0 + timedelta(days=31), off)
    assert not inventory_due(_t(), T0 + timedelta(days=29), on)
    assert inventory_due(_t(), T0 + timedelta(days=30), on)
    assert not inventory_due(_t("closed"), T0 + timedelta(days=90), on)
