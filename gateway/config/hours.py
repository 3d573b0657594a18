"""``[business_hours]``: the hours the SLA clock runs (:mod:`gateway.core.business_hours`).

::

    [business_hours]
    mon = "09:00-18:00"
    tue = "09:00-12:00, 13:00-18:00"     # a lunch break: two ranges
    wed = ["09:00-12:00", "13:00-18:00"] # the same, as a list
    fri = "09:00-18:00"                  # a day left out, or "", is closed
    holidays = ["2026-12-31"]            # local dates the team does not work
    holidays_file = "holidays-jp.txt"    # one YYYY-MM-DD a line, # comments

Off unless the table is there; the zone is ``[gateway] timezone``. A calendar
with no working time at all is refused here, not found by a sweep that would
never reach a deadline.

More calendars, for the catalog entries that name one (``calendar: osaka``), are
tables of the same keys with a name, and a zone of their own if they like::

    [[business_hours.calendars]]
    name = "osaka"                       # what an entry's calendar: says
    timezone = "Asia/Tokyo"              # default: [gateway] timezone
    mon = "08:30-17:30"
    holidays_file = "holidays-osaka.txt"

``[business_hours]`` holding nothing but these keeps the default on the wall clock.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

from gateway.config.names import not_a_place, unknown_zone
from gateway.config.sections import Section, list_of
from gateway.config.units import WEEKDAYS
from gateway.core.business_hours import MINUTES_PER_DAY, Calendar, Range
from gateway.core.calendars import ALWAYS
from gateway.core.errors import ConfigError
from gateway.core.file_kinds import not_a_file
from gateway.core.i18n import N_, Msg
from gateway.core.utf8 import bad_line, decoded, file_error, small_file

KEYS = {*WEEKDAYS, "holidays", "holidays_file", "calendars"}
NAMED_KEYS = {*WEEKDAYS, "holidays", "holidays_file", "name", "timezone"}
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")  # as a catalog entry's id is written
MAX_HOLIDAYS = 10_000  # a century of any country's holidays; more is not a holiday list
_RANGE = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def read_hours(s: Section, base: Path, timezone: str) -> Calendar | None:
    """The team's default calendar, or None when the table is absent or holds nothing
    but its named calendars (wall-clock SLAs)."""
    s.unknown(KEYS)
    if set(s.data) == {"calendars"}:  # named calendars only: the default stays off
        return None
    return _calendar(s, base, timezone)


def read_named(s: Section, base: Path, timezone: str) -> tuple[tuple[str, Calendar], ...]:
    """The ``[[business_hours.calendars]]``, by name (``s``: ``[business_hours]``); each
    table's problems are named by its place, ``business_hours.calendars[1].mon``."""
    found: dict[str, Calendar] = {}
    for i, data in enumerate(list_of(s, "calendars", tables=True)):
        t = Section(s.path, f"{s.key('calendars')}[{i}]", data)
        t.unknown(NAMED_KEYS)
        name = _name(t)
        if name in found:
            raise ConfigError(
                t.path, t.key("name"), N_("a second calendar named {name!r}", name=name)
            )
        found[name] = _calendar(t, base, _zone(t, timezone))
    return tuple(found.items())


def _name(t: Section) -> str:
    if "name" not in t.data:
        raise ConfigError(t.path, t.key("name"), N_('a calendar needs a name (name = "osaka")'))
    name = t.str("name", "")
    if name == ALWAYS:
        raise ConfigError(
            t.path, t.key("name"), N_("'always' is the built-in 24x7 calendar: choose another name")
        )
    if not _NAME.fullmatch(name):
        raise ConfigError(
            t.path,
            t.key("name"),
            N_("not a calendar name: {name!r} (a-z, 0-9, '-' and '_', as 'osaka')", name=name),
        )
    return name


def _zone(t: Section, default: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # only here: keeps start-up lean

    zone = t.str("timezone", default)
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(t.path, t.key("timezone"), unknown_zone(zone)) from None
    if (why := not_a_place(zone)) is not None:
        raise ConfigError(t.path, t.key("timezone"), why)
    return zone


def _calendar(s: Section, base: Path, timezone: str) -> Calendar:
    """One calendar's days and holidays, the default's or a named one's."""
    week = tuple(_day(s, day) for day in WEEKDAYS)
    if not any(week):
        raise ConfigError(
            s.path, s.name, N_("no working hours on any day: give at least one (mon = ...)")
        )
    holidays = {_date(s, s.key("holidays"), v) for v in list_of(s, "holidays")}
    path = s.path_or_none("holidays_file", base)
    if path is not None:
        holidays |= _holiday_file(s, path)
    if len(holidays) > MAX_HOLIDAYS:
        raise ConfigError(s.path, s.key("holidays"), N_("more than {n} dates", n=MAX_HOLIDAYS))
    return Calendar(timezone, week, frozenset(holidays))


def _day(s: Section, day: str) -> tuple[Range, ...]:
    """``"09:00-12:00, 13:00-18:00"`` or a list of ranges; sorted, none overlapping."""
    value: Any = s.data.get(day, "")
    if isinstance(value, str):
        texts = [t for t in (p.strip() for p in value.split(",")) if t]
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        texts = [v.strip() for v in value]
    else:
        raise ConfigError(s.path, s.key(day), _bad_range(value))
    ranges = sorted(_range(s, day, t) for t in texts)
    for (_, end), (start, _) in pairwise(ranges):
        if start < end:
            raise ConfigError(s.path, s.key(day), N_("the ranges overlap: {value!r}", value=value))
    return tuple(ranges)


def _range(s: Section, day: str, text: str) -> Range:
    m = _RANGE.fullmatch(text)
    if m is None:
        raise ConfigError(s.path, s.key(day), _bad_range(text))
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if h1 > 23 or m1 > 59 or m2 > 59 or end > MINUTES_PER_DAY or end <= start:
        raise ConfigError(s.path, s.key(day), _bad_range(text))
    return start, end


def _bad_range(value: object) -> Msg:
    return N_(
        "not working hours: {value!r} (e.g. '09:00-18:00' or '09:00-12:00, 13:00-18:00')",
        value=value,
    )


def _date(s: Section, key: str, value: object) -> date:
    # TOML's own date literal: holidays = [2026-12-31]; not a date-time (a subclass of
    # date that equals no date, so it would be a holiday on no day at all)
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ConfigError(s.path, key, N_("not a date (YYYY-MM-DD): {value!r}", value=value))


def _holiday_file(s: Section, path: Path) -> set[date]:
    """One date a line (text after it, such as the holiday's name, is allowed), blank
    lines and ``#`` comments skipped; a bad line is named by its number."""
    key = s.key("holidays_file")
    if (problem := not_a_file(path)) is not None:
        raise ConfigError(s.path, key, problem)
    try:
        data = small_file(path)
    except OSError as exc:
        raise ConfigError(
            s.path, key, N_("cannot read {path}: {error}", path=str(path), error=file_error(exc))
        ) from None
    try:
        text = decoded(data)
    except UnicodeDecodeError as exc:  # a list saved as Shift_JIS (Japan's official one is)
        at = bad_line(exc)
        raise ConfigError(
            s.path,
            f"{key} ({path.name}:{at})",
            N_("not UTF-8 text: save {name} as UTF-8", name=path.name),
        ) from None
    found = set()
    for number, line in enumerate(text.splitlines(), 1):
        words = line.split("#", 1)[0].split()
        if words:
            found.add(_date(s, f"{key} ({path.name}:{number})", words[0]))
    return found
