"""``pending_reminder_after`` / ``pending_close_after`` in working days (``"2bd"``) for a
team with ``[business_hours]``: counted over its working days, not over nights, weekends
and holidays; ``"3d"`` stays 72 real hours. Pure rules, the config that reads the unit
(and refuses it without a calendar, naming the key and the file), and a sweep against a
real database over a weekend."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from gateway.config.settings import ScheduleSettings, Settings
from gateway.core import business_hours
from gateway.core.business_hours import Calendar, WorkingDays, working_days_after
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.runtime.app import App
from gateway.scheduling import scheduler
from gateway.scheduling.rules import PendingAction, TicketTimes, pending_due
from tests.support.config import LOCAL, config_error, load_toml
from tests.support.pipeline import outbox
from tests.support.scheduling import make_app, open_ticket, scheduled_settings

TOKYO = ZoneInfo("Asia/Tokyo")
HOUR, DAY = timedelta(hours=1), timedelta(days=1)
NINE_SIX = ((9 * 60, 18 * 60),)
# weekdays 9–18 in Tokyo; Monday 2026-03-09 is a holiday
JP = Calendar("Asia/Tokyo", (NINE_SIX,) * 5 + ((), ()), frozenset({date(2026, 3, 9)}))
HOURS = '[business_hours]\nmon = "09:00-18:00"\ntue = "09:00-18:00"\nwed = "09:00-18:00"\n'
HOURS += 'thu = "09:00-18:00"\nfri = "09:00-18:00"\n'


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=TOKYO)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (jst(2026, 3, 3, 15, 0), 1, jst(2026, 3, 4, 15, 0)),  # Tuesday: Wednesday
        (jst(2026, 3, 5, 15, 0), 2, jst(2026, 3, 10, 15, 0)),  # Thu: Fri, (holiday) Tue
        (jst(2026, 3, 6, 20, 0), 1, jst(2026, 3, 10, 20, 0)),  # Friday evening: Tuesday
        (jst(2026, 3, 7, 10, 0), 1, jst(2026, 3, 10, 10, 0)),  # asked on Saturday: Tuesday
        (jst(2026, 3, 2, 9, 0), 5, jst(2026, 3, 10, 9, 0)),  # a week of five, one a holiday
    ],
)
def test_working_days_skip_weekends_and_holidays(start: datetime, days: int, due: datetime) -> None:
    assert working_days_after(JP, start, days) == due


def _pending(at: datetime, hours: Calendar | None = JP) -> TicketTimes:
    return TicketTimes(1, "pending", at, at, hours=hours, schedule_hours=hours)  # one calendar


def test_a_reminder_in_working_days_waits_over_the_weekend() -> None:
    sched = ScheduleSettings(
        pending_reminder_after=WorkingDays(2), pending_close_after=WorkingDays(5)
    )
    asked = jst(2026, 3, 5, 15, 0)  # Thursday
    t = _pending(asked)
    assert pending_due(t, jst(2026, 3, 8, 15, 0), sched) is None  # 72h later: Sunday
    assert pending_due(t, jst(2026, 3, 10, 14, 59), sched) is None
    remind = pending_due(t, jst(2026, 3, 10, 15, 0), sched)  # Tuesday
    assert remind is not None and remind.action == PendingAction.REMIND
    assert remind.close_in == jst(2026, 3, 13, 15, 0) - jst(2026, 3, 10, 15, 0)
    reminded = jst(2026, 3, 10, 15, 0)  # the reminder went out then
    assert pending_due(t, jst(2026, 3, 13, 14, 59), sched, reminded=reminded) == replace(
        remind, waiting=jst(2026, 3, 13, 14, 59) - asked, close_in=timedelta(minutes=1)
    )
    close = pending_due(t, jst(2026, 3, 13, 15, 0), sched, reminded=reminded)  # Fri … Fri
    assert close is not None and close.action == PendingAction.CLOSE


def test_calendar_days_stay_real_hours_with_business_hours() -> None:
    sched = ScheduleSettings(pending_reminder_after=3 * DAY, pending_close_after=7 * DAY)
    asked = jst(2026, 3, 5, 15, 0)
    remind = pending_due(_pending(asked), asked + 3 * DAY, sched)  # Sunday, as it says
    assert remind is not None and remind.action == PendingAction.REMIND


def test_the_config_reads_working_days(tmp_path: Path) -> None:
    s = load_toml(
        tmp_path,
        LOCAL,
        '[schedule]\npending_reminder_after = "2bd"\npending_close_after = "5 BD"\n',
        HOURS,
    )
    assert s.schedule.pending_reminder_after == WorkingDays(2)
    assert s.schedule.pending_close_after == WorkingDays(5)
    plain = load_toml(tmp_path, LOCAL, '[schedule]\npending_reminder_after = "3d"\n', HOURS)
    assert plain.schedule.pending_reminder_after == 3 * DAY


@pytest.mark.parametrize(
    ("schedule", "hours", "key", "said"),
    [
        ('pending_reminder_after = "2bd"', "", "schedule.pending_reminder_after", "business_hours"),
        ('pending_close_after = "9bd"', "", "schedule.pending_close_after", "business_hours"),
        ('pending_reminder_after = "0bd"', HOURS, "schedule.pending_reminder_after", "0"),
        (
            'pending_reminder_after = "3 business days"',
            HOURS,
            "schedule.pending_reminder_after",
            "3bd",
        ),
        (
            'pending_reminder_after = "5bd"\npending_close_after = "5bd"',
            HOURS,
            "schedule.pending_close_after",
            "pending_reminder_after",
        ),
    ],
)
def test_bad_working_days_name_the_key_and_the_file(
    tmp_path: Path, schedule: str, hours: str, key: str, said: str
) -> None:
    err = config_error(tmp_path, LOCAL, f"[schedule]\n{schedule}\n", hours)
    assert err.key == key and err.path == str(tmp_path / "gateway.toml")
    assert said in err.problem


@pytest.fixture
def gw(settings: Settings, tmp_path: Path) -> Iterator[tuple[App, FakeClock]]:
    clock = FakeClock(jst(2026, 3, 6, 16, 0))  # Friday 16:00 in Tokyo
    schedule = ScheduleSettings(
        digest="off", pending_reminder_after=WorkingDays(1), pending_close_after=WorkingDays(3)
    )
    site = replace(scheduled_settings(settings, tmp_path, schedule), business_hours=JP)
    app = make_app(site, clock)
    yield app, clock
    app.close()


def test_the_sweep_reminds_on_the_next_working_day(gw: tuple[App, FakeClock]) -> None:
    app, clock = gw
    open_ticket(app, "Purchase: cables", key="bd-1", state=TicketState.PENDING)
    for _ in range(3 * 24 // 4):  # Friday 16:00 to Monday 16:00 (a holiday), every 4h
        clock.advance(4 * HOUR)
        scheduler.tick(app)
    assert outbox(app, "pending_reminder") == []  # 1d would have reminded on Saturday
    clock.advance(DAY)  # Tuesday 16:00: the next working day
    scheduler.tick(app)
    assert len(outbox(app, "pending_reminder")) == 1


def test_the_longest_waits_in_working_days_cost_a_pass_little_after_the_first() -> None:
    """The catalog takes waits up to ten years of working days (2600bd). Each pass asks
    every pending ticket's reminder and close again; walking ten years of days for each
    of them on every pass made a site's sweep seconds long. Asked again, they are known."""
    sched = ScheduleSettings(
        pending_reminder_after=WorkingDays(2599), pending_close_after=WorkingDays(2600)
    )
    now = jst(2026, 3, 6, 16, 0)
    times = [
        TicketTimes(
            id=n,
            state="pending",
            created_at=now - timedelta(hours=n),
            updated_at=now - timedelta(hours=n),
            stale_after=WorkingDays(2600),
            auto_close_after=WorkingDays(2600),
            hours=JP,
            schedule_hours=JP,
        )
        for n in range(150)
    ]
    first = [pending_due(t, now, sched) for t in times]
    walked = business_hours._days_after.cache_info().misses
    again = [pending_due(t, now + timedelta(minutes=5), sched) for t in times]
    # counted, not timed: the second pass walks no day again (it took some 0.6 s)
    assert business_hours._days_after.cache_info().misses == walked
    assert first == again == [None] * len(times)
