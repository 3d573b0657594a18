"""The stale reminder after the daemon was away: one catch-up, then the normal rhythm,
each reminder at least ``stale_after`` after the one before it really went out (as a
Zammad or RT user expects), and none fewer while the daemon runs as it should."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from gateway.config.settings import ScheduleSettings, Settings
from gateway.core.business_hours import Calendar, WorkingDays
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from gateway.scheduling import rules
from gateway.scheduling.rules import TicketTimes
from tests.support.pipeline import outbox
from tests.support.scheduling import make_app, open_ticket, scheduled_settings, tick_and_send

MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)


@pytest.fixture
def gw(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    app = make_app(scheduled_settings(settings, tmp_path, ScheduleSettings(digest="off")), clock)
    yield app
    app.close()


def _reminded_at(app: App, clock: FakeClock, after: timedelta) -> int:
    """The stale reminders queued so far, after ``after`` more and a pass."""
    clock.advance(after)
    tick_and_send(app)
    return len(outbox(app, "stale_reminder"))


def test_after_a_downtime_the_next_reminder_waits_stale_after_from_the_catch_up(
    gw: App, clock: FakeClock
) -> None:
    open_ticket(gw, "Purchase: a chair", key="down-1")  # stale_after 3d, ops2's
    assert _reminded_at(gw, clock, 10 * DAY) == 1  # down for 10 days: one catch-up
    # day 12 starts the untouched ticket's fourth period, two days after the catch-up
    assert _reminded_at(gw, clock, 2 * DAY) == 1
    assert _reminded_at(gw, clock, DAY - MINUTE) == 1
    assert _reminded_at(gw, clock, MINUTE) == 2  # three days after the catch-up
    assert _reminded_at(gw, clock, 3 * DAY - MINUTE) == 2
    assert _reminded_at(gw, clock, MINUTE) == 3  # and every three days from then on


def test_a_downtime_within_a_period_moves_the_next_reminder_too(gw: App, clock: FakeClock) -> None:
    open_ticket(gw, "Purchase: a desk", key="down-2")
    assert _reminded_at(gw, clock, 2 * DAY) == 0
    assert _reminded_at(gw, clock, DAY + 20 * HOUR) == 1  # down from day 2 to 3d 20h
    assert _reminded_at(gw, clock, 2 * DAY + 4 * HOUR) == 1  # day 6: 2d 4h after it
    assert _reminded_at(gw, clock, 20 * HOUR) == 2  # 3 days after the one sent


def test_on_time_passes_remind_every_period_without_drifting(gw: App, clock: FakeClock) -> None:
    open_ticket(gw, "Purchase: a lamp", key="down-3")
    # each pass comes a few minutes (less than a sweep interval) after its period began
    assert _reminded_at(gw, clock, 3 * DAY + 4 * MINUTE) == 1
    assert _reminded_at(gw, clock, 3 * DAY - 3 * MINUTE) == 2  # day 6 + 1 min
    assert _reminded_at(gw, clock, 3 * DAY + 3 * MINUTE) == 3  # day 9 + 4 min
    assert _reminded_at(gw, clock, 3 * DAY - 4 * MINUTE) == 4  # day 12


JST = ZoneInfo("Asia/Tokyo")
OFFICE = Calendar("Asia/Tokyo", (((9 * 60, 17 * 60),),) * 5 + ((), ()))


def _untouched_since_monday() -> TicketTimes:
    monday = datetime(2026, 12, 7, 10, 0, tzinfo=JST)
    return TicketTimes(
        id=7, state="open", created_at=monday, updated_at=monday,
        stale_after=WorkingDays(1), hours=OFFICE,
    )  # fmt: skip


def test_working_days_after_a_catch_up_count_from_it() -> None:
    t = _untouched_since_monday()
    thursday = datetime(2026, 12, 10, 12, 0, tzinfo=JST)  # back after Tuesday and Wednesday
    caught_up = rules.stale_due(t, thursday, None, 5 * MINUTE)
    assert caught_up is not None
    last = (caught_up, thursday)
    # Friday 10:00 begins the next working day of the untouched ticket: a day's work
    # after the catch-up is Friday 12:00
    assert rules.stale_due(t, datetime(2026, 12, 11, 11, 59, tzinfo=JST), last, 5 * MINUTE) is None
    again = rules.stale_due(t, datetime(2026, 12, 11, 12, 0, tzinfo=JST), last, 5 * MINUTE)
    assert again is not None and again != caught_up


def test_working_days_on_time_keep_their_periods() -> None:
    t = _untouched_since_monday()
    tuesday = datetime(2026, 12, 8, 10, 3, tzinfo=JST)  # a pass three minutes in
    first = rules.stale_due(t, tuesday, None, 5 * MINUTE)
    assert first is not None
    wednesday = datetime(2026, 12, 9, 10, 0, tzinfo=JST)
    assert rules.stale_due(t, wednesday, (first, tuesday), 5 * MINUTE) not in (None, first)
