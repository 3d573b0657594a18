"""The figures behind ``ticket-gateway stats``, as plain data.

Rows are fetched once and counted in Python: the medians, ISO weeks in the
team's time zone and CJK bigrams would need a different SQL dialect for each
backend, and a small team's ticket table fits in memory many times over.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.core.text import HIRAGANA, cjk_runs, normalise
from store.models import Message, Ticket

_CLOSED = "closed"
_LATIN_WORD = re.compile(r"[a-z][a-z0-9'-]{2,}")
_HIRAGANA_ONLY = re.compile(f"[{HIRAGANA}]+")
# Words that say nothing about what a request is about (plus mail boilerplate).
_STOP_TEXT = """
a about above after again all also am an and any are as at be been before being
below but by can cannot could did do does doing don't down during each few for from
further get got had has have having he her here hers him his how i i'm if in into is
it it's its just me more most my no nor not now of off on once only or other our ours
out over own please same she should so some such than thank thanks that the their
them then there these they this those through to too under until up very was we
were what when where which while who whom why will with would you your yours
dear hello hi regards best kind morning afternoon since today yesterday still
re fwd fw help issue problem request question need needs want
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())
# Bigrams of Japanese mail boilerplate ("お世話になっております", "よろしくお願いします").
STOP_BIGRAMS = frozenset(
    {
        "世話",
        "願い",
        "お願",
        "宜し",
        "申し",
        "致し",
        "頂け",
        "下さ",
        "お疲",
        "疲れ",
        "担当",
        "確認",
        "対応",
        "件名",
        "以下",
        "連絡",
    }
)


def compute(
    session: Session,
    *,
    entry_ids: Sequence[str],
    fallback_id: str,
    tz: tzinfo,
    top_terms: int = 20,
) -> dict[str, Any]:
    """Every figure ``stats`` shows; ``entry_ids`` gives the order (catalog order)."""
    rows = session.execute(
        select(
            Ticket.id,
            Ticket.catalog,
            Ticket.assignee,
            Ticket.state,
            Ticket.created_at,
            Ticket.closed_at,
        )
    ).all()
    return {
        "entries": per_entry(rows, entry_ids),
        "assignees": per_assignee(rows),
        "weeks": per_week(rows, tz),
        "fallback": fallback_report(session, fallback_id, top_terms),
    }


def per_entry(rows: Sequence[Any], entry_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Open/closed counts and the median time to close, in catalog order, unknown ids last."""
    known = list(entry_ids)
    extra = sorted({r.catalog or "" for r in rows} - set(known))
    out = []
    for entry in [*known, *extra]:
        mine = [r for r in rows if (r.catalog or "") == entry]
        durations = [
            (r.closed_at - r.created_at).total_seconds()
            for r in mine
            if r.state == _CLOSED and r.closed_at is not None
        ]
        out.append(
            {
                "entry": entry or None,
                "open": sum(1 for r in mine if r.state != _CLOSED),
                "closed": sum(1 for r in mine if r.state == _CLOSED),
                "median_close_seconds": statistics.median(durations) if durations else None,
            }
        )
    return out


def per_assignee(rows: Sequence[Any]) -> list[dict[str, Any]]:
    """Open tickets per assignee, with the oldest one (what a digest would nag about)."""
    open_rows = [r for r in rows if r.state != _CLOSED]
    out = []
    for who in sorted({r.assignee or "" for r in open_rows}):
        mine = sorted(
            (r for r in open_rows if (r.assignee or "") == who), key=lambda r: (r.created_at, r.id)
        )
        out.append(
            {
                "assignee": who or None,
                "open": len(mine),
                "oldest_ticket": mine[0].id,
                "oldest_created_at": mine[0].created_at.isoformat(),
            }
        )
    return out


def per_week(rows: Sequence[Any], tz: tzinfo) -> list[dict[str, Any]]:
    """Opened and closed per ISO week (``2026-W10``), in the team's time zone."""
    opened = Counter(_week(r.created_at, tz) for r in rows)
    closed = Counter(
        _week(r.closed_at, tz) for r in rows if r.state == _CLOSED and r.closed_at is not None
    )
    return [
        {"week": w, "opened": opened.get(w, 0), "closed": closed.get(w, 0)}
        for w in sorted(set(opened) | set(closed))
    ]


def fallback_report(session: Session, fallback_id: str, top: int) -> dict[str, Any]:
    """The terms most tickets of the fallback share: candidates for new entries.

    Counted per ticket (document frequency), so one long mail repeating a word
    does not outweigh the same word in many short requests.
    """
    texts: dict[int, list[str]] = {}
    stmt = (
        select(Message.ticket_id, Message.subject, Message.new_text)
        .join(Ticket, Ticket.id == Message.ticket_id)
        .where(Ticket.catalog == fallback_id, Message.direction == "in", Message.kind == "request")
    )
    for tid, subject, new_text in session.execute(stmt):
        texts.setdefault(tid, []).extend([subject or "", new_text or ""])
    counts: Counter[tuple[str, str]] = Counter()
    for parts in texts.values():
        counts.update(set(terms(" ".join(parts))))
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][1]))[:top]
    return {
        "entry": fallback_id,
        "tickets": len(texts),
        "terms": [{"term": t, "kind": k, "tickets": n} for (k, t), n in ranked if n > 1],
    }


def terms(text: str) -> Iterable[tuple[str, str]]:
    """``("word", w)`` for Latin words and ``("bigram", b)`` for CJK character pairs."""
    norm = normalise(text)
    for word in _LATIN_WORD.findall(norm):
        if word not in STOP_WORDS:
            yield "word", word
    for run in cjk_runs(norm):
        for i in range(len(run) - 1):
            bigram = run[i : i + 2]
            if not _HIRAGANA_ONLY.fullmatch(bigram) and bigram not in STOP_BIGRAMS:
                yield "bigram", bigram


def _week(at: datetime, tz: tzinfo) -> str:
    year, week, _ = at.astimezone(tz).isocalendar()
    return f"{year}-W{week:02d}"
