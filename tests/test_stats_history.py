"""``stats`` and the board's panels over histories built step by step with the clock
injected, each figure worked out again here, independently of ``store.stats``:
reassignments after an inventory close, reopened and merged tickets, weeks in the
team's time zone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.model import CloseReason, TicketState
from gateway.runtime.app import App
from gateway.runtime.cli.common import Speaker
from gateway.runtime.cli.stats_text import _print_stats
from gateway.scheduling import workload
from gateway.tickets import changes
from gateway.web.board_view import panels
from store import reminders, stats, tickets
from store.db import transaction
from tests.support.scheduling import make_app, open_ticket, scheduled_settings, set_state

DAY = timedelta(days=1)
OPS, OPS2 = "ops@example.test", "ops2@example.test"


@pytest.fixture
def gw(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    app = make_app(scheduled_settings(settings, tmp_path), clock)
    yield app
    app.close()


def _assign(app: App, tid: int, who: str | None) -> None:
    with transaction(app.sessions) as s:
        ticket = tickets.get(s, tid)
        assert ticket is not None
        changes.assign(s, ticket, who, app.clock.now(), actor=OPS, channel="cli")


def _force_close(app: App, tid: int) -> None:
    """What the inventory sweep does to a ticket left too long (``sweeps``)."""
    with transaction(app.sessions) as s:
        ticket = tickets.get(s, tid)
        assert ticket is not None
        changes.change_state(
            s,
            ticket,
            TicketState.CLOSED,
            app.clock.now(),
            actor=reminders.INVENTORY_ACTOR,
            channel="system",
            reason=CloseReason.STALE,
        )


def test_a_force_close_counts_for_whoever_held_the_ticket_then(
    gw: App, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    """The inventory closed the ticket of the member who let it lie; reopened later and
    given to someone else (the first one left the team, say), it is still the first
    one's force-close, not the new assignee's."""
    start = clock.now()
    held = open_ticket(gw, "Purchase: laptop", key="fc-1")
    kept = open_ticket(gw, "Purchase: mouse", key="fc-2")
    with transaction(gw.sessions) as s:
        first = {t: (tickets.get(s, t) or pytest.fail()).assignee for t in (held, kept)}
    assert first == {held: OPS2, kept: OPS2}
    clock.advance(DAY)
    _force_close(gw, held)
    _force_close(gw, kept)
    clock.advance(DAY)
    set_state(gw, held, TicketState.OPEN)  # the requester wrote again
    _assign(gw, held, OPS)
    _assign(gw, held, None)  # and back to nobody: the close stays OPS2's
    clock.advance(DAY)
    with transaction(gw.sessions) as s:
        assert reminders.force_closes(s, start, clock.now()) == {OPS2: 2}
        board = workload.board_figures(s, gw.catalog.current, gw.settings, clock.now())
        figures = workload.stats_figures(s, gw.catalog.current, gw.settings, clock.now())
    # OPS2 holds no open ticket now: the inventory closed them all, which is the very
    # thing the column is there to show, so OPS2 keeps a row (open 0, no oldest ticket)
    for data in (board, figures):
        rows = {a["assignee"]: a for a in data["assignees"]}
        assert {who: a["force_closed_quarter"] for who, a in rows.items()} == {OPS2: 2, None: 0}
        assert (rows[OPS2]["open"], rows[OPS2]["oldest_ticket"]) == (0, None)
        assert rows[None]["oldest_ticket"] == held
    board_rows = panels(board, gw.catalog.current, gw.settings, "en", clock.now())["members"]
    assert [(m["assignee"], m["oldest_days"]) for m in board_rows] == [(None, 3), (OPS2, 0)]
    _print_stats(Speaker(gw.settings), figures, gw.settings.gateway.timezone)
    out = capsys.readouterr().out.splitlines()
    line = next(x for x in out if x.startswith(OPS2))
    assert line.split()[1:] == ["0", "0", "0", "0", "—"]  # in the table, nothing open …
    assert [OPS2, "2"] in [x.split() for x in out[out.index(line) + 1 :]]  # its force-closes


def _close(app: App, tid: int, reason: CloseReason = CloseReason.RESOLVED) -> None:
    with transaction(app.sessions) as s:
        ticket = tickets.get(s, tid)
        assert ticket is not None
        changes.change_state(
            s, ticket, TicketState.CLOSED, app.clock.now(), actor=OPS, channel="cli", reason=reason
        )


def _merge(app: App, source: int, target: int) -> None:
    from gateway.tickets.merge import merge

    with transaction(app.sessions) as s:
        ticket = tickets.get(s, source)
        assert ticket is not None
        merge(s, ticket, target, app.clock.now(), actor=OPS, channel="cli", tag="", max_watchers=50)


def _at(clock: FakeClock, when: datetime) -> None:
    clock.advance(when - clock.now())


def test_a_known_history_in_every_figure(gw: App, clock: FakeClock) -> None:
    """Tickets opened, closed, reopened, merged and closed for other reasons around the
    Sunday/Monday midnight of Tokyo (UTC 15:00 on Sunday): each week, count and median
    as worked out by hand."""
    assert gw.settings.gateway.timezone == "Asia/Tokyo"
    h = timedelta(hours=1)
    mon = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Mon 10:00 in Tokyo, 2026-W10
    sunday_late = datetime(2026, 3, 8, 14, 30, tzinfo=UTC)  # Sun 23:30 Tokyo: W10
    _at(clock, mon)
    quick = open_ticket(gw, "VPN one", key="k1")  # W10, resolved in 2h
    back = open_ticket(gw, "VPN two", key="k2")  # resolved, reopened, resolved again
    spam = open_ticket(gw, "VPN three", key="k3")  # closed no-response: no resolution
    twin = open_ticket(gw, "VPN four", key="k4")  # merged into `late`
    _at(clock, mon + 2 * h)
    _close(gw, quick)
    _at(clock, mon + 4 * h)
    _close(gw, back)  # W10
    _close(gw, spam, CloseReason.NO_RESPONSE)  # W10
    _at(clock, sunday_late)
    late = open_ticket(gw, "VPN five", key="k5")  # W10 in Tokyo (W10 in UTC too)
    _merge(gw, twin, late)
    _at(clock, sunday_late + h)  # Mon 00:30 in Tokyo: W11 (still Sunday in UTC)
    _close(gw, late)  # W11, 1h
    set_state(gw, back, TicketState.OPEN)  # W11
    _at(clock, sunday_late + 7 * DAY + 2 * h)  # Mon 01:30 Tokyo: W12
    _close(gw, back)  # W12: opened Mon 10:00 W10, so 7 days - 8.5h + ... to now
    took_back = (clock.now() - mon).total_seconds()
    with transaction(gw.sessions) as s:
        figures = workload.stats_figures(s, gw.catalog.current, gw.settings, clock.now())
        board = workload.board_figures(s, gw.catalog.current, gw.settings, clock.now())
    weeks = {w["week"]: (w["opened"], w["closed"]) for w in figures["weeks"]}
    # opened: quick, back, spam, late (twin is late's request); closes: quick, back,
    # spam in W10; late in W11 (the merge closing twin is not one); back again in W12
    assert weeks == {"2026-W10": (4, 3), "2026-W11": (0, 1), "2026-W12": (0, 1)}
    [vpn] = [e for e in figures["entries"] if e["entry"] == "vpn"]
    # resolved: quick 2h, late 1h, back (its last close): an odd count; spam left out
    spans = sorted([2 * 3600.0, 3600.0, took_back])
    assert (vpn["open"], vpn["closed"]) == (0, 4)
    assert vpn["median_close_seconds"] == pytest.approx(spans[1])
    for data in (figures, board):
        [vpn90] = [e for e in data["recent"]["90d"] if e["entry"] == "vpn"]
        assert (vpn90["open"], vpn90["closed"]) == (0, 4)
        assert vpn90["median_close_seconds"] == pytest.approx(spans[1])


def test_an_undone_merge_is_no_close(gw: App, clock: FakeClock) -> None:
    """A merge undone (``unmerge``) gives back a ticket that was never closed for its
    requester: the week of the merge counted no close when its summary was sent (the
    duplicate's request was its target's), and it still counts none afterwards."""
    from gateway.tickets.merge import unmerge

    target = open_ticket(gw, "VPN one", key="u1")
    twin = open_ticket(gw, "VPN two", key="u2")
    _merge(gw, twin, target)
    tz = ZoneInfo(gw.settings.gateway.timezone)
    with transaction(gw.sessions) as s:
        before = stats.per_week(s, tz)
    clock.advance(DAY)
    with transaction(gw.sessions) as s:
        ticket = tickets.get(s, twin)
        assert ticket is not None
        unmerge(s, ticket, clock.now(), window=7 * DAY, actor=OPS, channel="cli")
    with transaction(gw.sessions) as s:
        after = stats.per_week(s, tz)
    assert [w["closed"] for w in before] == [0]
    assert [w["closed"] for w in after] == [0]


def test_a_force_close_stays_its_holders_when_the_ticket_is_merged_away(
    gw: App, clock: FakeClock
) -> None:
    """A merge moves a duplicate's history to its target, its force-close with it: the
    close was then counted for the target's holder (OPS, who never had the ticket), and
    moved again with each reassignment of the target. It stays the member's who held the
    duplicate when the inventory closed it."""
    start = clock.now()
    duplicate = open_ticket(gw, "Purchase: laptop", key="fm-1")
    target = open_ticket(gw, "Purchase: a laptop", key="fm-2")
    _assign(gw, duplicate, OPS2)
    _assign(gw, target, OPS)
    clock.advance(DAY)
    _force_close(gw, duplicate)
    clock.advance(DAY)
    set_state(gw, duplicate, TicketState.OPEN)  # the requester wrote again…
    _merge(gw, duplicate, target)  # …on a request they had made twice
    with transaction(gw.sessions) as s:
        assert reminders.force_closes(s, start, clock.now() + DAY) == {OPS2: 1}
    clock.advance(DAY)
    _assign(gw, target, None)
    with transaction(gw.sessions) as s:
        assert reminders.force_closes(s, start, clock.now() + DAY) == {OPS2: 1}
