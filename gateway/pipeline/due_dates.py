"""What ``/due <date>`` means: the end of that day in the writer's time zone.

Pure, like the other readers of a command's argument (:mod:`entry_names`,
:mod:`member_names`): the argument in, the deadline or why it is refused out. The
forms are a sheet's date forms, so a Japanese member writes ``/due 2026年3月10日``,
and a month and day without the year (``/due 3/10``, ``/due 3月10日``), as people write
a deadline: the next such day.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from gateway.catalog.dates import date_parts
from gateway.core import zone
from gateway.core.i18n import N_, Msg
from gateway.core.text import visible

# How far ahead a /due date may be: nobody means a century, and a date near 9999 leaves
# the calendar a computer keeps once read in another zone (9999-12-31 in New York is 10000)
DUE_YEARS = 100

# a month and a day without the year, as a deadline is said: 3/10, 3月10日 (in half width)
_MONTH_DAY = (
    re.compile(r"(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*日"),
)
# how many years on the next such day is looked for: 2/29 comes back within 8 (2096, 2104)
_LEAP_GAP = 8


def due_date(arg: str, timezone: str, now: datetime) -> datetime | Msg:
    """The last second of the day ``arg`` names in ``timezone`` (the writer's), or why
    it is no deadline: not a date, no such day, past, or beyond :data:`DUE_YEARS`."""
    text = unicodedata.normalize("NFKC", arg)
    parts = date_parts(text)
    month_day = None if parts is not None else _month_day(text)
    shown = visible(arg)  # the member's words, quoted by the reader's catalog
    try:
        if parts is not None:
            day = date(*parts)
        elif month_day is not None:
            day = _next(month_day, timezone, now)
        else:
            # the forms that work, in the reader's (2026年3月10日 and 3月10日 in Japanese)
            return N_("not a date: '{value}' (write 2026-03-10, 2026/3/10 or 3/10)", value=shown)
    except ValueError:
        return N_("no such date: '{value}'", value=shown)
    due = datetime.combine(day, time(23, 59, 59), ZoneInfo(timezone))
    if due < now:
        return N_("{day} is in the past", day=zone.Day(day))
    if due - now > timedelta(days=365.25 * DUE_YEARS):
        return N_("{day} is more than {years} years ahead", day=zone.Day(day), years=DUE_YEARS)
    return due


def _month_day(text: str) -> tuple[int, int] | None:
    """Month and day of ``3/10`` or ``3月10日``, not yet checked to be a day."""
    for pattern in _MONTH_DAY:
        m = pattern.fullmatch(text)
        if m:
            return int(m[1]), int(m[2])
    return None


def _next(month_day: tuple[int, int], timezone: str, now: datetime) -> date:
    """The next ``month_day`` from today in ``timezone`` (the zone the deadline is a day
    of), today included: ``3/10`` written on 12/5 is next year's. ValueError for a day
    no year has (2/30, 13/1)."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    for year in range(today.year, today.year + _LEAP_GAP + 1):
        try:
            day = date(year, *month_day)
        except ValueError:
            continue  # 2/29 in a year without one, or no such day at all
        if day >= today:
            return day
    raise ValueError(month_day)
