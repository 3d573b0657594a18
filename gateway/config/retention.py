"""``[retention]``: how long a closed ticket is kept before the scheduler erases it.

::

    [retention]
    closed_tickets = "730d"   # absent, or "forever": kept for ever (the default)

A ticket closed longer than that ago is erased whole by the scheduler
(:mod:`gateway.scheduling.retention`), as ``requesters forget`` erases a person's
tickets: its mail, raw rows, outbox rows and their maildir copies, history and search
entries. Nothing shorter than a day is taken, nor than ``[gateway] reopen_window``: a
reply within it reopens the closed ticket, which must still be there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from gateway.config.sections import Section, duration
from gateway.core.errors import ConfigError
from gateway.core.i18n import N_

if TYPE_CHECKING:  # settings holds RetentionSettings
    from gateway.config.settings import GatewaySettings

KEYS = {"closed_tickets"}
SHORTEST = timedelta(days=1)  # Policy: the least a closed ticket is kept


@dataclass(frozen=True, slots=True)
class RetentionSettings:
    closed_tickets: timedelta | None = None  # None: kept for ever


def read_retention(s: Section, gw: GatewaySettings | None = None) -> RetentionSettings:
    """``[retention]``; ``gw``'s ``reopen_window`` is the least a period may be."""
    reopen_window = gw.reopen_window if gw is not None else SHORTEST
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
    if kept < reopen_window:  # erased while a reply would still reopen it
        said = N_(
            "must be at least gateway.reopen_window ({window}): a reply within it reopens"
            " the closed ticket",
            window=_written(reopen_window),
        )
        raise ConfigError(s.path, s.key("closed_tickets"), said)
    return RetentionSettings(kept)


def _written(span: timedelta) -> str:
    """``span`` as a configuration file writes it (``14d``, ``36h``, ``90m``, ``45s``)."""
    seconds = int(span.total_seconds())
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
