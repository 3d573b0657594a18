"""The figures behind ``ticket-gateway stats``, as plain data.

Rows are fetched once and counted in Python: the medians, ISO weeks in the
team's time zone and CJK bigrams would need a different SQL dialect for each
backend, and a small team's ticket table fits in memory many times over.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.core.words import words
from store.models import Message, Ticket
from store.reminders import force_closes

_CLOSED = "closed"
WINDOWS = (30, 90)  # days: the "recent" per-entry figures (the board's catalog panel)


def compute(
    session: Session,
    *,
    entry_ids: Sequence[str],
    fallback_id: str,
    tz: tzinfo,
    top_terms: int = 20,
    now: datetime | None = None,
    stale_after: Mapping[str, timedelta] | None = None,
) -> dict[str, Any]:
    """Every figure ``stats`` shows; ``entry_ids`` gives the order (catalog order).

    With ``now``: also the tickets per entry of the last 30 and 90 days
    (``recent``), and per assignee the stale tickets (untouched for their entry's
    ``stale_after``) and the inventory force-closes of this quarter. The board
    shows these same numbers, computed here, never on its own."""
    rows = session.execute(
        select(
            Ticket.id,
            Ticket.catalog,
            Ticket.assignee,
            Ticket.state,
            Ticket.created_at,
            Ticket.updated_at,
            Ticket.closed_at,
        )
    ).all()
    out: dict[str, Any] = {
        "entries": per_entry(rows, entry_ids),
        "assignees": per_assignee(rows),
        "weeks": per_week(rows, tz),
        "fallback": fallback_report(session, fallback_id, top_terms),
    }
    if now is not None:
        out["recent"] = {
            f"{days}d": per_entry(
                [r for r in rows if now - r.created_at <= timedelta(days=days)], entry_ids
            )
            for days in WINDOWS
        }
        since = quarter_start(now, tz)
        forced = force_closes(session, since, now)
        for a in out["assignees"]:
            a["stale"] = stale_count(rows, a["assignee"], stale_after or {}, now)
            a["force_closed_quarter"] = forced.get(a["assignee"] or "", 0)
        out["quarter_since"] = since.isoformat()
    return out


def quarter_start(now: datetime, tz: tzinfo) -> datetime:
    """The first instant of the calendar quarter ``now`` is in, in the team's time zone."""
    local = now.astimezone(tz)
    month = 3 * ((local.month - 1) // 3) + 1
    return local.replace(month=month, day=1, hour=0, minute=0, second=0, microsecond=0)


def stale_count(
    rows: Sequence[Any], assignee: str | None, stale_after: Mapping[str, timedelta], now: datetime
) -> int:
    """Open tickets of ``assignee`` untouched for their entry's ``stale_after`` (the
    rule of ``gateway.scheduling.rules.stale_period``: at least one whole period)."""
    n = 0
    for r in rows:
        if r.state == _CLOSED or (r.assignee or None) != assignee:
            continue
        limit = stale_after.get(r.catalog or "")
        if limit is not None and limit > timedelta(0) and now - r.updated_at >= limit:
            n += 1
    return n


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
    """``(kind, word)``: Latin words and Japanese words split at script changes
    (:func:`gateway.core.words.words`), never character fragments."""
    return words(text)


def _week(at: datetime, tz: tzinfo) -> str:
    year, week, _ = at.astimezone(tz).isocalendar()
    return f"{year}-W{week:02d}"
