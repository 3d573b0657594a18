"""What ``/due <date>`` means: the end of that day in the writer's time zone.

Pure, like the other readers of a command's argument (:mod:`entry_names`,
:mod:`member_names`): the argument in, the deadline or why it is refused out. The
forms are a sheet's date forms, so a Japanese member writes ``/due 2026年3月10日``.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from gateway.catalog.dates import date_parts
from gateway.core import zone
from gateway.core.i18n import N_, Msg

# How far ahead a /due date may be: nobody means a century, and a date near 9999 leaves
# the calendar a computer keeps once read in another zone (9999-12-31 in New York is 10000)
DUE_YEARS = 100


def due_date(arg: str, timezone: str, now: datetime) -> datetime | Msg:
    """The last second of the day ``arg`` names in ``timezone`` (the writer's), or why
    it is no deadline: not a date, no such day, past, or beyond :data:`DUE_YEARS`."""
    parts = date_parts(unicodedata.normalize("NFKC", arg))
    if parts is None:
        return N_("not a date: {value!r} (write YYYY-MM-DD)", value=arg)
    try:
        day = date(*parts)
    except ValueError:
        return N_("no such date: {value!r}", value=arg)
    due = datetime.combine(day, time(23, 59, 59), ZoneInfo(timezone))
    if due < now:
        return N_("{day} is in the past", day=zone.Day(day))
    if due - now > timedelta(days=365.25 * DUE_YEARS):
        return N_("{day} is more than {years} years ahead", day=zone.Day(day), years=DUE_YEARS)
    return due
