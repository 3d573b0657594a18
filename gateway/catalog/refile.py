"""Whether a ticket filed under an entry belongs elsewhere under the catalog as it is now.

The team splits the fallback into real entries as patterns show; the tickets
already in it are then classified again, exactly as a new request would be (the
same :func:`gateway.catalog.match.classify` of the request's subject and own
words), and a ticket moves only when a real entry now wins. What people decided
is never undone by keywords: a ticket whose entry was chosen in a form or chat,
or set by a member's ``/category``, stays where they put it, and an assignee a
person chose stays with the ticket. Pure: the caller reads the facts and writes
the move through the tickets service.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from gateway.catalog.match import Classification, classify
from gateway.catalog.model import Catalog, Entry


class Stay(StrEnum):
    """Why a ticket keeps its entry (each a line of the refile report)."""

    BY_PERSON = "by-person"  # its entry was chosen in a form or chat, or set with /category
    NO_MATCH = "no-match"  # no real entry wins: the fallback (or the same entry) again


@dataclass(frozen=True, slots=True)
class Move:
    entry: Entry  # where it belongs now
    classification: Classification  # the evidence, for its category event
    reassign: bool  # its assignee came from the old filing, so the new entry's rule applies


def filed_by_person(filing: Mapping[str, Any]) -> bool:
    """A category event's detail says a person chose the entry (a form or chat door, or
    a manual ``/category``), not the keywords."""
    return bool(filing.get("chosen_in")) or filing.get("rule") == "manual"


def where_now(
    catalog: Catalog,
    current: str,
    subject: str,
    new_text: str,
    filing: Mapping[str, Any],
    assigned_by_hand: bool,
) -> Move | Stay:
    """Where a ticket filed under ``current`` by ``filing`` belongs now. A ticket of an
    entry the catalog no longer has (renamed, or split in two) goes wherever its request
    is matched now, to the fallback too; any other goes only to a real entry."""
    gone = catalog.entry(current) is None
    if filed_by_person(filing) and not gone:
        return Stay.BY_PERSON
    result = classify(catalog, subject, new_text)
    entry = catalog.entry(result.entry_id) or catalog.fallback
    if entry.id == current or (entry.fallback and not gone):
        return Stay.NO_MATCH
    return Move(entry, result, reassign=not assigned_by_hand)
