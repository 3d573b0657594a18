"""Who gets a new ticket of a catalog entry.

Round robin is read from the tickets, not from a stored pointer: "the member
of the list who has gone longest without a new ticket of this entry; members who
never had one first, in list order" (RT's least-recently-assigned rotation). It
serves the list in turn, survives restarts and catalog reloads with nothing to
persist, and a member added later gets the next ticket and then joins the round.
An earlier rule, "the fewest tickets ever", made a member who joined after a year
take every new ticket until their count caught up, and its count grew with the
store (issue #18); the newest ticket of each member is one indexed lookup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gateway.catalog.model import Catalog, Entry


@dataclass(frozen=True, slots=True)
class Assignment:
    assignee: str | None
    rule: str  # entry | round-robin | fallback-manager | none


def next_in_turn(candidates: Sequence[str], last_served: Mapping[str, int]) -> str:
    """Whose turn it is, from each candidate's newest ticket id of the entry.

    Never served comes first (list order among them), then the one whose newest
    ticket is the oldest. Ticket ids only grow, so they order the turns.
    """
    if not candidates:
        raise ValueError("no candidates to serve in turn")
    return min(candidates, key=lambda c: (last_served.get(c, 0), candidates.index(c)))


def choose_assignee(catalog: Catalog, entry: Entry, last_served: Mapping[str, int]) -> Assignment:
    """The entry's assignee, its list in turn, else the fallback entry's manager."""
    if len(entry.assignees) == 1:
        return Assignment(entry.assignees[0], "entry")
    if entry.assignees:
        return Assignment(next_in_turn(entry.assignees, last_served), "round-robin")
    manager = entry.manager or catalog.fallback.manager
    return Assignment(manager, "fallback-manager" if manager else "none")
