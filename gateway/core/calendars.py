"""The team's calendars by name, and which one a catalog entry's tickets count in.

One team may keep several clocks, as Zammad gives each SLA its calendar: the office
line counts its targets in office hours (the default, ``[business_hours]``), the
outage line around the clock (the built-in ``always``), a second site in its own
zone with its own holidays (``[[business_hours.calendars]]``). A catalog entry names
one (``calendar: osaka``); everything that computes a wait or a deadline for a
ticket takes the calendar :func:`calendar_for` picks for its entry, passed along
as a value, so the rules stay pure and no module keeps a calendar of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.core.business_hours import MINUTES_PER_DAY, Calendar

# the built-in 24x7 calendar's name: every day, all day, no holidays
ALWAYS = "always"


def always(timezone: str) -> Calendar:
    """Around the clock in ``timezone``: a target is real time (a 4h first response at
    Friday 18:00 is due at 22:00), and a working day (``"1bd"``) is any day."""
    return Calendar(timezone, (((0, MINUTES_PER_DAY),),) * 7)


@dataclass(frozen=True, slots=True)
class Calendars:
    """Every calendar an entry may name, and the default one.

    ``default``: ``[business_hours]``, for an entry that names none and for the
    config's own ``[schedule]`` waits unless it names one (None: the wall clock);
    ``named``: the ``[[business_hours.calendars]]`` and ``always``, by name;
    ``schedule``: the name ``[schedule] calendar`` gives (None: the default)."""

    default: Calendar | None = None
    named: tuple[tuple[str, Calendar], ...] = ()
    schedule: str | None = None

    @property
    def names(self) -> frozenset[str]:
        return frozenset(name for name, _ in self.named)

    @property
    def for_schedule(self) -> Calendar | None:
        """The calendar of the ``[schedule]`` waits' working days: the team's follow-ups
        of a requester, the same for every ticket whatever its entry's calendar."""
        return calendar_for(self.schedule, self)


def calendar_for(name: str | None, calendars: Calendars) -> Calendar | None:
    """The calendar of an entry that names ``name`` (None: it names none, so the
    default). A name the calendars do not hold is refused when the catalog is loaded
    (:mod:`gateway.catalog.reader`); a catalog read without the config's names (a test's
    text) falls back to the default rather than to no clock at all."""
    if name is None:
        return calendars.default
    return next((cal for n, cal in calendars.named if n == name), calendars.default)
