"""The figures behind ``ticket-gateway stats`` and the web board, as plain data.

One query layer for both: :func:`compute` (the ``stats`` command) is made of
the functions the board calls (:func:`board_figures`), so the two never show
different numbers. Counts are grouped in SQL and durations come back as
seconds computed by the database, so a board over tens of thousands of
tickets reads a few thousand numbers, not every row. Medians, ISO weeks in
the team's time zone and Japanese words are done in Python.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.types import Float

from gateway.core.model import CloseReason
from gateway.core.weeks import iso_week
from store import holders
from store.models import Ticket, TicketEvent
from store.reminders import closes, force_closes

# the fallback report is a module of its own; said here too, with the other figures
from store.stats_fallback import FALLBACK_DAYS as FALLBACK_DAYS
from store.stats_fallback import KeywordOf as KeywordOf
from store.stats_fallback import fallback_report as fallback_report
from store.stats_fallback import terms as terms

_CLOSED = "closed"
_OPEN = ("new", "open", "pending")  # IN, not != closed: the state index can serve it
WINDOWS = (30, 90)  # days: the "recent" per-entry figures (the board's catalog panel)
# a duplicate merged into another ticket is that ticket's request: counted once, there
# (its closing by the merge is no resolution, and would pull every median down)
COUNTED = Ticket.merged_into_id.is_(None)
# The median time to close is the time to a resolution: a ticket closed as spam, as a
# duplicate, for no response or by the inventory (``CloseReason``) was closed, not
# resolved, and one spam mail left four weeks would make an entry's median weeks long.
# Those still count as closed. A closed ticket without a reason is resolved, the default.
RESOLVED = and_(
    Ticket.state == _CLOSED,
    or_(Ticket.close_reason == CloseReason.RESOLVED.value, Ticket.close_reason.is_(None)),
)


def compute(
    session: Session,
    *,
    entry_ids: Sequence[str],
    fallback_id: str,
    tz: tzinfo,
    top_terms: int = 20,
    now: datetime | None = None,
    stale: Mapping[str, int] | None = None,
    team: Collection[str] = (),
    keyword_of: KeywordOf | None = None,
) -> dict[str, Any]:
    """Every figure ``stats`` shows; ``entry_ids`` gives the order (catalog order);
    ``team``: the members' addresses (:func:`per_assignee`); ``keyword_of``: the
    entries that have a term already (:func:`fallback_report`).

    With ``now``, also what the board shows: the tickets per entry of the last 30
    and 90 days (``recent``), per assignee the stale tickets (``stale``: counted by
    the caller, see :func:`per_assignee`) and this quarter's inventory force-closes,
    and the fallback report over the last 30 days."""
    out: dict[str, Any] = {
        "entries": per_entry(session, entry_ids),
        "assignees": per_assignee(session, team=team),
        "weeks": per_week(session, tz, now),
    }
    if now is None:
        out["fallback"] = fallback_report(session, fallback_id, top_terms, keyword_of=keyword_of)
    else:
        board = board_figures(
            session,
            entry_ids=entry_ids,
            fallback_id=fallback_id,
            tz=tz,
            now=now,
            stale=stale or {},
            top_terms=top_terms,
            team=team,
            keyword_of=keyword_of,
        )
        out.update({k: v for k, v in board.items() if k != "open"})
    return out


def board_figures(
    session: Session,
    *,
    entry_ids: Sequence[str],
    fallback_id: str,
    tz: tzinfo,
    now: datetime,
    stale: Mapping[str, int],
    top_terms: int = 20,
    team: Collection[str] = (),
    keyword_of: KeywordOf | None = None,
) -> dict[str, Any]:
    """The board's panels: ``open`` and ``recent`` per entry, ``assignees`` with
    stale and force-closed counts, the ``fallback`` words of the last 30 days."""
    since = quarter_start(now, tz)
    return {
        "open": per_entry(session, entry_ids, medians=False, open_only=True),
        "recent": recent(session, entry_ids, now),
        "assignees": per_assignee(session, now=now, stale=stale, quarter=since, team=team),
        "fallback": fallback_report(
            session,
            fallback_id,
            top_terms,
            since=now - timedelta(days=FALLBACK_DAYS),
            keyword_of=keyword_of,
        ),
        "quarter_since": since.isoformat(),
    }


def _seconds(session: Session) -> ColumnElement[float]:
    """closed_at − created_at in seconds, computed by the database."""
    if session.get_bind().dialect.name == "sqlite":
        return cast(
            (func.julianday(Ticket.closed_at) - func.julianday(Ticket.created_at)) * 86400.0,
            Float,
        )
    return cast(func.extract("epoch", Ticket.closed_at - Ticket.created_at), Float)


def resolve_seconds(session: Session, since: datetime, until: datetime) -> list[float]:
    """How long each ticket resolved in [since, until) took, opened to that close, in
    seconds: the summary's median. A resolution counts in the week it happens, as the
    closes do (:func:`store.reminders.closes`, merged duplicates and the merge's close
    not counted): a ticket resolved on Sunday and reopened before Monday's summary was
    resolved that week, though the ticket is open now. Resolutions only (the close's
    reason, :data:`RESOLVED`'s rule), once per ticket (its last in the window)."""
    stmt = (
        closes()
        .add_columns(TicketEvent.ticket_id, TicketEvent.detail, Ticket.created_at)
        .where(TicketEvent.at >= since, TicketEvent.at < until)
    )
    last: dict[int, float] = {}
    for at, tid, detail, created in session.execute(stmt):
        reason = (detail or {}).get("close_reason")
        if reason in (None, CloseReason.RESOLVED.value):
            took = (at - created).total_seconds()
            last[tid] = max(last.get(tid, took), took)
    return list(last.values())


def per_entry(
    session: Session,
    entry_ids: Sequence[str],
    since: datetime | None = None,
    *,
    medians: bool = True,
    open_only: bool = False,
) -> list[dict[str, Any]]:
    """Open/closed counts and the median time to close of the resolved ones (:data:`RESOLVED`;
    of the tickets opened since
    ``since``, or all), in catalog order, unknown ids last. ``medians=False``: the
    counts alone (the median is then None), without reading every duration;
    ``open_only``: the open counts alone (closed is then 0), from the state index."""
    closed = case((Ticket.state == _CLOSED, 1), else_=0)
    counts = select(Ticket.catalog, closed, func.count(Ticket.id)).group_by(Ticket.catalog, closed)
    # open tickets are never merged: the open counts keep to the state index
    counts = counts.where(Ticket.state.in_(_OPEN)) if open_only else counts.where(COUNTED)
    durations = select(Ticket.catalog, _seconds(session)).where(
        RESOLVED, Ticket.closed_at.is_not(None), COUNTED
    )
    if since is not None:
        counts = counts.where(Ticket.created_at >= since)
        durations = durations.where(Ticket.created_at >= since)
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for catalog, is_closed, n in session.execute(counts):
        tally[catalog or ""][int(is_closed)] += n
    spans: dict[str, list[float]] = defaultdict(list)
    for catalog, seconds in session.execute(durations) if medians else ():
        if seconds is not None:
            spans[catalog or ""].append(round(float(seconds), 3))
    return _entry_rows(entry_ids, tally, spans)


def recent(
    session: Session, entry_ids: Sequence[str], now: datetime
) -> dict[str, list[dict[str, Any]]]:
    """:func:`per_entry` for each window of :data:`WINDOWS` (``"30d"``, ``"90d"``),
    from one read of the longest window (each ticket tagged with the shortest window
    it falls in): the same figures as ``per_entry(since=…)``, at the cost of one."""
    windows = sorted(WINDOWS)
    cutoffs = [now - timedelta(days=d) for d in windows]
    shortest = case(
        *[(Ticket.created_at >= cut, n) for n, cut in enumerate(cutoffs)], else_=len(cutoffs)
    )
    closed = case((Ticket.state == _CLOSED, 1), else_=0)
    seconds = case((RESOLVED, _seconds(session)), else_=None)
    # one pass over the longest window through the created_at index (a condition on
    # the state would make SQLite walk every closed ticket instead)
    rows = session.execute(
        select(Ticket.catalog, closed, shortest, seconds).where(
            Ticket.created_at >= cutoffs[-1], COUNTED
        )
    ).all()
    out = {}
    for n, days in enumerate(windows):
        tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        spans: dict[str, list[float]] = defaultdict(list)
        for catalog, is_closed, first, secs in rows:
            if first > n:
                continue
            tally[catalog or ""][is_closed] += 1
            if secs is not None:
                spans[catalog or ""].append(round(float(secs), 3))
        out[f"{days}d"] = _entry_rows(entry_ids, tally, spans)
    return out


def _entry_rows(
    entry_ids: Sequence[str], tally: Mapping[str, list[int]], spans: Mapping[str, list[float]]
) -> list[dict[str, Any]]:
    known = list(entry_ids)
    extra = sorted(set(tally) - set(known))
    return [
        {
            "entry": entry or None,
            "open": tally[entry][0] if entry in tally else 0,
            "closed": tally[entry][1] if entry in tally else 0,
            "median_close_seconds": statistics.median(spans[entry]) if spans.get(entry) else None,
        }
        for entry in [*known, *extra]
    ]


def per_assignee(
    session: Session,
    *,
    now: datetime | None = None,
    stale: Mapping[str, int] | None = None,
    quarter: datetime | None = None,
    team: Collection[str] = (),
) -> list[dict[str, Any]]:
    """Open tickets per assignee, with the oldest one (what a digest would nag about);
    a ticket nobody on ``team`` has (no assignee, or one who left: :mod:`store.holders`)
    under nobody (``None``), as the digest lists it, so the row of one who left does not
    hide their tickets from a manager looking for work nobody does. The force-closes stay
    with whoever held the ticket when it was closed: that is history, not who has it now.
    with ``now``, also how many are stale and this quarter's inventory force-closes
    (a member with force-closes and no open ticket too: ``oldest_ticket`` None).
    Counted by the database, except ``stale`` (per assignee, "" nobody): whether a
    ticket is stale depends on the catalog (the stale time of the entry whose
    rules it follows), so it is decided once, in Python, by the reminders' own rule
    (``gateway.scheduling.rules.stale_period``) in the pass over the open tickets that
    ``gateway.scheduling.workload`` makes for the SLA counts, and handed in here."""
    held_by = (
        select(Ticket.id, holders.holder(team).label("who"), Ticket.created_at)
        .where(Ticket.state.in_(_OPEN))
        .subquery()
    )
    grouped = select(held_by.c.who, func.count(held_by.c.id)).group_by(held_by.c.who)
    forced = force_closes(session, quarter, now) if now and quarter else Counter[str]()
    out = []
    oldest: dict[str, tuple[datetime, int]] = {}
    for tid, who, created in session.execute(select(held_by)):
        key = who or ""
        if key not in oldest or (created, tid) < oldest[key]:
            oldest[key] = (created, tid)
    held = {who or "": n for who, n in session.execute(grouped)}
    # a member the inventory closed tickets of keeps a row with nothing open (open 0, no
    # oldest ticket): whoever let all their tickets lie is the one the column is for
    for who in sorted(set(held) | {w for w, n in forced.items() if n}):
        first_at, first_id = oldest.get(who, (None, None))
        figures: dict[str, Any] = {
            "assignee": who or None,
            "open": held.get(who, 0),
            "oldest_ticket": first_id,
            "oldest_created_at": first_at.isoformat() if first_at else None,
        }
        if now is not None:
            figures["stale"] = (stale or {}).get(who or "", 0)
            figures["force_closed_quarter"] = forced.get(who or "", 0)
        out.append(figures)
    return out


@dataclass(frozen=True, slots=True)
class OpenTimes:
    """An open ticket's times, entry and assignee: what the SLA pass needs of it."""

    id: int
    state: str
    catalog: str | None
    assignee: str | None
    priority: str
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    due_at: datetime | None


def open_times(session: Session) -> list[OpenTimes]:
    """Every open ticket's times, for the SLA and stale counts
    (``gateway.scheduling.workload``), decided in Python by the scheduler's rules: through the state
    index, so the closed tickets (most of the table) are never read."""
    stmt = select(
        Ticket.id,
        Ticket.state,
        Ticket.catalog,
        Ticket.assignee,
        Ticket.priority,
        Ticket.created_at,
        Ticket.updated_at,
        Ticket.first_response_at,
        Ticket.due_at,
    ).where(Ticket.state.in_(_OPEN))
    return [OpenTimes(*row) for row in session.execute(stmt)]


def quarter_start(now: datetime, tz: tzinfo) -> datetime:
    """The first instant of the calendar quarter ``now`` is in, in the team's time zone."""
    local = now.astimezone(tz)
    month = 3 * ((local.month - 1) // 3) + 1
    return local.replace(month=month, day=1, hour=0, minute=0, second=0, microsecond=0)


def per_week(session: Session, tz: tzinfo, now: datetime | None = None) -> list[dict[str, Any]]:
    """Opened and closed per ISO week (``2026-W10``), in the team's time zone; a
    merged duplicate counts in neither (its request is its target's). Closed counts the
    closes made that week (:func:`store.reminders.closes`), as the managers' summary
    does: a week's figure stays what its summary said.

    Every week from the first with a ticket to ``now``'s (or, without it, the last
    with one) is listed, a quiet one with zeros, as its summary says 0 and 0: a
    chart drawn from the list must not join W10 to W13 as if they were neighbours."""
    opened_days = [_day(at, tz) for at in session.scalars(select(Ticket.created_at).where(COUNTED))]
    closed_days = [_day(at, tz) for at in session.scalars(closes())]
    opened = Counter(iso_week(d) for d in opened_days)
    closed = Counter(iso_week(d) for d in closed_days)
    days = opened_days + closed_days
    if not days:
        return []
    monday = _monday(min(days))
    last = max([*days, *([_day(now, tz)] if now is not None else [])])
    weeks = []
    while monday <= last:
        weeks.append(iso_week(monday))
        monday += timedelta(days=7)
    return [{"week": w, "opened": opened.get(w, 0), "closed": closed.get(w, 0)} for w in weeks]


def _day(at: datetime, tz: tzinfo) -> date:
    """The date ``at`` has in the team's time zone: with :func:`iso_week`, the one week
    rule the digest keeps (:func:`gateway.core.weeks.week_of`)."""
    return at.astimezone(tz).date()


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())
