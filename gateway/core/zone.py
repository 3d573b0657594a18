"""A stored time as the team reads it: in ``[gateway] timezone``, with the zone's
name. Pages print times through this too, so a member never meets a bare UTC time
and takes it for local. Pure.

A time comes as a :class:`Moment` (a date alone as a :class:`Day`): its text is the
plain form every script and log line reads (``2026-03-02 10:00 JST``: ``tickets show``,
``status``), and :func:`said` gives it as a reader of a mail or a page reads it, with
the weekday, in the form of their locale (CLDR's: :mod:`gateway.core.date_forms`):
``2026年3月2日(月) 10:00 JST``, ``Mon, Mar 2, 2026, 10:00 JST``. A deadline on "the 5th"
means little to a person planning their week; "Saturday the 5th" does.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from gateway.core.date_forms import format_pattern, forms

FORMAT = "%Y-%m-%d %H:%M %Z"  # 2026-03-02 10:00 JST: the plain form


class When(str):
    """A time or a day: its plain text, and :meth:`said` for a reader."""

    def said(self, locale: str) -> str:
        raise NotImplementedError


class Moment(When):
    """A time in the team's zone: the plain text, and the instant to say it otherwise."""

    at: datetime  # aware, in the team's zone

    def __new__(cls, at: datetime) -> Moment:
        moment = super().__new__(cls, at.strftime(FORMAT))
        moment.at = at
        return moment

    def __getnewargs__(self) -> tuple[datetime]:  # type: ignore[override]  # copy, pickle
        return (self.at,)

    def said(self, locale: str) -> str:
        """The date with its weekday and the time, as ``locale`` writes them, and the
        zone's name as the plain form has it."""
        words = forms(locale)
        day = format_pattern(words.date, self.at, words)
        clock = format_pattern(words.clock, self.at, words)
        # the locale's own way of joining a date and a time ("{1} {0}", "{1}, {0}")
        joined = words.glue.format(clock, day)
        return f"{joined} {self.at.strftime('%Z')}".rstrip()


class OutOfRange(Moment):
    """A time the zone cannot say: past the last day a ``datetime`` holds there (a due
    date an older release stored in year 9999, in a zone east of UTC). Its plain text is
    the instant as stored, in UTC (a log line's, a script's); :meth:`said` tells a
    reader that it is out of range in the zone, with that instant, the same in the CLI,
    the mails and the pages. :func:`in_zone` makes it; moved to a zone that can say it
    (a reader's west of UTC, :mod:`gateway.notify.reader_zone`), it is a Moment there."""

    zone: str

    def __new__(cls, at: datetime, zone: str = "UTC") -> OutOfRange:
        moment = str.__new__(cls, at.astimezone(UTC).strftime(FORMAT))
        moment.at = at.astimezone(UTC)
        moment.zone = zone
        return moment

    def __getnewargs__(self) -> tuple[datetime, str]:  # type: ignore[override]
        return (self.at, self.zone)

    def said(self, locale: str) -> str:
        from gateway.core.i18n import N_, translate  # it imports this module

        line = N_("out of range in {zone} ({at} as stored)", zone=self.zone, at=str(self))
        return translate(line, locale)


class Day(When):
    """A date with no time (a due date as a member wrote it): its text ISO 8601
    (``2026-03-10``), said with its weekday (``2026年3月10日(火)``, ``Tue, Mar 10, 2026``)."""

    day: date

    def __new__(cls, day: date) -> Day:
        said = super().__new__(cls, day.isoformat())
        said.day = day
        return said

    def __getnewargs__(self) -> tuple[date]:  # type: ignore[override]  # copy, pickle
        return (self.day,)

    def said(self, locale: str) -> str:
        words = forms(locale)
        return format_pattern(words.date, datetime.combine(self.day, time(12, 0)), words)


class MonthDay(Day):
    """A day said by its month and day alone (``2月23日``, ``Feb 23``), as a calendar
    names the days of a week a reader has just lived (a weekly mail's subject): its
    text stays ISO 8601, the year with it."""

    def said(self, locale: str) -> str:
        words = forms(locale)
        return format_pattern(words.month_day, datetime.combine(self.day, time(12, 0)), words)


def said(value: object, locale: str) -> object:
    """``value`` as a reader of ``locale`` reads it when it is a time or a day
    (:class:`When`); anything else as it is."""
    return value.said(locale) if isinstance(value, When) else value


@lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def in_zone(at: datetime, timezone: str) -> Moment:
    """An aware ``at`` in ``timezone``; one that lies past the last day a ``datetime``
    holds there (a due date an older release stored in year 9999, said east of UTC) is
    :class:`OutOfRange`, said so everywhere, rather than failing the page, mail or line
    (or shown in UTC by some and in the zone by others)."""
    try:
        return Moment(at.astimezone(_zone(timezone)))
    except OverflowError:
        return OutOfRange(at, timezone)


def local_time(value: str | datetime | None, timezone: str) -> str:
    """``value`` (ISO text or a datetime; a naive one is UTC, as the store keeps
    times) in ``timezone``, a :class:`Moment`; "" for none or for text that is not a time."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return in_zone(value, timezone)
