"""How a week is named, once, for every place that names one: the weekly digest,
the managers' summary and ``ticket-gateway stats``.

The rule: **a week is the ISO 8601 week of the days it covers**, read in the
team's time zone.

* A day belongs to its ISO week, Monday to Sunday; week 1 is the week that holds
  the year's first Thursday, so the days around New Year may belong to the other
  year's week (2026-12-28 … 2027-01-03 is ``2026-W53``; 2026 has 53 weeks).
* An instant (a ticket's ``created_at``) is first read as a date in the team's
  time zone: 2027-01-03 23:30 UTC is 2027-01-04 in Tokyo, ``2027-W01``, and
  still ``2026-W53`` in London.
* A span of days (the seven days a digest covers) is named by the ISO week that
  holds most of them, which is the week of its middle day. For the default
  Monday digest the span is exactly the Monday–Sunday just ended, so the digest
  sent on Monday 2026-11-30 is ``2026-W48 (2026-11-23 – 2026-11-29)``, and
  ``stats`` counts those days' tickets under ``2026-W48`` too.

What people read (:func:`span_label`; in a subject, the days alone by month and
day, :func:`span_days`: ``Feb 23 – Mar 1``, ``2月23日〜3月1日``) is a message of the
catalogs: English keeps the week first, Japanese writes the days as a range with 〜;
the dates are said as the mails say a date, with the weekday
(``2026年11月23日(月)〜2026年11月29日(日)（2026-W48）``,
:class:`gateway.core.zone.Day`), and plainly where scripts read them
(``2026-11-23〜2026-11-29（2026-W48）``: ``stats``, the log).

Pure and stdlib only (Babel only when a mail says a date).
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from gateway.core.i18n import N_, Msg
from gateway.core.zone import Day, MonthDay


def iso_week(day: date) -> str:
    """``2026-W48``: the ISO year and week of ``day``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_of(at: datetime, tz: tzinfo) -> str:
    """The ISO week of the date ``at`` has in the time zone ``tz``."""
    return iso_week(at.astimezone(tz).date())


def span_week(first: date, last: date) -> str:
    """The ISO week holding most of the days ``first`` … ``last`` (both included):
    the week of the middle day."""
    if last < first:
        first, last = last, first
    return iso_week(first + (last - first) // 2)


def span_label(first: date, last: date) -> Msg:
    """``2026-W48 (2026-11-23 – 2026-11-29)``: the span's week and its dates, said in
    the reader's language (a Msg: each reader of one digest run reads it in theirs)."""
    if last < first:
        first, last = last, first
    return N_(
        "{week} ({first} – {last})",  # the days a digest covers; ja: 〜 and the week after
        week=span_week(first, last),
        first=Day(first),
        last=Day(last),
    )


def span_days(first: date, last: date) -> Msg:
    """``Feb 23 – Mar 1``, 「2月23日〜3月1日」: the days alone, by month and day, as a
    weekly mail's subject names its week (a reader counts a week by its days, not its
    ISO number; the body says :func:`span_label`)."""
    if last < first:
        first, last = last, first
    return N_("{first} – {last}", first=MonthDay(first), last=MonthDay(last))  # ja: 〜
