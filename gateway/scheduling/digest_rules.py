"""When the weekly digest is due: pure decisions on the team's calendar, no database,
no clock (:mod:`gateway.scheduling.rules` re-exports them with the other jobs' rules).

The digest's day and hour are wall-clock times in ``[gateway] timezone``: built from
the local date, so a change of the clocks moves neither the day nor the hour, and the
week a digest covers is seven whole local days (23 or 25 hours in one of them).
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo

from gateway.config.units import parse_weekly
from gateway.core import weeks
from gateway.core.business_hours import wall_instant
from gateway.core.i18n import Msg

WEEK = timedelta(days=7)
DAY = timedelta(days=1)  # two digests of one week come at least this far apart


@dataclass(frozen=True, slots=True)
class DigestRun:
    """One scheduled digest: when it was due and the week it covers."""

    at: datetime  # the scheduled instant (aware, UTC)
    # The run's key in job_runs and the outbox: the ISO week of the scheduled day
    # ("2026-W10" for Monday 2026-03-02). Never shown: it stays what it was when rows
    # were first written with it, so an upgrade neither repeats nor skips a digest.
    period: str
    # The days it covers: whole local days, from ``since`` (a local midnight) up to
    # ``until`` (the next local midnight after the last one, or now for a manual run),
    # so the summary's "opened that week" counts what ``stats`` counts for that week.
    since: datetime
    until: datetime
    week: str  # the covered days' ISO week (gateway.core.weeks): "2026-W09" …
    label: Msg  # … and what people read: "2026-W09 (2026-02-23 – 2026-03-01)", in theirs
    days: Msg  # the days alone, for a subject: "Feb 23 – Mar 1", 「2月23日〜3月1日」


def _local(day: date, at: tuple[int, int], tz: tzinfo) -> datetime:
    """The instant (aware, UTC) of wall-clock time ``at`` on ``day`` in ``tz``: built from
    the date, so DST never shifts it; a time the clocks skip is when they jump, a time
    they say twice the first one (:func:`gateway.core.business_hours.wall_instant`).
    UTC, not ``tz``: a local time in the repeated hour compares unequal to every
    instant of another zone (PEP 495), the very one it is."""
    return wall_instant(datetime.combine(day, time(at[0], at[1])), tz)


def previous_digest(now: datetime, spec: str, tz: tzinfo) -> DigestRun | None:
    """The latest scheduled digest at or before ``now``; None when digests are off.

    Only the latest: a daemon that was down for three weeks sends one digest
    at start, not three stale ones. It covers the seven local days before the day
    it is due (Monday–Sunday for a Monday digest), named by their ISO week.
    """
    parsed = parse_weekly(spec)
    if parsed is None:
        return None
    weekday, hour, minute = parsed
    today = now.astimezone(tz).date()
    day = today - timedelta(days=(today.weekday() - weekday) % 7)
    at = _local(day, (hour, minute), tz)
    if at > now:
        day -= WEEK
        at = _local(day, (hour, minute), tz)
    first, last = day - WEEK, day - timedelta(days=1)
    return DigestRun(
        at=at,
        period=weeks.iso_week(day),
        since=_local(first, (0, 0), tz),
        until=_local(day, (0, 0), tz),
        week=weeks.span_week(first, last),
        label=weeks.span_label(first, last),
        days=weeks.span_days(first, last),
    )


def next_digest(now: datetime, spec: str, tz: tzinfo) -> datetime | None:
    """The first scheduled digest strictly after ``now`` (for the loop's wait)."""
    last = previous_digest(now, spec, tz)
    if last is None:
        return None
    parsed = parse_weekly(spec)
    assert parsed is not None
    day = last.at.astimezone(tz).date() + WEEK
    return _local(day, parsed[1:], tz)


def digest_due(
    now: datetime, spec: str, tz: tzinfo, done: Container[str], last: datetime | None = None
) -> DigestRun | None:
    """The digest to send now, if any. ``done``: the periods claimed already; ``last``:
    when the last scheduled digest went out (``store.jobs.last_ran``).

    The latest scheduled time at or before ``now`` (:func:`previous_digest`) is due
    unless, row by row:

    * a digest went out at or after it: the clock stepped back over one just sent, or
      the time was moved earlier after this week's went out;
    * it was on an earlier day and today's comes later today: one digest today, not a
      late one now and today's own after it (a fresh site started on a Monday at 10:00
      with ``mon 17:00``);
    * its ISO week had a digest already and it comes less than a day after that one:
      the time moved later the same day, or a new ``timezone`` that reads the same week
      some hours later. A week that had one more than a day before (``mon`` changed to
      ``fri`` on Wednesday) gets this one too, under a key of its own
      (``2026-W10:2026-03-06``), so a change of day never skips a week.
    """
    run = previous_digest(now, spec, tz)
    if run is None or (last is not None and last >= run.at):
        return None
    day, today = run.at.astimezone(tz).date(), now.astimezone(tz).date()
    following = next_digest(now, spec, tz)
    if day < today and following is not None and following.astimezone(tz).date() == today:
        return None
    if run.period not in done:
        return run
    if last is None or run.at - last < DAY:
        return None
    again = f"{run.period}:{day.isoformat()}"
    return None if again in done else replace(run, period=again)


def wait_seconds(now: datetime, sweep_interval: timedelta, next_at: datetime | None) -> float:
    """How long the loop sleeps: the sweep interval, or less if a digest comes first."""
    wait = sweep_interval
    if next_at is not None:
        wait = min(wait, max(next_at - now, timedelta(0)))
    return max(wait.total_seconds(), 0.0)
