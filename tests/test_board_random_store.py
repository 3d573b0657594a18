"""The board's counts, ``stats`` and the managers' summary over a random store (a seed
each), every figure worked out again here from the rows and from what was done to
them: tickets in every state, closed for each reason, reopened, merged and unmerged,
moved between entries (one since removed from the catalog, none at all), given to
members, to nobody and to one the config no longer has (nobody's then), in a time zone whose clocks
go back on the last day of a week."""

from __future__ import annotations

import contextlib
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.errors import Refusal
from gateway.core.model import CloseReason, TicketState
from gateway.core.weeks import iso_week
from gateway.scheduling import workload
from gateway.tickets import changes
from gateway.tickets.merge import merge, unmerge
from gateway.tickets.states import ALLOWED
from gateway.web.board_view import CLOSED_DAYS, build_lanes
from store import reminders, ticket_query
from store.db import transaction
from store.models import Ticket
from tests.support.scheduling import weekly_summary
from tests.support.web import Rig, rig

ZONE = "America/New_York"  # EDT ends on Sunday 2026-11-01, the last day of 2026-W44
NOW = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
ENTRIES = ("vpn", "printer", "other", "retired", None)  # "retired": not in the catalog
PEOPLE = ("ops@example.test", "ops2@example.test", "gone@example.test", None)
REASONS = tuple(CloseReason)
ACT = {"actor": "ops@example.test", "channel": "cli"}
INVENTORY = {"actor": reminders.INVENTORY_ACTOR, "channel": "system"}
QUARTER = datetime(2026, 10, 1, tzinfo=ZoneInfo(ZONE))  # NOW's, in the team's zone


@pytest.fixture
def board_rig(settings: Settings, clock: FakeClock) -> Iterator[Rig]:
    zoned = replace(settings, gateway=replace(settings.gateway, timezone=ZONE))
    clock.advance(NOW - clock.now())
    with rig(zoned, clock) as r:
        yield r


@dataclass
class Done:
    """What was done that the figures must count."""

    closes: list[datetime] = field(default_factory=list)  # every close made by hand
    forced: list[tuple[str, datetime]] = field(default_factory=list)  # (holder, when)


def _times(rnd: random.Random) -> list[datetime]:
    """Creation times over 120 days, some on either side of the week boundary that
    falls in the night the clocks go back (midnight EST is 05:00 UTC, not 04:00)."""
    edge = datetime(2026, 11, 2, 5, 0, tzinfo=UTC)
    spread = [NOW - timedelta(minutes=rnd.randrange(120 * 24 * 60)) for _ in range(70)]
    near = [edge + timedelta(minutes=m) for m in (-50, -10, 10, 50)]
    return sorted(spread + near)


def _build(r: Rig, seed: int) -> Done:
    """The random store; the closes the summary and ``stats`` must count: each made by
    hand, whatever became of the ticket after (a week's figure never changes), never
    the close a merge makes."""
    rnd = random.Random(seed)
    done = Done()
    with transaction(r.app.sessions) as s:
        for n, at in enumerate(_times(rnd)):
            t = changes.open_ticket(
                s,
                subject=f"request {n}",
                requester=f"u{n % 9}@customer.test",
                requester_name="",
                locale="ja" if n % 2 else "en",
                participants=[(f"u{n % 9}@customer.test", "requester")],
                now=at,
                **ACT,
            )
            s.flush()
            step = at
            for _ in range(rnd.randrange(6)):
                step += timedelta(minutes=rnd.randrange(1, 3 * 24 * 60))
                if step >= NOW:
                    break
                _one_step(s, rnd, t, step, done)
    return done


def _one_step(s: Any, rnd: random.Random, t: Ticket, at: datetime, done: Done) -> None:
    if t.merged_into_id is not None:
        if rnd.random() < 0.3:
            # refused when its target was merged on since, as for a person
            with contextlib.suppress(Refusal):
                unmerge(s, t, at, window=timedelta(days=365), **ACT)
        return
    move = rnd.choice(("state", "state", "assign", "file", "merge"))
    if move == "state":
        target = rnd.choice([b for a, b in ALLOWED if a.value == t.state])
        reason = rnd.choice(REASONS) if target is TicketState.CLOSED else None
        if reason is CloseReason.STALE:  # the inventory's close, counted for its holder
            changes.change_state(s, t, target, at, reason=reason, **INVENTORY)
            done.forced.append((t.assignee or "", at))
        else:
            changes.change_state(s, t, target, at, reason=reason, **ACT)
        if target is TicketState.CLOSED:
            done.closes.append(at)
    elif move == "assign":
        changes.assign(s, t, rnd.choice(PEOPLE), at, **ACT)
    elif move == "file":
        entry = rnd.choice(ENTRIES)
        t.catalog = entry  # moved between entries (a refile, or a catalog's change)
    elif t.id > 1:
        with contextlib.suppress(Refusal):  # into a merged ticket: refused, as for a person
            merge(s, t, rnd.randrange(1, t.id), at, tag="", max_watchers=50, **ACT)


def _rows(r: Rig) -> list[Ticket]:
    with transaction(r.app.sessions) as s:
        rows = list(s.scalars(select(Ticket)))
        s.expunge_all()
    return rows


def _active(t: Ticket) -> bool:
    return t.state != "closed"


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_every_figure_agrees_with_the_rows(board_rig: Rig, seed: int) -> None:
    r = board_rig
    done = _build(r, seed)
    closes = done.closes
    rows = _rows(r)
    tz = ZoneInfo(ZONE)
    catalog, settings = r.app.catalog.current, r.ctx.settings
    counted = [t for t in rows if t.merged_into_id is None]
    assert all(_active(t) is False for t in rows if t.merged_into_id is not None)
    assert {t.state for t in rows} == {"new", "open", "pending", "closed"}
    with transaction(r.app.sessions) as s:
        figures = workload.stats_figures(s, catalog, settings, NOW)
        board = workload.board_figures(s, catalog, settings, NOW)
        cells = ticket_query.board_cells(s, NOW - timedelta(days=CLOSED_DAYS), 12)
        lanes = build_lanes(cells, catalog, {}, settings, NOW, "en", frozenset())
        week_start = datetime(2026, 10, 26, tzinfo=tz)  # Monday of 2026-W44, EDT
        week_end = datetime(2026, 11, 2, tzinfo=tz)  # Monday of 2026-W45, EST
        opened = reminders.opened_between(s, week_start, week_end)
        closed = reminders.closed_between(s, week_start, week_end)

    # the board's cells: the tickets not closed by entry and state, and those closed
    # in the last days; a lane per entry of the catalog, per entry gone, one for none
    cell_counts = {
        (lane.entry_id or None, state): cell.count
        for lane in lanes
        for state, cell in lane.cells.items()
        if cell.count
    }
    since = NOW - timedelta(days=CLOSED_DAYS)
    want = Counter(
        (t.catalog, t.state)
        for t in rows
        if _active(t) or (t.closed_at is not None and t.closed_at >= since)
    )
    assert cell_counts == dict(want)

    # per entry: open (the board) and open/closed (stats), merged duplicates once
    open_by_entry = Counter(t.catalog for t in rows if _active(t))
    assert {e["entry"]: e["open"] for e in board["open"] if e["open"]} == dict(open_by_entry)
    want_entries = Counter((t.catalog, _active(t)) for t in counted)
    got = {(e["entry"], True): e["open"] for e in figures["entries"] if e["open"]}
    got |= {(e["entry"], False): e["closed"] for e in figures["entries"] if e["closed"]}
    assert got == dict(want_entries)
    for window in (30, 90):
        recent = Counter(
            (t.catalog, _active(t)) for t in counted if t.created_at >= NOW - timedelta(days=window)
        )
        rows_w = board["recent"][f"{window}d"]
        got = {(e["entry"], True): e["open"] for e in rows_w if e["open"]}
        got |= {(e["entry"], False): e["closed"] for e in rows_w if e["closed"]}
        assert got == dict(recent), window

    # per assignee: open tickets and the oldest; a member gone from the config has none:
    # theirs are nobody's, as the digest lists them (store.holders)
    def holder(t: Ticket) -> str | None:
        return t.assignee if settings.on_team(t.assignee) else None

    assert any(t.assignee == "gone@example.test" for t in rows if _active(t)), seed
    held = Counter(holder(t) for t in rows if _active(t))
    for table in (figures["assignees"], board["assignees"]):
        assert {a["assignee"]: a["open"] for a in table if a["open"]} == dict(held)
        for a in table:
            mine = [t for t in rows if _active(t) and holder(t) == a["assignee"]]
            first = min(mine, key=lambda t: (t.created_at, t.id)) if mine else None
            assert a["oldest_ticket"] == (first.id if first else None)
    # this quarter's inventory closes, each for who held the ticket then
    forced = Counter(who for who, at in done.forced if at >= QUARTER)
    got = {a["assignee"] or "": a["force_closed_quarter"] for a in board["assignees"]}
    assert {who: n for who, n in got.items() if n} == dict(forced)
    # SLA and stale marks: every open ticket in at most one row of each panel
    marks = sum(a["overdue"] + a["due_soon"] for a in board["assignees"])
    assert marks == sum(e["overdue"] + e["due_soon"] for e in board["open"])
    assert marks <= sum(held.values())

    # the managers' summary: open tickets by state, entry and member, and its SLA marks
    summary = weekly_summary(r.app)
    by_state = Counter(t.state for t in rows if _active(t))
    assert {c.state: c.count for c in summary.by_state} == dict(by_state)
    assert sum(c.count for c in summary.by_entry) == sum(open_by_entry.values())
    names = {catalog.shown_name(e, "ja"): n for e, n in open_by_entry.items()}  # Boss reads ja
    assert {c.name: c.count for c in summary.by_entry} == names
    assert sorted(c.count for c in summary.by_assignee) == sorted(held.values())
    for table, key in ((summary.sla_by_assignee, "assignees"), (summary.sla_by_entry, "open")):
        said = sorted((c.overdue, c.due_soon) for c in table)
        shown = [(a["overdue"], a["due_soon"]) for a in board[key]]
        assert said == sorted(x for x in shown if any(x)), key
    # per week, in the team's zone: opened (not merged away) and the closes made
    opened_weeks = Counter(iso_week(t.created_at.astimezone(tz).date()) for t in counted)
    closed_weeks = Counter(iso_week(at.astimezone(tz).date()) for at in closes)
    weeks = {w["week"]: (w["opened"], w["closed"]) for w in figures["weeks"]}
    for w in set(opened_weeks) | set(closed_weeks):
        assert weeks[w] == (opened_weeks[w], closed_weeks[w]), w
    assert sum(o for o, _ in weeks.values()) == len(counted)
    # the summary of the week the clocks went back in: the days stats lists under it
    assert (opened, closed) == weeks["2026-W44"]
    assert opened == opened_weeks["2026-W44"] and closed == closed_weeks["2026-W44"]
