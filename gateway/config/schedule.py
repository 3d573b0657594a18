"""``[schedule]``: when the scheduler nags (:mod:`gateway.scheduling.rules`).

The waits on a requester (``pending_reminder_after``, ``pending_close_after``) are real
time (``"3d"``: 72 hours, over nights and weekends) or, for a team with
``[business_hours]``, the team's working days (``"2bd"``): explicit, so nobody reads
"3d" as three working days or the reverse. ``calendar`` names the calendar those
working days are counted in when it is not the default (a team whose calendars are all
``[[business_hours.calendars]]``, or one that follows requesters up every day:
``always``), as a catalog entry's ``calendar:`` names its own.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta

from gateway.config.sections import Section, duration, wait
from gateway.config.settings import ScheduleSettings
from gateway.config.units import parse_weekly
from gateway.core.business_hours import WorkingDays
from gateway.core.calendars import ALWAYS
from gateway.core.errors import ConfigError
from gateway.core.i18n import N_, Msg

KEYS = {
    "digest",
    "pending_reminder_after",
    "pending_close_after",
    "inventory",
    "inventory_after",
    "sweep_interval",
    "due_soon",
    "due_soon_percent",
    "calendar",
}


def read_schedule(s: Section, default: bool, names: Collection[str] = ()) -> ScheduleSettings:
    """``default``: whether ``[business_hours]`` is there; ``names``: the
    ``[[business_hours.calendars]]``'. Waits in working days need a calendar
    (:func:`gateway.config.sections.wait`): the one ``calendar`` names, else the default."""
    s.unknown(KEYS)
    digest = s.str("digest", "mon 09:00")
    parse_weekly(digest, path=s.path, key=s.key("digest"))
    named = _calendar(s, names)
    have = default or named is not None
    reminder = wait(s, "pending_reminder_after", "3d", have, _needs_calendar)
    close = wait(s, "pending_close_after", "7d", have, _needs_calendar)
    # days on the calendar and working days do not compare: a holiday week makes two
    # working days longer than seven days (then the close comes first, with no reminder)
    if _not_longer(close, reminder):
        raise ConfigError(
            s.path, s.key("pending_close_after"), N_("must be longer than pending_reminder_after")
        )
    return ScheduleSettings(
        digest=digest,
        pending_reminder_after=reminder,
        pending_close_after=close,
        inventory=s.bool("inventory", False),
        inventory_after=duration(s, "inventory_after", "30d"),
        sweep_interval=duration(s, "sweep_interval", "5m"),
        due_soon=duration(s, "due_soon", "1d"),
        due_soon_percent=s.int("due_soon_percent", 25, 1, 100),
        calendar=named,
    )


def _needs_calendar(value: object) -> Msg:
    """Why working days are refused here: as the catalog says it
    (:func:`gateway.config.units.needs_calendar`), with the other way this table has."""
    return N_(
        "{value!r} counts working days, which need a [business_hours] table or "
        "[schedule] calendar naming one of [[business_hours.calendars]]; without them "
        "write days on the calendar ('3d')",
        value=value,
    )


def _calendar(s: Section, names: Collection[str]) -> str | None:
    """The calendar ``calendar`` names (None: the key left out), refused as a catalog
    entry's is when the config has none of that name (:mod:`gateway.catalog.sla_reader`)."""
    if "calendar" not in s.data:
        return None
    name = s.str("calendar", "")
    known = {*names, ALWAYS}
    if name not in known:
        raise ConfigError(
            s.path,
            s.key("calendar"),
            N_(
                "no calendar {name!r} in the config (there are: {names})",
                name=name,
                names=", ".join(sorted(known)),
            ),
        )
    return name


def _not_longer(close: timedelta | WorkingDays, reminder: timedelta | WorkingDays) -> bool:
    """Whether the close comes no later than the reminder, when the two compare."""
    if isinstance(close, WorkingDays) and isinstance(reminder, WorkingDays):
        return close.days <= reminder.days
    if isinstance(close, timedelta) and isinstance(reminder, timedelta):
        return close <= reminder
    return False
