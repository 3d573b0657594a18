"""Words that come together: the fallback's recurring words grouped by the tickets they
share, so the board can offer one catalog entry per pattern (projectors in meeting
rooms; expense claims) instead of one entry holding every word.

Pure and small: the words are the fallback report's top few (tens), each with the set
of tickets it appears in; each word is compared with each group's first word once.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

# A word joins a group when more than this share of the smaller of its tickets and the
# group's first word's tickets are the same tickets (the overlap coefficient): a word
# met in one ticket of each of two patterns belongs to neither.
JOIN = 0.5
# A word that joins no group starts one only when at least this share of its tickets is
# in no group yet: a word spread over tickets of patterns already found is no pattern.
NEW = 0.5


@dataclass(slots=True)
class Group:
    terms: list[str]
    tickets: set[int] = field(default_factory=set)  # every ticket of any of its words
    seed: frozenset[int] = frozenset()  # the tickets of its first word


def group_terms(tickets_of: Mapping[str, Collection[int]], order: Sequence[str]) -> list[Group]:
    """``order``'s words (most tickets first) in groups of words seen in the same
    tickets, the groups with most tickets first. A word joins the group it overlaps
    most (see :data:`JOIN`); one that joins none starts a group (see :data:`NEW`) or
    is left out."""
    groups: list[Group] = []
    covered: set[int] = set()
    for term in order:
        mine = frozenset(tickets_of.get(term, ()))
        if not mine:
            continue
        best, share = None, 0.0
        for g in groups:
            overlap = len(mine & g.seed) / min(len(mine), len(g.seed))
            if overlap > share:
                best, share = g, overlap
        if best is not None and share > JOIN:
            best.terms.append(term)
            best.tickets |= mine
        elif len(mine - covered) >= NEW * len(mine):
            groups.append(Group([term], set(mine), mine))
        else:
            continue
        covered |= mine
    return sorted(groups, key=lambda g: -len(g.tickets))
