"""The scheduler restarted with another ``[gateway] timezone``, and with a member taken
out of ``[[members]]``, against a real database: one digest a week whichever zone
names the week, and the tickets of a member who left still reach someone."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from gateway.config.settings import ScheduleSettings, Settings
from gateway.core.clock import FakeClock
from gateway.scheduling import scheduler
from gateway.scheduling.rules import Job, next_digest, previous_digest
from store import jobs
from store.db import transaction
from tests.support.pipeline import outbox, text_of
from tests.support.scheduling import CATALOG, make_app, open_ticket, scheduled_settings

HOUR, DAY = timedelta(hours=1), timedelta(days=1)


def _in_zone(settings: Settings, zone: str) -> Settings:
    return replace(settings, gateway=replace(settings.gateway, timezone=zone))


@pytest.mark.parametrize(
    ("before", "after"),
    [("Asia/Tokyo", "America/Los_Angeles"), ("America/Los_Angeles", "Asia/Tokyo")],
)
def test_a_new_timezone_between_runs_keeps_one_digest_a_week(
    settings: Settings, tmp_path: Path, clock: FakeClock, before: str, after: str
) -> None:
    base = scheduled_settings(settings, tmp_path)  # digest mon 09:00
    first = make_app(_in_zone(base, before), clock)
    try:
        open_ticket(first, "Purchase: cables", key="tz-1")
        for _ in range(2 * 24):  # two days of passes, an hour apart, in the old zone
            scheduler.tick(first)
            clock.advance(HOUR)
    finally:
        first.close()
    second = make_app(_in_zone(base, after), clock)  # restarted in the new zone
    try:
        for _ in range(3 * 7 * 24):  # three more weeks, an hour apart
            scheduler.tick(second)
            clock.advance(HOUR)
        with transaction(second.sessions) as s:
            periods = [r.period for r in jobs.runs(s, Job.DIGEST)]
        digests = [r.idempotency_key for r in outbox(second, "weekly_digest")]
    finally:
        second.close()
    assert len(periods) == len(set(periods))  # never a week twice
    assert len(digests) == len(set(digests)) == len(periods)
    # the weeks follow each other: none skipped by the change
    weeks = sorted(int(p.split("-W")[1]) for p in periods)
    assert weeks == list(range(weeks[0], weeks[0] + len(weeks)))


def test_a_member_who_left_gets_no_mail_and_the_manager_sees_their_tickets(
    settings: Settings, tmp_path: Path, clock: FakeClock
) -> None:
    gone = "ops2@example.test"  # the purchase entry's assignee, until they leave
    before = make_app(scheduled_settings(settings, tmp_path), clock)
    try:
        tid = open_ticket(before, "Purchase: a monitor", key="gone-1")
        earlier = len(outbox(before))  # the new-ticket notice ops2 got while a member
    finally:
        before.close()
    # new tickets go to ops now, and the entry got a manager to answer for the old ones
    catalog = CATALOG.replace(
        f"assignee: {gone}", "assignee: ops@example.test\n    manager: boss@example.test"
    )
    base = scheduled_settings(settings, tmp_path, catalog=catalog)
    app = make_app(replace(base, members=tuple(m for m in base.members if m.email != gone)), clock)
    try:
        clock.advance(7 * DAY + 10 * HOUR)  # stale (3d), and a week for the digest
        for _ in range(3):
            scheduler.tick(app)
            clock.advance(HOUR)
        sent = outbox(app)[earlier:]
        assert sent and all(gone not in r.recipients for r in sent)
        [summary] = outbox(app, "weekly_summary")
        assert summary.recipients == ["boss@example.test"]
        assert f"[#{tid}]" in text_of(summary)
        # the stale reminder goes to whoever answers for the entry now: its manager
        [stale] = outbox(app, "stale_reminder")
        assert stale.recipients == ["boss@example.test"] and f"[#{tid}]" in text_of(stale)
        assert "3 日以上" in text_of(stale)  # in the manager's language (ja)
    finally:
        app.close()


@pytest.mark.parametrize(
    ("zone", "start"),
    [
        ("Europe/Berlin", datetime(2026, 10, 24, 22, 0, tzinfo=UTC)),  # 02:30 twice
        ("America/New_York", datetime(2026, 3, 8, 4, 0, tzinfo=UTC)),  # 02:30 never
    ],
)
def test_a_digest_in_a_shifted_hour_is_mailed_once(
    settings: Settings, tmp_path: Path, zone: str, start: datetime
) -> None:
    """The daemon's passes every five minutes through the night the clocks change, a
    digest set for 02:30: one digest per member that night, none again the next day."""
    clock = FakeClock(start)
    schedule = ScheduleSettings(digest="sun 02:30")
    app = make_app(_in_zone(scheduled_settings(settings, tmp_path, schedule), zone), clock)
    try:
        open_ticket(app, "Purchase: cables", key="dst-1")
        with transaction(app.sessions) as s:  # the week before was mailed already
            run = previous_digest(start, "sun 02:30", ZoneInfo(zone))
            assert run is not None and jobs.claim(s, Job.DIGEST, run.period, start)
        for _ in range(12 * 6):  # six hours of passes
            scheduler.tick(app)
            clock.advance(timedelta(minutes=5))
        [mailed] = outbox(app, "weekly_digest")
        assert mailed.recipients == ["ops2@example.test"]
        clock.advance(DAY)
        scheduler.tick(app)
        assert len(outbox(app, "weekly_digest")) == 1
    finally:
        app.close()


@pytest.mark.parametrize(
    ("zone", "spec", "due"),
    [
        # 02:30 never happens on 2026-03-08 in New York: the digest goes as the clocks
        # jump to 03:00 EDT (07:00 UTC), not half an hour later
        ("America/New_York", "sun 02:30", datetime(2026, 3, 8, 7, 0, tzinfo=UTC)),
        ("Europe/Berlin", "sun 02:15", datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
        # the hour said twice in autumn: the first time
        ("Europe/Berlin", "sun 02:30", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        ("Asia/Tokyo", "sun 02:30", datetime(2026, 3, 7, 17, 30, tzinfo=UTC)),  # no DST
    ],
)
def test_a_digest_time_the_clocks_skip_is_due_as_they_jump(
    zone: str, spec: str, due: datetime
) -> None:
    tz = ZoneInfo(zone)
    assert next_digest(due - timedelta(seconds=1), spec, tz) == due
    run = previous_digest(due, spec, tz)
    assert run is not None and run.at == due
    before = previous_digest(due - timedelta(seconds=1), spec, tz)
    assert before is not None and before.period != run.period
