"""The fallback report: the words the tickets under the fallback entry share, as
candidates for new entries (``stats``, the board's "other" panel, the managers'
summary; :mod:`store.stats` says it with its other figures)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from gateway.core.model import CloseReason
from gateway.core.word_groups import group_terms
from gateway.core.words import counted_as, words
from store.models import Message, Ticket

FALLBACK_DAYS = 30  # with ``now``: the fallback report reads the tickets of this many days
# The report's tickets: a run of spam under the fallback (closed as spam, kept for the
# record) shares its words ("bitcoin", "offer") and came first as the new entry to
# paste; a ticket closed as a duplicate is a request counted already (its original's),
# as a merged duplicate is, and one mail sent twice made its every word "recur". A
# reopened ticket has no close reason any more, so it counts again.
NOT_COUNTED = (CloseReason.SPAM.value, CloseReason.DUPLICATE.value)
REQUESTS = or_(Ticket.close_reason.is_(None), Ticket.close_reason.not_in(NOT_COUNTED))
# a term's entries that have it as a keyword already (the catalog's, handed in from above)
KeywordOf = Callable[[str], list[str]]


def fallback_report(
    session: Session,
    fallback_id: str,
    top: int,
    since: datetime | None = None,
    keyword_of: KeywordOf | None = None,
) -> dict[str, Any]:
    """The words most tickets of the fallback share (opened since ``since``, or all):
    candidates for new entries.

    Counted per ticket (document frequency), so one long mail repeating a word
    does not outweigh the same word in many short requests. A ticket closed as spam is
    no request, one closed as a duplicate a request counted already (:data:`REQUESTS`).

    ``keyword_of`` (a term's entries that have it as a keyword already, from the
    catalog: :func:`gateway.catalog.known.keyword_of`) marks each term (``keyword_of``,
    empty for a candidate) and leaves those out of the groups. ``top`` then counts the
    candidates, the marked terms listed beside them up to ``top`` too: after an entry
    is pasted, the tickets left behind rank its words first, and a cut taken before the
    marks left no room for the pattern that came since (the summary said none).
    """
    texts: dict[int, list[str]] = {}
    stmt = (
        select(Message.ticket_id, Message.subject, Message.new_text)
        .join(Ticket, Ticket.id == Message.ticket_id)
        .where(
            Ticket.catalog == fallback_id,
            REQUESTS,
            Message.direction == "in",
            Message.kind == "request",
        )
    )
    if since is not None:
        stmt = stmt.where(Ticket.created_at >= since)
    for tid, subject, new_text in session.execute(stmt):
        texts.setdefault(tid, []).extend([subject or "", new_text or ""])
    seen: dict[tuple[str, str], set[int]] = defaultdict(set)
    for tid, parts in texts.items():
        for term in set(terms(" ".join(parts))):
            seen[term].add(tid)
    seen = _as_keywords(seen)
    recurring = sorted(
        ((term, ids) for term, ids in seen.items() if len(ids) > 1),
        key=lambda kv: (-len(kv[1]), kv[0][1]),
    )
    ranked, owners = _chosen(recurring, top, keyword_of)
    offered = [(t, ids) for (_, t), ids in ranked if not owners.get(t)]
    groups = group_terms(dict(offered), [t for t, _ in offered])
    listed: list[dict[str, Any]] = [
        {"term": t, "kind": k, "tickets": len(ids)} for (k, t), ids in ranked
    ]
    report: dict[str, Any] = {
        "entry": fallback_id,
        "tickets": len(texts),
        "terms": [{**t, "keyword_of": owners.get(str(t["term"]), [])} for t in listed]
        if keyword_of is not None
        else listed,
        # the words that come together in the same tickets: one new entry per group
        "groups": [{"terms": g.terms, "tickets": len(g.tickets)} for g in groups],
    }
    if since is not None:
        report["since"] = since.isoformat()
    return report


Ranked = list[tuple[tuple[str, str], set[int]]]


def _chosen(
    recurring: Ranked, top: int, keyword_of: KeywordOf | None
) -> tuple[Ranked, dict[str, list[str]]]:
    """The first ``top`` candidates of ``recurring`` (in its order), with the terms an
    entry has already met on the way (at most ``top`` of them), and those terms' entries.
    Each term is looked up once, in rank order, and the walk stops at the last one."""
    if keyword_of is None:
        return recurring[:top], {}
    chosen: Ranked = []
    owners: dict[str, list[str]] = {}
    candidates = 0
    for (kind, term), ids in recurring:
        if candidates >= top:
            break
        if has := keyword_of(term):
            if len(owners) < top:
                owners[term] = has
                chosen.append(((kind, term), ids))
            continue
        candidates += 1
        chosen.append(((kind, term), ids))
    return chosen, owners


def _as_keywords(seen: dict[tuple[str, str], set[int]]) -> dict[tuple[str, str], set[int]]:
    """The spellings one keyword would find counted as one word (プロジェクタ with
    プロジェクター, projectors with projector): a manager reads one candidate, with all
    its tickets, not two halves that each look rarer than the pattern is."""
    said = counted_as({term for _, term in seen})
    joined: dict[tuple[str, str], set[int]] = defaultdict(set)
    for (kind, term), ids in seen.items():
        joined[(kind, said[term])] |= ids
    return joined


def terms(text: str) -> Iterable[tuple[str, str]]:
    """``(kind, word)``: Latin words and Japanese words split at script changes
    (:func:`gateway.core.words.words`), never character fragments."""
    return words(text)
