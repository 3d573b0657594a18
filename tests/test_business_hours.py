"""Business time (gateway.core.business_hours): a table of known answers (weekends,
holidays, lunch breaks, ranges to 24:00, DST in Berlin and New York), then properties
over random instants and durations: adding d then measuring gives d back, adding is
monotonic and additive, a deadline never falls in closed time. Pure, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gateway.core.business_hours import HORIZON_DAYS, Calendar, add, between
from tests.support.cpu import cpu_within

TOKYO, BERLIN, NEW_YORK = (
    ZoneInfo("Asia/Tokyo"),
    ZoneInfo("Europe/Berlin"),
    ZoneInfo("America/New_York"),
)
H, M = timedelta(hours=1), timedelta(minutes=1)
NINE_SIX = ((9 * 60, 18 * 60),)
LUNCH = ((9 * 60, 12 * 60), (13 * 60, 18 * 60))
ALL_DAY = ((0, 24 * 60),)

# A Japanese team: 9:00–18:00 Monday to Friday, the year-end days and New Year off.
JP = Calendar(
    "Asia/Tokyo",
    (NINE_SIX,) * 5 + ((), ()),
    frozenset({date(2026, 12, 31), date(2027, 1, 1), date(2027, 1, 11)}),
)
JP_LUNCH = Calendar("Asia/Tokyo", (LUNCH,) * 5 + ((), ()))
# Every hour of every day: business time is the wall clock, across DST too.
BERLIN_ALWAYS = Calendar("Europe/Berlin", (ALL_DAY,) * 7)
# Only Sundays, whole days (to 24:00): the DST Sundays are 23 and 25 hours long.
BERLIN_SUNDAYS = Calendar("Europe/Berlin", ((),) * 6 + (ALL_DAY,))
# Evenings to midnight and early mornings, around the US fall-back night (1:00–2:00 twice).
NY_NIGHTS = Calendar("America/New_York", (((0, 180), (22 * 60, 24 * 60)),) * 7)


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=TOKYO)  # type: ignore[misc]


def cet(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("cal", "start", "duration", "due"),
    [
        # Friday 17:55 with a 4h first response: 5 minutes on Friday, the rest on Monday
        (JP, jst(2026, 12, 4, 17, 55), 4 * H, jst(2026, 12, 7, 12, 55)),
        (JP, jst(2026, 12, 4, 9, 0), 9 * H, jst(2026, 12, 4, 18, 0)),  # ends as the day closes
        (JP, jst(2026, 12, 4, 18, 0), 1 * M, jst(2026, 12, 7, 9, 1)),  # closed: Monday
        (JP, jst(2026, 12, 5, 10, 0), 1 * H, jst(2026, 12, 7, 10, 0)),  # Saturday: Monday
        (JP, jst(2026, 12, 7, 7, 0), 1 * H, jst(2026, 12, 7, 10, 0)),  # before opening
        (JP, jst(2026, 12, 7, 23, 0), 1 * H, jst(2026, 12, 8, 10, 0)),  # after closing
        (JP, jst(2026, 12, 4, 17, 55), timedelta(0), jst(2026, 12, 4, 17, 55)),  # zero
        (JP, jst(2026, 12, 4, 12, 0), timedelta(days=2), jst(2026, 12, 11, 15, 0)),  # 48h = 5⅓ d
        # 12-31 and 01-01 are holidays: Wednesday 17:00 + 2h is Monday 10:00
        (JP, jst(2026, 12, 30, 17, 0), 2 * H, jst(2027, 1, 4, 10, 0)),
        (JP, jst(2027, 1, 8, 17, 0), 2 * H, jst(2027, 1, 12, 10, 0)),  # a Monday holiday
        (JP_LUNCH, jst(2026, 12, 7, 11, 30), 1 * H, jst(2026, 12, 7, 13, 30)),  # lunch skipped
        (JP_LUNCH, jst(2026, 12, 7, 12, 30), 1 * H, jst(2026, 12, 7, 14, 0)),  # asked at lunch
        (JP_LUNCH, jst(2026, 12, 7, 9, 0), 3 * H, jst(2026, 12, 7, 12, 0)),  # the break's start
        # another zone in, the team's zone out: 08:55 UTC Friday is 17:55 JST
        (JP, datetime(2026, 12, 4, 8, 55, tzinfo=UTC), 4 * H, jst(2026, 12, 7, 12, 55)),
        # whole Sundays in Berlin: the spring one has 23 hours, the autumn one 25
        (BERLIN_SUNDAYS, cet(2026, 3, 29, 0, 0), 23 * H, cet(2026, 3, 30, 0, 0)),
        (BERLIN_SUNDAYS, cet(2026, 3, 29, 0, 0), 24 * H, cet(2026, 4, 5, 1, 0)),
        (BERLIN_SUNDAYS, cet(2026, 10, 25, 0, 0), 25 * H, cet(2026, 10, 26, 0, 0)),
        # Saturday noon + 3h: Sunday 02:00 the second time round (01:00 UTC, CET)
        (BERLIN_SUNDAYS, cet(2026, 10, 24, 12, 0), 3 * H, datetime(2026, 10, 25, 1, 0, tzinfo=UTC)),
        # 24/7: the wall clock, across the spring change
        (BERLIN_ALWAYS, cet(2026, 3, 28, 23, 0), 5 * H, cet(2026, 3, 29, 5, 0)),
        # New York's fall-back night: 00:00–03:00 on 2026-11-01 is four real hours
        (
            NY_NIGHTS,
            datetime(2026, 11, 1, 0, 0, tzinfo=NEW_YORK),
            4 * H,
            datetime(2026, 11, 1, 3, 0, tzinfo=NEW_YORK),
        ),
        # a range to 24:00 that is still open at midnight carries into the next day's early
        # range: 23:30 + 1h is 00:30 (the two meet at midnight)
        (
            NY_NIGHTS,
            datetime(2026, 6, 1, 23, 30, tzinfo=NEW_YORK),
            1 * H,
            datetime(2026, 6, 2, 0, 30, tzinfo=NEW_YORK),
        ),
    ],
)
def test_add_known_answers(
    cal: Calendar, start: datetime, duration: timedelta, due: datetime
) -> None:
    got = add(cal, start, duration)
    assert got == due.astimezone(UTC), (got.astimezone(due.tzinfo), due)
    assert between(cal, start, got) == duration


@pytest.mark.parametrize(
    ("cal", "since", "until", "worked"),
    [
        (JP, jst(2026, 12, 4, 17, 0), jst(2026, 12, 7, 10, 0), 2 * H),  # over a weekend
        (JP, jst(2026, 12, 5, 0, 0), jst(2026, 12, 6, 23, 59), timedelta(0)),  # all weekend
        (JP, jst(2026, 12, 7, 0, 0), jst(2026, 12, 14, 0, 0), 45 * H),  # a whole week
        (JP, jst(2026, 12, 28, 0, 0), jst(2027, 1, 4, 0, 0), 27 * H),  # with two holidays
        (JP_LUNCH, jst(2026, 12, 7, 11, 0), jst(2026, 12, 7, 14, 0), 2 * H),  # lunch not counted
        (JP, jst(2026, 12, 7, 10, 0), jst(2026, 12, 7, 10, 0), timedelta(0)),
        (JP, jst(2026, 12, 7, 11, 0), jst(2026, 12, 7, 10, 0), -1 * H),  # backwards: negative
        (BERLIN_SUNDAYS, cet(2026, 3, 28, 0, 0), cet(2026, 3, 31, 0, 0), 23 * H),
        (BERLIN_SUNDAYS, cet(2026, 10, 24, 0, 0), cet(2026, 10, 27, 0, 0), 25 * H),
        (
            NY_NIGHTS,
            datetime(2026, 11, 1, 0, 0, tzinfo=NEW_YORK),
            datetime(2026, 11, 1, 12, 0, tzinfo=NEW_YORK),
            4 * H,
        ),
        # naive times are UTC, as the store keeps them: 00:00–03:00 UTC is 09:00–12:00 JST
        (JP, datetime(2026, 12, 7, 0, 0), datetime(2026, 12, 7, 3, 0), 3 * H),
    ],
)
def test_between_known_answers(
    cal: Calendar, since: datetime, until: datetime, worked: timedelta
) -> None:
    assert between(cal, since, until) == worked


def test_naive_in_naive_out_aware_in_utc_out() -> None:
    naive = add(JP, datetime(2026, 12, 4, 8, 55), 4 * H)
    assert naive == datetime(2026, 12, 7, 3, 55) and naive.tzinfo is None
    aware = add(JP, jst(2026, 12, 4, 17, 55), 4 * H)
    assert aware.tzinfo is UTC and aware.astimezone(TOKYO).hour == 12


@pytest.mark.parametrize(
    "week",
    [
        ((),) * 7,  # no working time at all: a walk would never end
        (NINE_SIX,) * 6,  # six days
        (((600, 540),),) + ((),) * 6,  # ends before it starts
        (((540, 600), (590, 700)),) + ((),) * 6,  # overlapping
        (((540, 1441),),) + ((),) * 6,  # past 24:00
    ],
)
def test_a_calendar_that_cannot_work_is_refused(
    week: tuple[tuple[tuple[int, int], ...], ...],
) -> None:
    with pytest.raises(ValueError):
        Calendar("Asia/Tokyo", week)


def test_absurd_durations_end_at_the_horizon_quickly() -> None:
    """A thousand years of business time does not loop for thousands of years of days:
    past the horizon the rest is wall-clock time, and measuring counts it the same way.
    CPU seconds (a loaded machine stretches wall time alone): 0.03 s measured; a walk
    without the horizon takes 12 s there and back (a century of days, 1.3 s, was under
    the 5 s this bound once was)."""
    start = jst(2026, 12, 4, 17, 55)
    starts = iter([start, start + timedelta(minutes=1), start + timedelta(minutes=2)])
    millennium = timedelta(days=365_000)

    def there_and_back() -> tuple[datetime, datetime]:
        begin = next(starts)  # another start each run: the walks' cache does not answer
        due = add(JP, begin, millennium)
        assert between(JP, begin, due) == millennium
        return begin, due

    begin, due = cpu_within(0.5, there_and_back)
    assert due > begin + timedelta(days=HORIZON_DAYS)


# ---------------------------------------------------------------- properties

CALENDARS = st.sampled_from([JP, JP_LUNCH, BERLIN_ALWAYS, BERLIN_SUNDAYS, NY_NIGHTS])
# whole minutes from 2026 to the end of 2027 (two DST seasons), as UTC instants
STARTS = st.integers(0, 2 * 365 * 24 * 60).map(
    lambda m: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=m)
)
DURATIONS = st.integers(0, 300 * 60).map(lambda m: timedelta(minutes=m))  # up to 300 hours


@settings(max_examples=300, deadline=None)
@given(CALENDARS, STARTS, DURATIONS)
def test_adding_then_measuring_gives_the_duration_back(
    cal: Calendar, start: datetime, d: timedelta
) -> None:
    due = add(cal, start, d)
    assert due >= start
    assert between(cal, start, due) == d
    assert between(cal, due, start) == -d
    if d:  # the last minute before a deadline is working time: never due in closed time
        assert between(cal, due - M, due) == M


@settings(max_examples=200, deadline=None)
@given(CALENDARS, STARTS, DURATIONS, DURATIONS)
def test_adding_is_monotonic_and_additive(
    cal: Calendar, start: datetime, d1: timedelta, d2: timedelta
) -> None:
    low, high = sorted((d1, d2))
    assert add(cal, start, low) <= add(cal, start, high)
    assert add(cal, add(cal, start, d1), d2) == add(cal, start, d1 + d2)
    later = start + d2
    assert add(cal, start, d1) <= add(cal, later, d1)  # a later start is never due sooner


@settings(max_examples=200, deadline=None)
@given(CALENDARS, STARTS, STARTS, STARTS)
def test_measuring_adds_up_and_never_exceeds_the_wall_clock(
    cal: Calendar, a: datetime, b: datetime, c: datetime
) -> None:
    a, b, c = sorted((a, b, c))
    assert between(cal, a, b) + between(cal, b, c) == between(cal, a, c)
    assert timedelta(0) <= between(cal, a, c) <= c - a


@settings(max_examples=100, deadline=None)
@given(STARTS, DURATIONS)
def test_around_the_clock_is_the_wall_clock(start: datetime, d: timedelta) -> None:
    assert add(BERLIN_ALWAYS, start, d) == start + d


# ---------------------------------------------------------------- a range's end in the gap

# A night shift whose hours begin and end at 02:30: on the spring-forward night the clocks
# jump from 02:00 to 03:00, so 02:30 never happens. The range stops (or starts) as the
# clocks jump, never half an hour past it on a wall clock that reads 03:30.
NY_GAP = Calendar("America/New_York", (((0, 150), (240, 360)),) * 7)  # 00:00–02:30, 04:00–06:00
NY_FROM_GAP = Calendar("America/New_York", (((150, 360),),) * 7)  # 02:30–06:00


def nyc(*args: int) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("cal", "start", "duration", "due"),
    [
        # 00:00 EST … the jump is all of the first range that night: two real hours, and
        # a deadline that uses them up falls as it closes (the clocks then read 03:00)
        (NY_GAP, nyc(2026, 3, 8, 0, 0), 2 * H, nyc(2026, 3, 8, 3, 0)),
        (NY_GAP, nyc(2026, 3, 8, 0, 0), 2 * H + 15 * M, nyc(2026, 3, 8, 4, 15)),
        # the shift that "starts at 02:30" starts when the clocks read 03:00
        (NY_FROM_GAP, nyc(2026, 3, 8, 0, 0), 10 * M, nyc(2026, 3, 8, 3, 10)),
        (NY_FROM_GAP, nyc(2026, 3, 8, 0, 0), 3 * H, nyc(2026, 3, 8, 6, 0)),
        # any other night: the whole ranges
        (NY_GAP, nyc(2026, 3, 9, 0, 0), 2 * H + 15 * M, nyc(2026, 3, 9, 2, 15)),
        (NY_FROM_GAP, nyc(2026, 3, 9, 0, 0), 10 * M, nyc(2026, 3, 9, 2, 40)),
    ],
)
def test_a_range_that_ends_or_starts_in_the_gap_stops_as_the_clocks_jump(
    cal: Calendar, start: datetime, duration: timedelta, due: datetime
) -> None:
    got = add(cal, start, duration)
    assert got == due.astimezone(UTC), (got.astimezone(NEW_YORK), due)
    assert between(cal, start, got) == duration


def _on_the_wall(cal: Calendar, at: datetime) -> bool:
    """Whether the team's clocks at ``at`` read a time inside one of its ranges (the
    range it ends, for an instant that closes one: a deadline may be its last minute)."""
    local = (at - M).astimezone(cal.zone)
    minute = local.hour * 60 + local.minute
    return any(a <= minute < b for a, b in cal.week[local.weekday()])


# whole minutes of the days around New York's spring change (2026-03-08), and any others
NEAR_SPRING = st.integers(0, 3 * 24 * 60).map(
    lambda m: datetime(2026, 3, 7, tzinfo=UTC) + timedelta(minutes=m)
)
SHORT = st.integers(1, 12 * 60).map(lambda m: timedelta(minutes=m))


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([NY_GAP, NY_FROM_GAP, NY_NIGHTS, BERLIN_SUNDAYS, JP]),
    st.one_of(NEAR_SPRING, STARTS),
    st.one_of(SHORT, DURATIONS),
)
@example(NY_GAP, nyc(2026, 3, 8, 0, 0), 2 * H + 15 * M)  # 03:15 EDT is outside its hours
def test_a_deadline_reads_as_working_time_on_the_teams_clocks(
    cal: Calendar, start: datetime, d: timedelta
) -> None:
    if d:  # the minute before it is one the team's clocks show inside its hours
        assert _on_the_wall(cal, add(cal, start, d))


# ---------------------------------------------------------------- the hour said twice


# On the autumn night the clocks read an hour twice (New York: 01:00–02:00 on 2026-11-01,
# Berlin: 02:00–03:00 on 2026-10-25). A team whose hours lie in it works it twice: working
# time is every instant at which the team's clocks read a time inside its hours.
def _hours(zone: str, *ranges: tuple[str, str]) -> Calendar:
    def minute(text: str) -> int:
        h, m = text.split(":")
        return int(h) * 60 + int(m)

    return Calendar(zone, (tuple((minute(a), minute(b)) for a, b in ranges),) * 7)


@pytest.mark.parametrize(
    ("cal", "day", "worked"),
    [
        (_hours("America/New_York", ("01:15", "01:45")), date(2026, 11, 1), 60 * M),  # twice
        (_hours("America/New_York", ("01:15", "01:45")), date(2026, 11, 8), 30 * M),  # once
        (_hours("America/New_York", ("00:00", "01:30")), date(2026, 11, 1), 2 * H),
        (_hours("America/New_York", ("01:30", "03:00")), date(2026, 11, 1), 2 * H),
        (_hours("America/New_York", ("01:00", "02:00")), date(2026, 11, 1), 2 * H),
        (
            _hours("America/New_York", ("00:00", "01:30"), ("01:30", "03:00")),
            date(2026, 11, 1),
            4 * H,
        ),
        (_hours("Europe/Berlin", ("02:10", "02:50")), date(2026, 10, 25), 80 * M),
        (_hours("Europe/Berlin", ("02:10", "02:50")), date(2026, 10, 18), 40 * M),
        (_hours("Europe/Berlin", ("01:00", "02:30")), date(2026, 10, 25), 2 * H),
        (_hours("Europe/Berlin", ("02:30", "04:00")), date(2026, 10, 25), 2 * H),
        (_hours("Europe/Berlin", ("00:00", "24:00")), date(2026, 10, 25), 25 * H),
    ],
)
def test_hours_in_the_repeated_hour_count_each_time_the_clocks_read_them(
    cal: Calendar, day: date, worked: timedelta
) -> None:
    zone = cal.zone
    since = datetime(day.year, day.month, day.day, tzinfo=zone)
    until = since + timedelta(days=1)  # local midnight to the next (aware arithmetic)
    assert between(cal, since, until.replace(tzinfo=None).replace(tzinfo=zone)) == worked
    due = add(cal, since, worked)
    assert between(cal, since, due) == worked and _on_the_wall(cal, due)


def _fall_back_minutes(zone: ZoneInfo, day: date) -> list[datetime]:
    """Every whole minute (UTC) from local noon before ``day`` to local noon after it."""
    first = datetime(day.year, day.month, day.day, 12, tzinfo=zone) - timedelta(days=1)
    start = first.astimezone(UTC)
    return [start + m * M for m in range(49 * 60)]


@pytest.mark.parametrize(
    ("cal", "day"),
    [
        (_hours("America/New_York", ("00:00", "01:30"), ("01:45", "03:00")), date(2026, 11, 1)),
        (_hours("America/New_York", ("01:15", "01:45"), ("22:00", "24:00")), date(2026, 11, 1)),
        (_hours("Europe/Berlin", ("02:10", "02:50"), ("09:00", "18:00")), date(2026, 10, 25)),
        (_hours("Europe/Berlin", ("00:00", "02:30"), ("02:40", "24:00")), date(2026, 10, 25)),
    ],
)
def test_each_minute_is_working_time_exactly_when_the_clocks_read_a_working_time(
    cal: Calendar, day: date
) -> None:
    for at in _fall_back_minutes(cal.zone, day):
        worked = between(cal, at, at + M)
        assert worked == (M if _on_the_wall(cal, at + M) else timedelta(0)), at.astimezone(cal.zone)


NY_OFFICE = Calendar("America/New_York", (((9 * 60, 17 * 60),),) * 5 + ((), ()))


def nyc(*args: int) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("start", "duration", "due"),
    [
        # a weekend the clocks change in: Monday's hours are the office's clock hours
        (nyc(2026, 3, 6, 16, 0), 4 * H, nyc(2026, 3, 9, 12, 0)),  # EST Fri → EDT Mon
        (nyc(2026, 10, 30, 16, 0), 4 * H, nyc(2026, 11, 2, 12, 0)),  # EDT Fri → EST Mon
        (nyc(2026, 3, 6, 9, 0), 16 * H, nyc(2026, 3, 9, 17, 0)),  # two whole days
        (nyc(2026, 10, 30, 9, 0), 24 * H, nyc(2026, 11, 3, 17, 0)),  # three whole days
    ],
)
def test_office_hours_across_a_weekend_the_clocks_change_in(
    start: datetime, duration: timedelta, due: datetime
) -> None:
    got = add(NY_OFFICE, start, duration)
    assert got == due  # the instant (returned in UTC)
    assert between(NY_OFFICE, start, due) == duration
