"""``[schedule]``: when the scheduler nags (:mod:`gateway.scheduling.rules`).

The waits on a requester (``pending_reminder_after``, ``pending_close_after``) are real
time (``"3d"``: 72 hours, over nights and weekends) or, for a team with
``[business_hours]``, the team's working days (``"2bd"``): explicit, so nobody reads
"3d" as three working days or the reverse.
"""

from __future__ import annotations

from datetime import timedelta

from gateway.config.sections import Section, duration, wait
from gateway.config.settings import ScheduleSettings
from gateway.config.units import parse_weekly
from gateway.core.business_hours import WorkingDays
from gateway.core.errors import ConfigError
from gateway.core.i18n import N_

KEYS = {
    "digest",
    "pending_reminder_after",
    "pending_close_after",
    "inventory",
    "inventory_after",
    "sweep_interval",
    "due_soon",
    "due_soon_percent",
}


def read_schedule(s: Section, calendar: bool) -> ScheduleSettings:
    """``calendar``: whether ``[business_hours]`` is there, which waits in working days
    need (:func:`gateway.config.sections.wait`)."""
    s.unknown(KEYS)
    digest = s.str("digest", "mon 09:00")
    parse_weekly(digest, path=s.path, key=s.key("digest"))
    reminder = wait(s, "pending_reminder_after", "3d", calendar)
    close = wait(s, "pending_close_after", "7d", calendar)
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
    )


def _not_longer(close: timedelta | WorkingDays, reminder: timedelta | WorkingDays) -> bool:
    """Whether the close comes no later than the reminder, when the two compare."""
    if isinstance(close, WorkingDays) and isinstance(reminder, WorkingDays):
        return close.days <= reminder.days
    if isinstance(close, timedelta) and isinstance(reminder, timedelta):
        return close <= reminder
    return False
