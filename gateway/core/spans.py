"""How long something took, in words: the one way a duration is written for people.

Days and hours from a day on, hours and minutes from an hour, whole minutes under an
hour and "under 1 min" (「1 分未満」) under a minute, so a ticket closed within seconds is
not "0.0 h", and a whole hour is "1 h" (「1 時間」), not the "1.0 h" a reader of either
language stumbles on; 「< 1 分」 was a sign, not Japanese. The board's
median (``span`` in ``templates/web/_macros.html.j2``) and ``catalog stats``
both write it with this; :func:`age` is the same words in whole units (a card's
age). :func:`period` says a length of time inside a sentence of a
mail ("not updated for 12 hours"), in whole units.
"""

from __future__ import annotations

from datetime import timedelta

from gateway.core.business_hours import Wait, WorkingDays
from gateway.core.i18n import N_, Msg

MINUTE, HOUR, DAY = 60, 3600, 86400
NONE = "–"  # no duration to show (no ticket closed)


def span(seconds: float | None) -> Msg | str:
    """A length in its two largest units, counted down to whole ones: "2 d 5 h",
    "1 h 30 min", "42 min" (the smaller left out when it is nought: "2 d", "1 h")."""
    if seconds is None:
        return NONE
    if seconds >= DAY:
        days, hours = divmod(int(seconds // HOUR), 24)
        return _two(N_("{n} d", n=days), N_("{n} h", n=hours) if hours else None)
    if seconds >= HOUR:
        hours, minutes = divmod(int(seconds // MINUTE), 60)
        return _two(N_("{n} h", n=hours), N_("{n} min", n=minutes) if minutes else None)
    if seconds >= MINUTE:
        return N_("{n} min", n=int(seconds // MINUTE))
    return N_("under 1 min")


def _two(larger: Msg, smaller: Msg | None) -> Msg:
    return larger if smaller is None else N_("{larger} {smaller}", larger=larger, smaller=smaller)


def age(length: timedelta) -> Msg:
    """How old something is, short (a board's card): whole days from a day on, whole
    hours from an hour, whole minutes under that and "under 1 min" under a minute, in
    :func:`span`'s words. Whole hours alone said "0 h" of a ticket opened minutes ago."""
    seconds = max(length.total_seconds(), 0.0)
    if seconds >= DAY:
        return N_("{n} d", n=int(seconds // DAY))
    if seconds >= HOUR:
        return N_("{n} h", n=int(seconds // HOUR))
    if seconds >= MINUTE:
        return N_("{n} min", n=int(seconds // MINUTE))
    return N_("under 1 min")


def period(length: timedelta) -> Msg:
    """A length of time in a sentence: in days from a day on, hours from an hour, else
    minutes (at least one), counted down to whole units, as a reminder says how long
    something waited ("3 days" after 3 days and 2 hours). A team may set ``stale_after:
    12h`` or ``pending_reminder_after = "4h"``: days alone would tell them "0 days"."""
    seconds = max(length.total_seconds(), 0.0)
    days, hours, minutes = int(seconds // DAY), int(seconds // HOUR), int(seconds // MINUTE)
    if days:
        return N_("1 day") if days == 1 else N_("{n} days", n=days)
    if hours:
        return N_("1 hour") if hours == 1 else N_("{n} hours", n=hours)
    return N_("{n} minutes", n=minutes) if minutes > 1 else N_("1 minute")


def wait(length: Wait) -> Msg:
    """A wait as the team wrote it, in a sentence: :func:`period` for real time, and
    working days as working days ("2bd": "2 working days"), never the real days a
    weekend makes of them."""
    if isinstance(length, WorkingDays):
        n = length.days
        return N_("1 working day") if n == 1 else N_("{n} working days", n=n)
    return period(length)


def shortest(waits: list[Wait]) -> Wait:
    """The shortest of ``waits`` (one at least), a working day counted as a day: how a
    reminder listing tickets of several entries says how long they went untouched."""
    return min(waits, key=lambda w: timedelta(days=w.days) if isinstance(w, WorkingDays) else w)


def as_set(value: timedelta) -> str:
    """A duration as a setting writes it (``1d``, ``36h``, ``90m``): a health problem
    names the limit it broke in the words that set it."""
    seconds = int(value.total_seconds())
    for unit, size in (("d", DAY), ("h", HOUR), ("m", MINUTE)):
        if seconds % size == 0 and seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
