"""``stats`` and the board's panels over histories built step by step with the clock
injected, each figure worked out again here, independently of ``store.stats``:
reassignments after an inventory close, reopened and merged tickets, weeks in the
team's time zone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.model import CloseReason, TicketState
from gateway.runtime.app import App
from gateway.runtime.cli.catalog import _print_stats
from gateway.runtime.cli.common import Speaker
from gateway.scheduling import workload
from gateway.tickets import changes
from gateway.web.board_view import panels
from store import reminders, tickets
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
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith(OPS2))
    assert line.split()[1:] == ["0", "0", "0", "0", "—"]
