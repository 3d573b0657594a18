"""``[schedule] digest`` changed mid-week, against a real database and a fake clock: the
next digest follows from the last one sent, so the change neither skips a week (the
new day's digest later in the same ISO week used to find that week claimed) nor sends
two digests in one day."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from gateway.config.settings import ScheduleSettings, Settings
from gateway.core.clock import FakeClock
from gateway.scheduling import scheduler
from gateway.scheduling.rules import Job
from store import jobs
from store.db import transaction
from tests.support.pipeline import outbox
from tests.support.scheduling import make_app, open_ticket, scheduled_settings

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
PASS = 6 * HOUR  # how often the scheduler passes here (the daemon: every 5 minutes)
TOKYO = ZoneInfo("Asia/Tokyo")  # the test settings' zone


def _sent_days(
    settings: Settings, clock: FakeClock, specs: list[tuple[str, timedelta]]
) -> list[date]:
    """Run the scheduler every PASS with each ``(digest spec, how long)`` in turn, restarting
    the daemon with the new spec as an admin does; the local days digests went out."""
    for spec, length in specs:
        app = make_app(replace(settings, schedule=ScheduleSettings(digest=spec)), clock)
        try:
            for _ in range(int(length / PASS)):
                scheduler.tick(app)
                clock.advance(PASS)
        finally:
            app.close()
    app = make_app(settings, clock)
    try:
        with transaction(app.sessions) as s:
            runs = jobs.runs(s, Job.DIGEST)
            days = [r.ran_at.replace(tzinfo=UTC).astimezone(TOKYO).date() for r in runs]
        assert len(outbox(app, "weekly_digest")) == len(days)  # one mail per run (ops2's)
    finally:
        app.close()
    return days


@pytest.mark.parametrize(
    ("before", "after", "change_after", "expected"),
    [
        # Monday's digest went out, then the day became Friday on Wednesday: that very
        # Friday's (same ISO week) comes, not the next one's, eleven days later
        ("mon 09:00", "fri 09:00", 2 * DAY, ["03-02", "03-06", "03-13", "03-20"]),
        # Monday's went out, then Sunday on Tuesday: the coming Sunday, not in 13 days
        ("mon 09:00", "sun 09:00", DAY, ["03-02", "03-08", "03-15", "03-22"]),
        # Friday's went out, then Monday on Tuesday: the Monday just passed was never
        # mailed, so it goes at once (as a digest missed while down), then Mondays
        ("fri 09:00", "mon 09:00", 8 * DAY, ["03-02", "03-06", "03-10", "03-16", "03-23"]),
        # a later time the same day, after that day's went out: not a second that day
        ("mon 09:00", "mon 17:00", PASS, ["03-02", "03-09", "03-16", "03-23"]),
        # a fresh site started on a Monday at 10:00 with "mon 17:00": today's at 17:00,
        # not last week's at once and today's after it
        ("mon 17:00", "mon 17:00", PASS, ["03-02", "03-09", "03-16", "03-23"]),
    ],
)
def test_a_new_digest_day_skips_no_week_and_doubles_no_day(
    settings: Settings,
    tmp_path: Path,
    clock: FakeClock,
    before: str,
    after: str,
    change_after: timedelta,
    expected: list[str],
) -> None:
    base = scheduled_settings(settings, tmp_path)
    app = make_app(base, clock)  # Monday 2026-03-02 10:00 JST
    try:
        open_ticket(app, "Purchase: cables", key="wd-1")  # ops2 has a digest each week
    finally:
        app.close()
    end = datetime(2026, 3, 24, 4, 0, tzinfo=TOKYO)  # past the last 17:00 digest
    rest = end - clock.now() - change_after
    days = _sent_days(base, clock, [(before, change_after), (after, rest)])
    assert [d.strftime("%m-%d") for d in days] == expected
    assert len(days) == len(set(days))  # never two in a day
