"""The whiteboard as plain values: lanes (catalog entries) × columns (states).

Cards carry the age, the assignee and the badges a manager asks about:
stale (untouched for the entry's ``stale_after``, or a pending reminder's wait when
the reminder never reached the requester), SLA breached or due soon, and required
fields still missing. The stale and SLA rules are the scheduler's own
(:mod:`gateway.scheduling.stale`, :mod:`gateway.scheduling.rules`), so the board and
the reminders never disagree; the panels' numbers come from :mod:`store.stats`,
the figures of ``ticket-gateway stats --json``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from gateway.catalog.model import Catalog
from gateway.catalog.stub import entry_stub, free_id
from gateway.config.settings import Settings
from gateway.core import graphemes, spans
from gateway.core.i18n import Msg
from gateway.scheduling import rules, stale, workload
from store.stats import FALLBACK_DAYS
from store.ticket_query import BoardCells, BoardRow

COLUMNS = ("new", "open", "pending", "closed")
CLOSED_DAYS = 7  # the closed column: tickets closed in the last week
CARDS_PER_CELL = 12  # the rest is a link to the filtered list
CARD_SUBJECT = 80  # characters of a subject on a card, "…" included


def minute(at: datetime) -> datetime:
    """The time the board's numbers are read at, and the lists they link to: ``at`` to the
    minute. The board keeps its view until the minute turns, so a list read to the second
    would count a close at the edge of the window, or a deadline passed this minute,
    otherwise than the number that led to it."""
    return at.replace(second=0, microsecond=0)


@dataclass(frozen=True, slots=True)
class Card:
    id: int
    subject: str
    age: Msg  # since it was opened, in whole units: "3 日", "5 時間", "12 分" (spans.age)
    assignee: str
    stale: bool
    sla: str  # "" | "due-soon" | "overdue"
    fields_missing: bool
    priority: str = "normal"  # low | normal | high | urgent: the cell's order and a badge
    # its assignee left the team (out of [[members]]): their address, marked, since the
    # digest and the reminders treat the ticket as nobody's (Settings.on_team)
    left: bool = False


@dataclass
class Cell:
    count: int = 0
    cards: list[Card] = field(default_factory=list)


@dataclass
class Lane:
    entry_id: str  # "" for tickets of no entry
    name: str
    cells: dict[str, Cell] = field(default_factory=lambda: {c: Cell() for c in COLUMNS})
    removed: bool = False  # an entry the catalog no longer has: its tickets wait for refile


def build_lanes(
    cells: BoardCells,
    catalog: Catalog,
    filled: Mapping[int, set[str]],
    settings: Settings,
    now: datetime,
    locale: str,
    unreached: Collection[int],
) -> list[Lane]:
    """The lanes of ``cells``; ``unreached``: the cards' tickets whose pending reminder
    never reached the requester (:func:`gateway.scheduling.stale.unreached`)."""
    lanes = {e.id: Lane(e.id, e.name(locale)) for e in catalog.entries}
    # an entry removed from the catalog keeps a lane of its own, named by its id, so its
    # count links to exactly its tickets (``catalog refile --from`` files them again);
    # tickets of no entry at all share the last one
    gone = sorted({entry_id for entry_id, _ in cells.counts if entry_id} - set(lanes))
    lanes.update({entry_id: Lane(entry_id, entry_id, removed=True) for entry_id in gone})
    extra = Lane("", "")
    for (entry_id, state), n in cells.counts.items():
        lane = lanes.get(entry_id or "", extra)
        if state in lane.cells:
            lane.cells[state].count += n
    for row in cells.cards:
        lane = lanes.get(row.catalog or "", extra)
        cell = lane.cells.get(row.state)
        if cell is not None and len(cell.cards) < CARDS_PER_CELL:
            card = _card(row, catalog, filled.get(row.id, set()), settings, (now, unreached))
            cell.cards.append(card)
    return list(lanes.values()) + ([extra] if any(c.count for c in extra.cells.values()) else [])


def card_subject(subject: str) -> str:
    """A card's subject: at most :data:`CARD_SUBJECT` characters, cut between the
    characters a reader sees (a flag, an emoji with its skin tone stay whole)."""
    return graphemes.shorten(subject, CARD_SUBJECT)


def _card(
    row: BoardRow,
    catalog: Catalog,
    filled: set[str],
    settings: Settings,
    at: tuple[datetime, Collection[int]],
) -> Card:
    # the badges by the rules the ticket follows (the fallback's for an entry removed
    # from the catalog), the sheet by the entry it was filed under
    now, unreached = at
    times = workload.ticket_times(row, catalog, settings.calendars)
    sla, _ = rules.sla_state(times, now, settings.schedule)  # what workload's counts count
    member = settings.member(row.assignee or "")
    entry = catalog.entry(row.catalog)
    required = {f.name for f in entry.fields if f.required} if entry else set()
    return Card(
        id=row.id,
        subject=card_subject(row.subject),
        age=spans.age(now - row.created_at),  # ``now`` is to the minute
        assignee=(member.name or member.email) if member else (row.assignee or ""),
        stale=stale.is_stale(times, now, unreached, settings.schedule),  # the reminders' rule
        sla=sla.value if sla in (rules.SlaState.DUE_SOON, rules.SlaState.OVERDUE) else "",
        fields_missing=row.state != "closed" and not required <= filled,
        priority=row.priority,
        left=bool(row.assignee) and not settings.on_team(row.assignee),
    )


def panels(
    figures: Mapping[str, Any], catalog: Catalog, settings: Settings, locale: str, now: datetime
) -> dict[str, Any]:
    """The members', catalog and "other" panels from the ``stats`` figures; each member
    with the age of their oldest open ticket (where their work piles up first)."""
    names = {e.id: e.name(locale) for e in catalog.entries}
    # a window's figures name the catalog's entries and the other lanes (no entry, one
    # removed) opened in it: an older open ticket of such a lane counts nothing there
    none = {"open": 0, "closed": 0, "median_close_seconds": None}
    recent30 = {e["entry"]: e for e in figures["recent"]["30d"]}
    recent90 = {e["entry"]: e for e in figures["recent"]["90d"]}
    entries = [
        {
            "entry": e["entry"],
            "name": names.get(e["entry"] or "", e["entry"] or ""),
            "removed": bool(e["entry"]) and e["entry"] not in names,
            "open": e["open"],
            "last30": sum(recent30.get(e["entry"], none)[k] for k in ("open", "closed")),
            "last90": sum(recent90.get(e["entry"], none)[k] for k in ("open", "closed")),
            "median_close": recent90.get(e["entry"], none)["median_close_seconds"],
            "overdue": e.get("overdue", 0),
            "due_soon": e.get("due_soon", 0),
        }
        for e in figures["open"]
    ]
    members = []
    for a in figures["assignees"]:
        member = settings.member(a["assignee"] or "")
        # a member with force-closes this quarter and nothing open has no oldest ticket
        since = a["oldest_created_at"]
        waited = now - datetime.fromisoformat(since) if since else timedelta(0)
        members.append(
            {
                **a,
                "name": (member.name or member.email) if member else a["assignee"],
                "left": bool(a["assignee"]) and not settings.on_team(a["assignee"]),
                "oldest_days": max(waited.days, 0),
                "oldest_age": spans.age(waited),  # as a card says its ticket's age
            }
        )
    fallback = figures["fallback"]
    return {
        "entries": entries,
        "members": members,
        "fallback": fallback,
        "fallback_days": FALLBACK_DAYS,  # the days its words are read from: the count's too
        # named as the team named it (a catalog refused without one: none, no section)
        "fallback_entry": next((e for e in catalog.entries if e.fallback), None),
        "stubs": _stubs(fallback["groups"], [e.id for e in catalog.entries]),
    }


MAX_STUBS = 3  # the patterns with most tickets; the rest wait until these are entries


def _stubs(groups: list[dict[str, Any]], taken: list[str]) -> list[dict[str, Any]]:
    """One ready-to-paste entry per group of words that come together (store.stats),
    their ids distinct from the catalog's and from each other's: all paste at once."""
    out = []
    for g in groups[:MAX_STUBS]:
        out.append(
            {"terms": g["terms"], "tickets": g["tickets"], "yaml": entry_stub(g["terms"], taken)}
        )
        taken.append(free_id(g["terms"], taken))
    return out
