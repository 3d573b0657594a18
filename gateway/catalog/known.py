"""Which words of the fallback report the catalog has as keywords already.

The report (:func:`store.stats.fallback_report`) lists the words the fallback's
tickets share, as candidates for new entries. Once the manager has added an entry for
a pattern, tickets that stay in the fallback still hold its words: closed ones, ones a
negative keyword vetoed, ones filed there by hand, ones not refiled yet. Such a word is
no candidate any more; offering it again (the board's ready-to-paste entry) would put
one keyword under two entries. Whether an entry has it is decided by the matcher
itself (:func:`gateway.catalog.match.classify` of the word alone), so every spelling
and pattern the catalog accepts counts (``projectors``, ``プロジェクタ``, a regex).
Pure: a term in, its entries out; the report asks while it ranks (:func:`finder`).
"""

from __future__ import annotations

from collections.abc import Callable

from gateway.catalog.match import classify
from gateway.catalog.model import Catalog


def keyword_of(catalog: Catalog, term: str) -> list[str]:
    """The entries (in catalog order) whose keywords find ``term`` written alone."""
    result = classify(catalog, "", term)
    found = {entry for entry, _ in result.scores} | {entry for entry, _ in result.vetoed}
    return [e.id for e in catalog.entries if e.id in found]


def finder(catalog: Catalog) -> Callable[[str], list[str]]:
    """:func:`keyword_of` under ``catalog``, as the fallback report takes it
    (:func:`store.stats.fallback_report`: it marks the terms as it ranks them, so the
    ones an entry has take no candidate's place)."""
    return lambda term: keyword_of(catalog, term)
