"""The digest calendar where the local clock jumps: a digest set for an hour that does
not exist (spring forward) or exists twice (fall back) that day comes exactly once, on
that day, in Berlin and in New York; and a clock set back a few minutes sends nothing
again. Pure: the loop's own decisions (``previous_digest``, ``next_digest``,
``wait_seconds``) walked through the days around each change."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from gateway.scheduling.rules import digest_due, next_digest, previous_digest, wait_seconds

BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")
SWEEP, HOURLY = timedelta(minutes=5), timedelta(hours=1)


def _walk(
    start: datetime, end: datetime, spec: str, tz: ZoneInfo, done: set[str]
) -> list[datetime]:
    """The instants the daemon's loop sends a digest at, between ``start`` and ``end``
    (the clock's UTC, as the daemon's): it wakes after ``wait_seconds`` each pass, as
    ``scheduler.loop`` does; ``done``: the periods sent before."""
    sent = []
    now = start.astimezone(UTC)
    while now < end:
        run = digest_due(now, spec, tz, done)
        if run is not None:
            done.add(run.period)
            sent.append(now)
        now += timedelta(seconds=wait_seconds(now, SWEEP, next_digest(now, spec, tz)) + 0.5)
    return sent


@pytest.mark.parametrize(
    ("tz", "day", "spec"),
    [
        (BERLIN, date(2026, 3, 29), "sun 02:30"),  # 02:00 → 03:00: 02:30 never happens
        (BERLIN, date(2026, 10, 25), "sun 02:30"),  # 03:00 → 02:00: 02:30 happens twice
        (NEW_YORK, date(2026, 3, 8), "sun 02:30"),  # 02:00 → 03:00
        (NEW_YORK, date(2026, 11, 1), "sun 01:30"),  # 02:00 → 01:00: 01:30 twice
        (NEW_YORK, date(2026, 11, 1), "sun 02:30"),  # once, an hour after the change
    ],
)
def test_a_digest_at_a_shifted_hour_comes_once_that_day(tz: ZoneInfo, day: date, spec: str) -> None:
    # a week before the day (its digest already sent) until a day after it
    start = datetime(day.year, day.month, day.day, 12, tzinfo=UTC) - timedelta(days=6)
    first = previous_digest(start, spec, tz)
    assert first is not None
    sent = _walk(first.at, start + timedelta(days=7), spec, tz, {first.period})
    assert len(sent) == 1, [str(s.astimezone(tz)) for s in sent]
    [at] = sent
    assert at.astimezone(tz).date() == day
    scheduled = previous_digest(at, spec, tz)
    assert scheduled is not None and timedelta(0) <= at - scheduled.at <= SWEEP
    # not before the hour asked for: 02:30 in the gap is read as 03:30 (the hour after),
    # a repeated 01:30 as its first occurrence
    local = at.astimezone(tz)
    assert (local.hour, local.minute) >= tuple(int(x) for x in spec.split()[1].split(":"))


@pytest.mark.parametrize("back", [timedelta(minutes=3), timedelta(minutes=10), timedelta(hours=1)])
@pytest.mark.parametrize("tz", [BERLIN, NEW_YORK])
def test_a_clock_set_back_sends_no_digest_again(tz: ZoneInfo, back: timedelta) -> None:
    at = next_digest(datetime(2026, 10, 20, tzinfo=UTC), "sun 02:30", tz)
    before = previous_digest(datetime(2026, 10, 20, tzinfo=UTC), "sun 02:30", tz)
    assert at is not None and before is not None
    done = {before.period}  # last week's, sent a week ago
    run = digest_due(at + timedelta(minutes=2), "sun 02:30", tz, done)
    assert run is not None
    done.add(run.period)
    for minutes in range(0, 180, 5):  # the clock set back, then running on from there
        now = at + timedelta(minutes=2) - back + timedelta(minutes=minutes)
        assert digest_due(now, "sun 02:30", tz, done) is None


@pytest.mark.parametrize(
    "tz", [NEW_YORK, BERLIN, ZoneInfo("Asia/Tokyo"), ZoneInfo("Australia/Lord_Howe")]
)
@pytest.mark.parametrize("spec", ["mon 09:00", "sun 01:30", "sun 02:30", "mon 00:00", "sat 23:45"])
@pytest.mark.parametrize("around", [date(2026, 3, 8), date(2026, 11, 1), date(2026, 4, 5)])
def test_one_digest_a_week_through_every_clock_change(
    tz: ZoneInfo, spec: str, around: date
) -> None:
    """Five weeks around a change of the clocks (New York's 2026-03-08 and 2026-11-01,
    Europe's and Lord Howe's half hour), the loop as the daemon runs it, with when the
    last one went out as the sweep reads it: one digest each week, seven local days
    apart at the hour asked for, each week named once, none skipped."""
    start = datetime(around.year, around.month, around.day, tzinfo=UTC) - timedelta(days=17)
    first = previous_digest(start, spec, tz)
    assert first is not None
    done, last, sent = {first.period}, first.at, []
    now = start
    while now < start + timedelta(days=35):
        run = digest_due(now, spec, tz, done, last)
        if run is not None:
            done.add(run.period)
            last = now
            sent.append((now, run))
        # passes an hour apart (a quick walk), and at each scheduled digest
        now += timedelta(seconds=wait_seconds(now, HOURLY, next_digest(now, spec, tz)) + 0.5)
    assert len(sent) == 5, [(str(a.astimezone(tz)), r.period) for a, r in sent]
    days = [a.astimezone(tz).date() for a, _ in sent]
    assert all(b - a == timedelta(days=7) for a, b in itertools.pairwise(days))
    assert len({r.period for _, r in sent}) == 5 and len({r.week for _, r in sent}) == 5
    for (_, one), (_, two) in itertools.pairwise(sent):
        assert one.until == two.since  # the covered days join, none twice or left out
