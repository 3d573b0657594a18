"""An agreed due date (``/due``) is a deadline of its own: when it is moved after the
first one passed, and the new one passes too, the assignee hears of it again. The
entry's own targets stay once each (a priority change that moves them does not nag
twice)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.config.settings import ScheduleSettings, Settings
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.runtime.app import App
from gateway.scheduling import scheduler
from gateway.tickets import changes
from store import tickets
from store.db import transaction
from tests.support.pipeline import outbox, text_of
from tests.support.scheduling import make_app, open_ticket, scheduled_settings, set_state

HOUR, DAY = timedelta(hours=1), timedelta(days=1)


@pytest.fixture
def gw(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    app = make_app(scheduled_settings(settings, tmp_path, ScheduleSettings(digest="off")), clock)
    yield app
    app.close()


def _due(app: App, tid: int, after: timedelta) -> None:
    with transaction(app.sessions) as s:
        ticket = tickets.get(s, tid)
        assert ticket is not None
        now = app.clock.now()
        changes.set_due(s, ticket, now + after, now, actor="ops@example.test", channel="mail")


def _resolve_notices(app: App, tid: int) -> list[str]:
    return [
        text_of(r)
        for r in outbox(app, "sla_overdue")
        if r.ticket_id == tid and "first response" not in text_of(r)
    ]


def test_a_due_date_moved_after_it_passed_is_notified_when_it_passes_again(
    gw: App, clock: FakeClock
) -> None:
    tid = open_ticket(gw, "VPN certificate renewal", key="due-1")
    set_state(gw, tid, TicketState.OPEN)
    _due(gw, tid, DAY)
    clock.advance(DAY + HOUR)
    scheduler.tick(gw)
    assert len(_resolve_notices(gw, tid)) == 1
    _due(gw, tid, 3 * DAY)  # the requester agreed to wait three more days
    clock.advance(2 * DAY)
    scheduler.tick(gw)
    assert len(_resolve_notices(gw, tid)) == 1  # not yet due
    clock.advance(DAY + HOUR)
    scheduler.tick(gw)
    scheduler.tick(gw)
    assert len(_resolve_notices(gw, tid)) == 2  # the new date passed: once more, once


def test_the_entry_targets_are_notified_once_whatever_happens(gw: App, clock: FakeClock) -> None:
    tid = open_ticket(gw, "VPN does not connect", key="due-2")
    set_state(gw, tid, TicketState.OPEN)
    clock.advance(2 * DAY + HOUR)  # the entry's resolve (2d) passed
    scheduler.tick(gw)
    set_state(gw, tid, TicketState.PENDING)
    set_state(gw, tid, TicketState.OPEN)
    clock.advance(DAY)
    scheduler.tick(gw)
    assert len(_resolve_notices(gw, tid)) == 1


def test_a_due_date_told_before_the_upgrade_is_not_told_again(gw: App, clock: FakeClock) -> None:
    """Before due dates had keys of their own, a passed /due date was claimed as
    ``<id>:resolve``; the first sweep after the upgrade must not tell it again."""
    from gateway.scheduling.rules import Job
    from store import jobs

    tid = open_ticket(gw, "VPN certificate renewal", key="due-3")
    set_state(gw, tid, TicketState.OPEN)
    _due(gw, tid, DAY)
    clock.advance(DAY + HOUR)
    with transaction(gw.sessions) as s:  # what the older version wrote when it told it
        assert jobs.claim(s, Job.OVERDUE, f"{tid}:resolve", clock.now(), ticket_id=tid)
    scheduler.tick(gw)
    assert _resolve_notices(gw, tid) == []
    _due(gw, tid, 2 * DAY)  # moved: a new deadline, told when it passes
    clock.advance(2 * DAY + HOUR)
    scheduler.tick(gw)
    assert len(_resolve_notices(gw, tid)) == 1
