"""Business time: the SLA clock of a team that works set hours (``[business_hours]``).

A ticket that arrives at 17:55 on a Friday with a 4h first response is due at
12:55 on Monday for a team that works 09:00–18:00 Monday to Friday, not at 21:55
on Friday: the SLA clock runs only while the team works, and stops on the team's
holidays (Zammad's calendars, osTicket's SLA schedules do the same).

Two functions, both pure and stdlib only, shared by everything that computes an
SLA deadline (:func:`gateway.catalog.sla.deadlines`) or how much of one is left
(:func:`gateway.scheduling.rules.deadline_state`):

* :func:`add` — the instant at which ``duration`` of business time has passed
  after ``start``;
* :func:`between` — how much business time lies between two instants (and
  :func:`at_most`, whether it is at most a limit, walking only that far).

They walk the team's local days one by one (linear in the days spanned). Working
time is every real instant at which the team's clocks read a time inside one of
its ranges, so a range on a day that changes clocks counts the time that really
passes: a 00:00–24:00 day is 23 or 25 hours long then, and a range inside the hour
the clocks repeat in autumn is worked twice (01:15–01:45 in New York that night is an
hour, in two spans). A range may end at 24:00 (the next day's midnight). A time the
clocks skip in spring is the instant they jump (:func:`wall_instant`, which the
digest's schedule uses too). A walk stops
after :data:`HORIZON_DAYS` days; what is left past it counts as wall-clock time, so
an absurd target gives a far-off deadline instead of a loop. A calendar with no
working time at all is refused when it is built (:class:`Calendar`), so the walk always moves.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60
ONE_DAY = timedelta(days=1)
# How far a walk goes: ten years of local days. A 2d target at 9 hours a day is a
# fortnight; nothing a team means comes near this.
HORIZON_DAYS = 3660
# Deadlines and windows remembered (:func:`add`, :func:`between`): two or three a ticket
# that is not closed; a few megabytes at most.
CACHED = 16384

Range = tuple[int, int]  # minutes after local midnight: (540, 1080) is 09:00–18:00


@dataclass(frozen=True, slots=True)
class Calendar:
    """When the team works: ranges per weekday (Monday first) in ``timezone``, and
    the dates it does not (``holidays``, local dates).

    Each day's ranges are sorted, do not overlap, and lie within 0..1440 with the
    start before the end; at least one day has one. Checked here, so a calendar
    the walk could never get through cannot exist."""

    timezone: str
    week: tuple[tuple[Range, ...], ...]
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise ValueError("a week has 7 days")
        for ranges in self.week:
            end = 0
            for start, stop in ranges:
                if not (end <= start < stop <= MINUTES_PER_DAY):
                    raise ValueError(f"bad or overlapping ranges: {ranges!r}")
                end = stop
        if not any(self.week):
            raise ValueError("no working time in the week")
        ZoneInfo(self.timezone)  # unknown zone: ZoneInfoNotFoundError now, not in a sweep

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)  # zoneinfo caches instances by key


@dataclass(frozen=True, slots=True)
class WorkingDays:
    """A wait counted in the team's working days (``"2bd"``): the same time of day on
    the ``days``-th working day after it starts (:func:`working_days_after`)."""

    days: int


# What a wait may be, in the config's [schedule] and in a catalog entry alike: real time
# ("3d": 72 hours) or the team's working days ("2bd"); read by gateway.config.units.parse_wait
Wait = timedelta | WorkingDays


def _utc(at: datetime) -> datetime:
    """``at`` in UTC; a naive time is UTC already (as the store keeps times)."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _back(result: datetime, like: datetime) -> datetime:
    """``result`` (UTC) naive when the input ``like`` was, else aware in UTC. Never in a
    local zone: an instant in a clock change's repeated hour (``fold=1``) compares
    unequal to every other zone's (PEP 495), and the store keeps UTC anyway."""
    return result.replace(tzinfo=None) if like.tzinfo is None else result


def _instant(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """The real instant of local ``day`` at ``minute`` (1440: the next midnight)."""
    if minute == MINUTES_PER_DAY:
        day, minute = day + timedelta(days=1), 0
    return wall_instant(datetime.combine(day, time(minute // 60, minute % 60)), zone)


def wall_instant(wall: datetime, zone: tzinfo) -> datetime:
    """The real instant (UTC) at which the clocks of ``zone`` read the naive ``wall``.

    A time the clocks read twice (the hour repeated in autumn) is the first time.
    A time they never read (skipped in spring: 02:30 when 02:00 jumps to 03:00) is
    the instant they jump: a working range that closes at 02:30 that night closes
    then, not at 03:30 (where PEP 495's reading of ``fold=0`` puts it, half an hour
    the team's clocks show outside its hours), and one that opens at 02:30 opens at
    03:00. Gaps are found by the round trip; the jump by halving, in whole seconds."""
    local = wall.replace(tzinfo=zone, fold=0)
    after = local.astimezone(UTC)
    if after.astimezone(zone).replace(tzinfo=None) == wall:
        return after  # the clocks read it
    # In the gap: fold=1 gives the instant before the jump (the old offset), fold=0 the
    # one after; the jump is the first instant in between whose offset is the new one.
    lo, hi = local.replace(fold=1).astimezone(UTC), after
    return _offset_change(min(lo, hi), max(lo, hi), zone)


def _last_instant(wall: datetime, zone: tzinfo) -> datetime:
    """The last real instant (UTC) at which the clocks of ``zone`` read ``wall``: the
    second time in the hour repeated in autumn, else :func:`wall_instant`."""
    second = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if second.astimezone(zone).replace(tzinfo=None) == wall:
        return second
    return wall_instant(wall, zone)  # in the spring gap: the jump, read by neither fold


def _offset_change(lo: datetime, hi: datetime, zone: tzinfo) -> datetime:
    """The first instant in ``(lo, hi]`` with ``hi``'s UTC offset (``lo``'s differs);
    by halving, in whole seconds, as :func:`wall_instant` finds a jump."""
    new = hi.astimezone(zone).utcoffset()
    while hi - lo > timedelta(seconds=1):
        mid = lo + timedelta(seconds=(hi - lo) // timedelta(seconds=2))  # whole seconds
        if mid.astimezone(zone).utcoffset() == new:
            hi = mid
        else:
            lo = mid
    return hi


def _read_between(
    wall_from: datetime, wall_to: datetime, zone: tzinfo
) -> Iterator[tuple[datetime, datetime]]:
    """The spans of real time (UTC) in which the clocks of ``zone`` read a time from
    ``wall_from`` up to ``wall_to`` (naive, local): one span, or two when the clocks
    are set back inside it and read part of it twice (a range in the hour repeated in
    autumn is worked twice: 01:15–01:45 in New York on its fall-back night is an hour).

    It lies between the first instant the clocks read ``wall_from`` and the last they
    read ``wall_to``, a day at most, in which the offset changes once at most; on each
    side of the change the clocks run evenly, so each side is cut to the instants whose
    reading falls inside."""
    lo, hi = wall_instant(wall_from, zone), _last_instant(wall_to, zone)
    if lo >= hi:
        return
    before, after = lo.astimezone(zone).utcoffset(), hi.astimezone(zone).utcoffset()
    assert before is not None and after is not None  # a ZoneInfo always has one
    change = hi if before == after else _offset_change(lo, hi, zone)
    spans: list[tuple[datetime, datetime]] = []
    for start, stop, offset in ((lo, change, before), (change, hi, after)):
        # on this side a clock reading w happens at w - offset (UTC)
        first = max(start, (wall_from - offset).replace(tzinfo=UTC))
        last = min(stop, (wall_to - offset).replace(tzinfo=UTC))
        if first < last:
            if spans and spans[-1][1] == first:
                first = spans.pop()[0]  # the two sides meet: one span
            spans.append((first, last))
    yield from spans


def _windows(cal: Calendar, day: date, zone: ZoneInfo) -> Iterator[tuple[datetime, datetime]]:
    """The working ranges of local ``day`` as spans of UTC instants (none on a holiday):
    when the clocks read a time inside a range (:func:`_read_between`), in the order
    they come (on the autumn night 01:30–03:00 begins before 00:00–01:30 is read the
    second time). A range entirely in a clock change's gap is never read: left out."""
    if day in cal.holidays:
        return
    ranges = cal.week[day.weekday()]
    if not ranges:
        return
    midnight = datetime.combine(day, time(0, 0))
    offset = midnight.replace(tzinfo=zone).utcoffset()
    if offset is not None and offset == (midnight + ONE_DAY).replace(tzinfo=zone).utcoffset():
        # no clock change that day (nearly every day): one offset maps every wall time
        for a, b in ranges:
            opens = midnight + timedelta(minutes=a) - offset
            closes = midnight + timedelta(minutes=b) - offset
            yield opens.replace(tzinfo=UTC), closes.replace(tzinfo=UTC)
        return
    spans = [s for a, b in ranges for s in _read_between(_wall(day, a), _wall(day, b), zone)]
    yield from sorted(spans)


def _wall(day: date, minute: int) -> datetime:
    """Local ``day`` at ``minute`` as a naive wall time (1440: the next midnight)."""
    return datetime.combine(day, time(0, 0)) + timedelta(minutes=minute)


def add(cal: Calendar, start: datetime, duration: timedelta) -> datetime:
    """The instant when ``duration`` of business time has passed since ``start``.

    Outside working hours the clock waits for the next range; a duration that ends
    exactly when a range closes gives that closing time (18:00, not 09:00 the next
    working day). Zero or less gives ``start``; otherwise the result is in UTC (naive
    when ``start`` is)."""
    if duration <= timedelta(0):
        return start
    return _back(_add(cal, _utc(start), duration), start)


@lru_cache(maxsize=CACHED)
def _add(cal: Calendar, cursor: datetime, left: timedelta) -> datetime:
    """:func:`add` from ``cursor`` (aware, UTC: an instant, so equal keys are one
    instant), remembered: a ticket's deadline is asked for on every pass, and a far
    target walks the whole horizon each time."""
    zone = cal.zone
    day = cursor.astimezone(zone).date() - timedelta(days=1)  # a range may end after midnight
    for _ in range(HORIZON_DAYS):
        for opens, closes in _windows(cal, day, zone):
            begin = max(opens, cursor)
            if begin >= closes:
                continue
            if left <= closes - begin:
                return begin + left
            left -= closes - begin
            cursor = closes
        day += timedelta(days=1)
    # past the horizon: the rest runs on the wall clock (see the module's docstring)
    return max(cursor, _instant(day, 0, zone)) + left


def between(cal: Calendar, since: datetime, until: datetime) -> timedelta:
    """The business time from ``since`` to ``until``; negative when ``until`` is
    earlier (so ``between(a, b) == -between(b, a)``). For any ``d`` ≥ 0,
    ``between(s, add(s, d)) == d`` within the horizon."""
    a, b = _utc(since), _utc(until)
    if b < a:
        return -between(cal, until, since)
    return _between(cal, a, b)


@lru_cache(maxsize=CACHED)
def _between(cal: Calendar, a: datetime, b: datetime) -> timedelta:
    """:func:`between` of two UTC instants in order, remembered: a deadline's window
    (from the ticket's arrival) is asked for on every pass."""
    return _walk(cal, a, b, None)


def at_most(cal: Calendar, since: datetime, until: datetime, limit: timedelta) -> bool:
    """Whether ``between(cal, since, until) <= limit``, walking no further than it takes
    to tell: "is this deadline due soon" needs a day's walk, not the years up to it."""
    a, b = _utc(since), _utc(until)
    if b < a:
        return between(cal, since, until) <= limit
    return _walk(cal, a, b, limit) <= limit


def _walk(cal: Calendar, a: datetime, b: datetime, limit: timedelta | None) -> timedelta:
    """The business time from ``a`` to ``b`` (UTC, ``a`` first); with ``limit``, the walk
    stops once it has counted more, giving what it counted (more than ``limit``)."""
    zone = cal.zone
    total = timedelta(0)
    day = a.astimezone(zone).date() - timedelta(days=1)
    last = b.astimezone(zone).date()
    walked = 0
    while day <= last:
        if walked == HORIZON_DAYS:  # past the horizon, as add() counts it: wall clock
            return total + (b - max(a, _instant(day, 0, zone)))
        for opens, closes in _windows(cal, day, zone):
            lo, hi = max(opens, a), min(closes, b)
            if lo < hi:
                total += hi - lo
        if limit is not None and total > limit:
            return total
        day += timedelta(days=1)
        walked += 1
    return total


def working_days_after(cal: Calendar, start: datetime, days: int) -> datetime:
    """The same local time as ``start`` on the ``days``-th working day after its date: a
    day with working hours that is not a holiday. Thursday 15:00 + 2 is Monday 15:00
    (Tuesday when that Monday is a holiday); asked on a Saturday, + 1 is Monday. A
    requester asked on Friday evening is reminded on the next working day's evening,
    as "in two business days" is meant, not after the weekend's real hours. The result
    is in UTC (naive when ``start`` is); past :data:`HORIZON_DAYS` (a calendar of
    holidays only) the rest are calendar days."""
    return _back(_days_after(cal, _utc(start), days), start)


@lru_cache(maxsize=CACHED)
def _days_after(cal: Calendar, start: datetime, days: int) -> datetime:
    """:func:`working_days_after` from ``start`` (aware, UTC), remembered: a pending
    ticket's reminder and close are asked for on every pass, and the longest wait the
    config takes (2600bd) walks ten years of days each time."""
    zone = cal.zone
    local = start.astimezone(zone)
    day, left = local.date(), days
    for _ in range(HORIZON_DAYS):
        if left <= 0:
            break
        day += timedelta(days=1)
        if day not in cal.holidays and cal.week[day.weekday()]:
            left -= 1
    day += timedelta(days=max(left, 0))
    return wall_instant(datetime.combine(day, local.time()), zone)


def working_days_between(cal: Calendar, start: datetime, until: datetime) -> int:
    """How many working days have passed from ``start`` at ``until``: the largest ``n``
    with ``working_days_after(cal, start, n) <= until`` (0 before the first), so a
    reminder "every 2 working days" is in period ``n // 2``. Past :data:`HORIZON_DAYS`
    the rest are calendar days, as :func:`working_days_after` counts them."""
    zone = cal.zone
    local = _utc(start).astimezone(zone)
    last = _utc(until).astimezone(zone).date()
    day, passed = local.date(), 0
    for _ in range(HORIZON_DAYS):
        day += timedelta(days=1)
        if day > last:
            break
        if day not in cal.holidays and cal.week[day.weekday()]:
            passed += 1
    else:
        passed += max((last - day).days, 0)  # past the horizon: calendar days
    if passed and _utc(working_days_after(cal, start, passed)) > _utc(until):
        passed -= 1  # the last of them has come, but not yet its time of day
    return passed
