"""Who gets a new ticket of a catalog entry.

Round robin is computed from counts, not from a stored pointer: "the member of
the list who has had the fewest tickets of this entry, the first listed on a
tie". From equal counts that serves the list in turn; it survives restarts and
catalog reloads with nothing to persist, and a member added later catches up
instead of waiting a full round.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gateway.catalog.model import Catalog, Entry


@dataclass(frozen=True, slots=True)
class Assignment:
    assignee: str | None
    rule: str  # entry | round-robin | fallback-manager | none


def next_in_turn(candidates: Sequence[str], counts: Mapping[str, int]) -> str:
    """The candidate with the fewest tickets so far; list order breaks ties."""
    if not candidates:
        raise ValueError("no candidates to serve in turn")
    return min(candidates, key=lambda c: (counts.get(c, 0), candidates.index(c)))


def choose_assignee(catalog: Catalog, entry: Entry, counts: Mapping[str, int]) -> Assignment:
    """The entry's assignee, its list in turn, else the fallback entry's manager."""
    if len(entry.assignees) == 1:
        return Assignment(entry.assignees[0], "entry")
    if entry.assignees:
        return Assignment(next_in_turn(entry.assignees, counts), "round-robin")
    manager = entry.manager or catalog.fallback.manager
    return Assignment(manager, "fallback-manager" if manager else "none")
