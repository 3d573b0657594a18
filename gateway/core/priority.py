"""A ticket's priority: four levels, ordered, the one vocabulary every layer shares.

The mail's headers, the catalog entry's default, the ``/priority`` command, the
CLI, the SLA table and the board's order all speak in these values; the order
(:data:`ORDER`, most urgent first) is what the digest, the reminders and the
board sort by, so "urgent first" means the same thing everywhere.
"""

from __future__ import annotations

import enum


class Priority(enum.StrEnum):
    LOW = "low"  # whenever there is time
    NORMAL = "normal"  # the default of every ticket (migration 0006's column default)
    HIGH = "high"  # before the normal ones
    URGENT = "urgent"  # drop everything: 【至急】, Priority: urgent


# most urgent first: the order of every list sorted by priority
ORDER: tuple[Priority, ...] = (Priority.URGENT, Priority.HIGH, Priority.NORMAL, Priority.LOW)
LEVELS: tuple[str, ...] = tuple(p.value for p in reversed(ORDER))  # low … urgent, for help
DEFAULT = Priority.NORMAL

# subject markers → level when the config lists none ([priority] urgent/high/low)
DEFAULT_MARKERS: dict[str, tuple[str, ...]] = {
    "urgent": ("【至急】", "【緊急】", "[URGENT]", "至急", "緊急"),  # what Japanese teams write
}


def parse(value: str) -> Priority | None:
    """The level a person wrote (any case, surrounding space), or None."""
    try:
        return Priority(value.strip().lower())
    except ValueError:
        return None


def rank(value: str | None) -> int:
    """Sort key, urgent first (0) … low last (3); an unknown stored value sorts as normal."""
    level = parse(value or "") or DEFAULT
    return ORDER.index(level)


def raises(old: str | None, new: Priority) -> bool:
    """Whether ``new`` is more urgent than ``old`` (what a requester may not do)."""
    return rank(new) < rank(old)
