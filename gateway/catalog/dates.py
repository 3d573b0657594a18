"""A date as a requester writes one in a parameter sheet (and a member in ``/due``):
ISO (its dashes as an input method types them too: ``2026ー4ー1``), with slashes or
dots, ``2026年4月1日``, or in a Japanese era (``令和8年4月1日``, ``R8.4.1``), with or
without its weekday; compact (``20260401``); in English (``April 1, 2026``, ``1 Apr
2026``, ``Wednesday, April 1, 2026``); and a month and day without the year (``4/1``,
``4月1日``, ``April 1``), as people write a deadline: the next such day from a given day
(the day a mail came, or a form was sent, in the team's zone, for a sheet; the day a
member wrote ``/due``). A sheet's value may carry a deadline's words (``4/1まで``,
``4/1頃``, ``by April 1``). Pure: the day is given, never read from a clock; linear
whatever the text (each pattern is matched whole, its runs of spaces possessive, and no
two of its runs can share a character)."""

from __future__ import annotations

import calendar
import re
from datetime import date

from gateway.core.i18n import N_, Msg
from gateway.core.text import IME_DASHES

# the dashes a date's numbers are written apart with: the hyphen-minus (and the
# full-width one, which NFKC makes it), and the ones an input method or a word
# processor types for it (2026ー4ー1)
_DASH = "-" + IME_DASHES
_DATES = (
    re.compile(rf"(\d{{4}})[{_DASH}](\d{{1,2}})[{_DASH}](\d{{1,2}})"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})"),
    re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),  # 20260401, as business forms and file names write it
)
# English month names, in full and short (sept too), with or without the short form's
# point: April 1, Apr. 1st, 1 April, 1st of April, and a year after either (April 1,
# 2026; 1 Apr 2026), apart from the day by a comma or a space (april 12026 is no date)
_MONTH_NAMES = {
    name: n
    for n, full in enumerate(
        ("january", "february", "march", "april", "may", "june", "july", "august",
         "september", "october", "november", "december"),
        start=1,
    )
    for name in (full, full[:3], *(("sept",) if n == 9 else ()))
}  # fmt: skip
_MONTH = "|".join(sorted(_MONTH_NAMES, key=len, reverse=True))
_YEAR_AFTER = r"(?:(?:\s*+,\s*+|\s++)(\d{4}))?"
_NAMED_MONTH_DAY = re.compile(
    rf"({_MONTH})\.?\s*+(\d{{1,2}})(?:st|nd|rd|th)?{_YEAR_AFTER}", re.IGNORECASE
)
_NAMED_DAY_MONTH = re.compile(
    rf"(\d{{1,2}})(?:st|nd|rd|th)?\s*+(?:of\s++)?({_MONTH})\.?{_YEAR_AFTER}", re.IGNORECASE
)
# The eras of the Japanese calendar a date of today's requests is written in: the name
# (㋿ is 令和 after NFKC) and the initial business forms shorten it to, and the year
# before its first (令和 N is 2018 + N). A year is read by the era it names, the year
# an era ended included (平成31年4月30日); 元年 is its first year.
_ERAS = (
    ("令和", "r", 2018),  # from 2019-05-01
    ("平成", "h", 1988),  # 1989-01-08 to 2019-04-30
    ("昭和", "s", 1925),  # 1926-12-25 to 1989-01-07
)
_ERA_NAMES = "|".join(name for name, _, _ in _ERAS)
_ERA_NAMED = re.compile(
    rf"({_ERA_NAMES})\s*(\d{{1,2}}|元)\s*年\s*(\d{{1,2}})\s*月\s*(\d{{1,2}})\s*日"
)
_ERA_SHORT = re.compile(r"([rhsRHS])(\d{1,2})([./-])(\d{1,2})\3(\d{1,2})")  # R8.4.1, H31/4/30
# a month and a day without the year, as a deadline is said: 3/10, 3月10日 (in half width)
_MONTH_DAY = (
    re.compile(r"(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*日"),
)
# a month's end, the deadline Japanese requests name most (4月末まで), and in English (end
# of April): its last day; with its year or without (the next one from the given day)
_MONTH_END = re.compile(r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*末日?")
_END_OF = re.compile(rf"(?:the\s++)?end\s++of\s++({_MONTH})\.?{_YEAR_AFTER}", re.IGNORECASE)
# how many years on the next such day is looked for: 2/29 comes back within 8 (2096, 2104)
_LEAP_GAP = 8
# The weekday a date is often written with, 2026年4月1日（水） or 2026-04-01 (Wed), in
# parentheses (（） are () after NFKC); the names in weekday() order, Monday first.
_WEEKDAY = re.compile(r"\(([^()]*)\)\Z")  # searched: each "(" scans to the next paren
# … or before it, as English dates are written: Wednesday, April 1, 2026; Wed 1 Apr 2026
_WEEKDAY_FIRST = re.compile(r"([a-z]+)\.?(?:\s*+,\s*+|\s++)", re.IGNORECASE)
# What a deadline is written with around its day, taken off before it is read, each
# table once at the end, in this order: the sentence's end, the polite request, the
# deadline's "by" or "about" (4/1まで is the day 4/1, as 約3 is 3 in a number field; the
# words stay in the mail); and "by" before it. 4/1以降 (from, not by) stays refused.
_DATE_STOPS = ("。", ".")
_DATE_POLITE = (
    "でお願いいたします",
    "でお願いします",
    "にお願いいたします",  # 4/1までにお願いいたします
    "にお願いします",
    "お願いいたします",
    "お願いします",
    "です",
    "希望",  # 4/1希望, as order forms write it
)
_DEADLINE = ("までに", "まで", "迄に", "迄", "頃", "ごろ", "ころ", "中")
_DATE_BEFORE = ("by ", "on ", "due ")
_WEEKDAYS = (
    ("月", "mon", "monday"),
    ("火", "tue", "tues", "tuesday"),
    ("水", "wed", "wednesday"),
    ("木", "thu", "thur", "thurs", "thursday"),
    ("金", "fri", "friday"),
    ("土", "sat", "saturday"),
    ("日", "sun", "sunday"),
)


NOT_A_DATE = N_("not a date (write 2026-03-02, 2026/3/2 or 3/2)")


def _no_such_day(text: str) -> Msg:
    """A date of the right shape that no calendar has (2027/2/29, 4/31): said so, as
    ``/due`` says it, rather than "not a date" with forms the requester did follow."""
    return N_("no such date: '{value}'", value=text)


def dated(text: str, today: date | None = None) -> tuple[str, Msg | None]:
    """A date (ISO), with or without its weekday, or why not; one that names another
    weekday is refused, as which of the two was meant cannot be known, and one no
    calendar has is said to be none. ``text`` in half width (NFKC), a deadline's words
    around it (:func:`_unwrapped`) not part of it. ``today``: the day a month and day
    without the year is counted from (:func:`next_month_day`); without it such a date
    is refused, as its year cannot be known."""
    text = _unwrapped(text)
    weekday = _WEEKDAY.search(text)
    named = _weekday_number(weekday[1].strip()) if weekday else None
    if weekday and named is not None:
        text = text[: weekday.start()].rstrip()
    first = _WEEKDAY_FIRST.match(text)
    said_first = _weekday_number(first[1].lower()) if first else None
    if first and said_first is not None:
        text = text[first.end() :]
    # the Japanese text also shows the 2026年3月2日 form, which is read too
    parsed = _date(text, today)
    if parsed is None:
        return "", NOT_A_DATE
    if isinstance(parsed, Msg):
        return "", parsed
    said = {
        date.fromisoformat(parsed).weekday(),
        *(d for d in (named, said_first) if d is not None),
    }
    if len(said) > 1:
        return "", N_("the weekday does not match the date {date}", date=parsed)
    return parsed, None


def _unwrapped(text: str) -> str:
    """``text`` without the words around a deadline's day (:data:`_DEADLINE` and the
    other tables): each looked for once, at an end, so the cost is the tables'."""
    for table in (_DATE_STOPS, _DATE_POLITE, _DEADLINE):
        text = next((text[: -len(w)].rstrip() for w in table if text.endswith(w)), text)
    lowered = text[:4].lower()
    return next((text[len(w) :] for w in _DATE_BEFORE if lowered.startswith(w)), text)


def _weekday_number(name: str) -> int | None:
    """0 for Monday … 6 for Sunday, from 水, 水曜, 水曜日, wed or wednesday."""
    name = name.removesuffix("曜日").removesuffix("曜").rstrip(".")
    return next((n for n, names in enumerate(_WEEKDAYS) if name in names), None)


def _date(text: str, today: date | None) -> str | Msg | None:
    """The ISO date ``text`` names, why no calendar has it, or None (not a date, or a
    month and day without the day they count from)."""
    parts = date_parts(text)
    short = month_day(text) if parts is None and today is not None else None
    end = month_end(text) if parts is None and short is None else None
    try:
        if short is not None and today is not None:
            return next_month_day(short, today).isoformat()
        if end is not None and end[0] is None and today is not None:
            this_year = _last_day(today.year, end[1])
            return (
                this_year if this_year >= today else _last_day(today.year + 1, end[1])
            ).isoformat()
        return date(*parts).isoformat() if parts else None
    except ValueError:
        return _no_such_day(text)


def month_end(text: str) -> tuple[int | None, int] | None:
    """Year (None when not written) and month of ``4月末``, ``2027年4月末日``, ``end of
    April`` (half width), the month not yet checked to be one."""
    m = _MONTH_END.fullmatch(text)
    if m:
        return (int(m[1]) if m[1] else None), int(m[2])
    m = _END_OF.fullmatch(text)
    if m:
        return (int(m[2]) if m[2] else None), _MONTH_NAMES[m[1].lower()]
    return None


def _last_day(year: int, month: int) -> date:
    """The last day of the month; ValueError for a month no year has (13月末)."""
    return date(year, month, calendar.monthrange(year, month)[1])


def month_day(text: str) -> tuple[int, int] | None:
    """Month and day of ``3/10`` or ``3月10日`` (half width), not yet checked to be a day."""
    for pattern in _MONTH_DAY:
        m = pattern.fullmatch(text)
        if m:
            return int(m[1]), int(m[2])
    named = _named(text)
    return named[1:] if named is not None and named[0] is None else None


def _named(text: str) -> tuple[int | None, int, int] | None:
    """Year (None when not written), month and day of an English date: April 1, 2026;
    1 Apr 2026; Apr. 1st."""
    m = _NAMED_MONTH_DAY.fullmatch(text)
    if m:
        return (int(m[3]) if m[3] else None), _MONTH_NAMES[m[1].lower()], int(m[2])
    m = _NAMED_DAY_MONTH.fullmatch(text)
    if m:
        return (int(m[3]) if m[3] else None), _MONTH_NAMES[m[2].lower()], int(m[1])
    return None


def next_month_day(month_and_day: tuple[int, int], today: date) -> date:
    """The next ``month_and_day`` from ``today``, today included: ``3/10`` written on
    12/5 is next year's. ValueError for a day no year has (2/30, 13/1). ``today`` is the
    caller's, in the zone the day is one of (the team's, the writer's)."""
    for year in range(today.year, today.year + _LEAP_GAP + 1):
        try:
            day = date(year, *month_and_day)
        except ValueError:
            continue  # 2/29 in a year without one, or no such day at all
        if day >= today:
            return day
    raise ValueError(month_and_day)


def date_parts(text: str) -> tuple[int, int, int] | None:
    """Year, month and day as written (2026-04-01, 2026/4/1, 2026.4.1, 2026年4月1日,
    令和8年4月1日, R8.4.1, April 1, 2026, 20260401, 2026年4月末 its last day), not yet
    checked to be a day of the calendar; ``text`` already in half width (NFKC). An
    era's year 0 is no year (None)."""
    for pattern in _DATES:
        m = pattern.fullmatch(text)
        if m:
            return int(m[1]), int(m[2]), int(m[3])
    english = _named(text)
    if english is not None and english[0] is not None:
        return english[0], english[1], english[2]
    end = month_end(text)
    if end is not None and end[0] is not None:  # 2027年4月末: its last day (13月: none)
        year_end, month_of = end[0], end[1]
        last = calendar.monthrange(year_end, month_of)[1] if 1 <= month_of <= 12 else 0
        return year_end, month_of, last
    named, short = _ERA_NAMED.fullmatch(text), _ERA_SHORT.fullmatch(text)
    if named:
        era, year, month, day = named[1], named[2], named[3], named[4]
    elif short:
        era, year, month, day = short[1].lower(), short[2], short[4], short[5]
    else:
        return None
    before = next(b for name, initial, b in _ERAS if era in (name, initial))
    number = 1 if year == "元" else int(year)
    return (before + number, int(month), int(day)) if number else None
