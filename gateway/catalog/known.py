"""Which words of the fallback report the catalog has as keywords already.

The report (:func:`store.stats.fallback_report`) lists the words the fallback's
tickets share, as candidates for new entries. Once the manager has added an entry for
a pattern, tickets that stay in the fallback still hold its words: closed ones, ones a
negative keyword vetoed, ones filed there by hand, ones not refiled yet. Such a word is
no candidate any more; offering it again (the board's ready-to-paste entry) would put
one keyword under two entries. Whether an entry has it is decided by the matcher
itself (:func:`gateway.catalog.match.classify` of the word alone), so every spelling
and pattern the catalog accepts counts (``projectors``, ``プロジェクタ``, a regex).
Pure: the report in, the report with the marks out.
"""

from __future__ import annotations

from typing import Any

from gateway.catalog.match import classify
from gateway.catalog.model import Catalog


def keyword_of(catalog: Catalog, term: str) -> list[str]:
    """The entries (in catalog order) whose keywords find ``term`` written alone."""
    result = classify(catalog, "", term)
    found = {entry for entry, _ in result.scores} | {entry for entry, _ in result.vetoed}
    return [e.id for e in catalog.entries if e.id in found]


def marked(report: dict[str, Any], catalog: Catalog) -> dict[str, Any]:
    """``report`` with each term's ``keyword_of`` (the entries that have it already;
    empty for a candidate), and its groups without those terms (a group left with none
    is no new entry, and goes)."""
    known = {t["term"]: keyword_of(catalog, t["term"]) for t in report["terms"]}
    groups = [
        {**g, "terms": kept}
        for g in report.get("groups", ())
        if (kept := [t for t in g["terms"] if not known.get(t)])
    ]
    return {
        **report,
        "terms": [{**t, "keyword_of": known[t["term"]]} for t in report["terms"]],
        "groups": groups,
    }
