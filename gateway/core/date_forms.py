"""How each language writes a date and a time, from the Unicode CLDR: the patterns
and names :mod:`gateway.core.zone` says a time with. Pure, standard library only.

The values are CLDR's as Babel ships them; ``tools/i18n.py check`` (and so the test
suite) compares every one with Babel's, so an upgrade that changes CLDR is seen, and
``tools/i18n.py dates`` prints the table afresh. They are kept here rather than read
through Babel at run time because Babel's locale data weighed about 10 MB in every
process that said a time (the processing child renders every acknowledgement), where
the whole daemon must stay under 200 MB (issue #18).

Only the pattern letters these patterns use are known (:func:`format_pattern` refuses
any other), so a new pattern cannot be printed wrong without a test failing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class DateForms:
    """One language's forms, named after the CLDR data they come from."""

    date: str  # the skeleton yMMMEd's pattern: a date with its weekday
    month_day: str  # the skeleton MMMd's: a day of this year's calendar (a week's days)
    clock: str  # the skeleton Hm's pattern: a 24-hour clock, as the plain form has
    glue: str  # datetime_formats "medium": {1} the date, {0} the time
    days: tuple[str, ...]  # abbreviated weekdays, format context, Monday first
    months: tuple[str, ...]  # abbreviated months, format context, January first


FORMS: dict[str, DateForms] = {
    # 2026年12月5日(土) 10:00
    "ja": DateForms(
        date="y年M月d日(E)",
        month_day="M月d日",
        clock="H:mm",
        glue="{1} {0}",
        days=("月", "火", "水", "木", "金", "土", "日"),
        months=tuple(f"{m}月" for m in range(1, 13)),
    ),
    # Sat, Dec 5, 2026, 10:00
    "en": DateForms(
        date="E, MMM d, y",
        month_day="MMM d",
        clock="HH:mm",
        glue="{1}, {0}",
        days=("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
        months=("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    ),
}
FALLBACK = "en"  # a language we have no forms for reads the English ones


def forms(locale: str) -> DateForms:
    """The forms of ``locale`` (``ja``, ``ja_JP``, ``en-US``), else English's."""
    language = locale.replace("-", "_").split("_", 1)[0].lower()
    return FORMS.get(language, FORMS[FALLBACK])


def format_pattern(pattern: str, at: datetime, words: DateForms) -> str:
    """``at`` written by a CLDR ``pattern`` (runs of one letter are fields, text in
    single quotes is literal, ``''`` a quote); one pass over the pattern."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "'":
            if pattern.startswith("''", i):  # '' is one quote, in quoted text or out
                out.append("'")
                i += 2
                continue
            i += 1
            while i < n and (pattern[i] != "'" or pattern.startswith("''", i)):
                out.append(pattern[i])
                i += 2 if pattern[i] == "'" else 1
            i += 1  # the closing quote
        elif c.isascii() and c.isalpha():
            j = i
            while j < n and pattern[j] == c:
                j += 1
            out.append(_field(c, j - i, at, words))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _field(letter: str, width: int, at: datetime, words: DateForms) -> str:
    if letter == "y":
        return f"{at.year % 100:02d}" if width == 2 else f"{at.year:0{width}d}"
    if letter == "M" and width >= 3:
        if width > 3:
            raise ValueError(f"pattern field {letter * width} is not known here")
        return words.months[at.month - 1]
    if letter == "E" and width <= 3:
        return words.days[at.weekday()]
    numbers = {"M": at.month, "d": at.day, "H": at.hour, "m": at.minute}
    if letter in numbers and width <= 2:
        return f"{numbers[letter]:0{width}d}"
    raise ValueError(f"pattern field {letter * width} is not known here")
