"""What ``/due <date>`` means: the end of that day in the writer's time zone.

Pure, like the other readers of a command's argument (:mod:`entry_names`,
:mod:`member_names`): the argument in, the deadline or why it is refused out. The
forms are a sheet's date forms, so a Japanese member writes ``/due 2026年3月10日``,
and a month and day without the year (``/due 3/10``, ``/due 3月10日``), as people write
a deadline: the next such day.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from gateway.catalog.dates import date_parts, month_day, next_month_day
from gateway.core import zone
from gateway.core.i18n import N_, Msg
from gateway.core.text import visible

# How far ahead a /due date may be: nobody means a century, and a date near 9999 leaves
# the calendar a computer keeps once read in another zone (9999-12-31 in New York is 10000)
DUE_YEARS = 100


def due_date(arg: str, timezone: str, now: datetime) -> datetime | Msg:
    """The last second of the day ``arg`` names in ``timezone`` (the writer's), or why
    it is no deadline: not a date, no such day, past, or beyond :data:`DUE_YEARS`."""
    text = unicodedata.normalize("NFKC", arg)
    parts = date_parts(text)
    written = None if parts is not None else month_day(text)
    shown = visible(arg)  # the member's words, quoted by the reader's catalog
    try:
        if parts is not None:
            day = date(*parts)
        elif written is not None:  # the next such day, today in the writer's zone counted
            day = next_month_day(written, now.astimezone(ZoneInfo(timezone)).date())
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
