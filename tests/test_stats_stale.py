"""Counts of ``stats`` that must not drift from what the product does and says. The
stale counts of ``stats`` and the board are the reminders' rule counted
(``rules.stale_period`` over the rules each ticket follows), decided once in Python in
the pass over the open tickets (``gateway.scheduling.workload``); the store counts
what it is handed and has no copy of the rule in SQL. A week's closed count is the
closes made that week, as its summary said."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from gateway.config.settings import Settings
from gateway.core.calendars import Calendars
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.core.weeks import week_of
from gateway.runtime.app import App
from gateway.scheduling import rules, workload
from store import reminders, stats, tickets
from store.db import transaction
from store.models import Ticket
from tests.support.scheduling import make_app, open_ticket, scheduled_settings, set_state

DAY = timedelta(days=1)
OPS = "ops@example.test"


@pytest.fixture
def gw(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    app = make_app(scheduled_settings(settings, tmp_path), clock)
    yield app
    app.close()


def _seed(app: App, clock: FakeClock) -> None:
    """vpn (ops, 3 days) and purchase (ops2, 3 days) tickets of several ages, one under
    the fallback (no stale_after), one unassigned, one closed, one under a removed entry."""
    old = [open_ticket(app, f"VPN issue {n}", key=f"o{n}") for n in range(2)]
    open_ticket(app, "purchase a laptop", key="p")
    open_ticket(app, "Lunch menu", key="l")  # the fallback: never stale
    clock.advance(2 * DAY)
    open_ticket(app, "VPN new one", key="n")  # 2 days younger
    set_state(app, old[1], TicketState.CLOSED)
    with transaction(app.sessions) as s:
        gone = tickets.get(s, open_ticket(app, "VPN issue gone", key="g"))
        assert gone is not None
        gone.catalog, gone.updated_at = "printer-3f", clock.now() - 10 * DAY
        unassigned = tickets.get(s, old[0])
        assert unassigned is not None
        unassigned.assignee = None
    clock.advance(DAY + timedelta(minutes=1))  # the first ones are past 3 days


def _by_rule(app: App, now_: FakeClock) -> Counter[str]:
    """The open tickets the reminders would call stale, per assignee."""
    with transaction(app.sessions) as s:
        found: Counter[str] = Counter()
        catalog = app.catalog.current
        for t in s.query(Ticket).filter(Ticket.state != "closed"):
            if (
                rules.stale_period(workload.ticket_times(t, catalog, Calendars()), now_.now())
                is not None
            ):
                found[t.assignee or ""] += 1
        return found


def test_stats_and_the_board_count_what_the_reminders_call_stale(gw: App, clock: FakeClock) -> None:
    _seed(gw, clock)
    expected = _by_rule(gw, clock)
    assert sum(expected.values()) >= 2 and expected[""] >= 1  # the rule has work to do
    with transaction(gw.sessions) as s:
        catalog, settings, now = gw.catalog.current, gw.settings, clock.now()
        figures = workload.stats_figures(s, catalog, settings, now)
        board = workload.board_figures(s, catalog, settings, now)
    for data in (figures, board):
        got = {a["assignee"] or "": a["stale"] for a in data["assignees"]}
        assert got == {who: expected.get(who, 0) for who in got}


def test_the_store_counts_the_stale_tickets_it_is_handed(gw: App, clock: FakeClock) -> None:
    """The store knows no ``stale_after``: the count per assignee comes from the caller."""
    open_ticket(gw, "VPN issue", key="x")
    with transaction(gw.sessions) as s:
        data = stats.compute(
            s,
            entry_ids=["vpn", "purchase", "other"],
            fallback_id="other",
            tz=ZoneInfo("Asia/Tokyo"),
            now=clock.now(),
            stale={OPS: 7},
        )
    [ops] = [a for a in data["assignees"] if a["assignee"] == OPS]
    assert (ops["open"], ops["stale"]) == (1, 7)
    source = Path(stats.__file__).read_text(encoding="utf-8")
    assert "stale_after" not in source and "updated_at <=" not in source


def test_a_close_counts_in_its_week_even_after_a_reopen(gw: App, clock: FakeClock) -> None:
    """A resolution counts when it happens (as in RT and Zammad): a ticket closed,
    reopened the next week and closed again is closed once in each of those weeks, so
    ``stats`` says of a past week what its summary said when it was sent."""
    tid = open_ticket(gw, "VPN issue", key="w")
    set_state(gw, tid, TicketState.CLOSED)
    first_week = clock.now()
    with transaction(gw.sessions) as s:
        sent = reminders.closed_between(s, first_week - DAY, first_week + DAY)
    clock.advance(7 * DAY)
    set_state(gw, tid, TicketState.OPEN)
    clock.advance(7 * DAY)
    set_state(gw, tid, TicketState.CLOSED)
    tz = ZoneInfo(gw.settings.gateway.timezone)
    with transaction(gw.sessions) as s:
        again = reminders.closed_between(s, first_week - DAY, first_week + DAY)
        weeks = {w["week"]: w["closed"] for w in stats.per_week(s, tz)}
    assert sent == again == 1
    between = week_of(first_week + 7 * DAY, tz)  # the reopen's week: listed, no close in it
    assert weeks == {week_of(first_week, tz): 1, between: 0, week_of(clock.now(), tz): 1}
