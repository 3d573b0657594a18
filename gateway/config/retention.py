"""``[retention]``: how long a closed ticket is kept before the scheduler erases it.

::

    [retention]
    closed_tickets = "730d"   # absent, or "forever": kept for ever (the default)

A ticket closed longer than that ago is erased whole by the scheduler
(:mod:`gateway.scheduling.retention`), as ``requesters forget`` erases a person's
tickets: its mail, raw rows, outbox rows and their maildir copies, history and search
entries. Nothing shorter than a day is taken: the reopen window and a late reply
need the ticket.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from gateway.config.sections import Section, duration
from gateway.core.errors import ConfigError
from gateway.core.i18n import N_

KEYS = {"closed_tickets"}
SHORTEST = timedelta(days=1)  # Policy: the least a closed ticket is kept


@dataclass(frozen=True, slots=True)
class RetentionSettings:
    closed_tickets: timedelta | None = None  # None: kept for ever


def read_retention(s: Section) -> RetentionSettings:
    s.unknown(KEYS)
    value = s.data.get("closed_tickets", "forever")
    if isinstance(value, str) and value.strip().lower() == "forever":
        return RetentionSettings()
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value)[:1].isdigit():
        raise ConfigError(
            s.path,
            s.key("closed_tickets"),
            N_("not a duration: {text!r} (use e.g. '730d', or 'forever')", text=value),
        )
    kept = duration(s, "closed_tickets", "730d")
    if kept < SHORTEST:
        raise ConfigError(s.path, s.key("closed_tickets"), N_("must be at least 1d"))
    return RetentionSettings(kept)
