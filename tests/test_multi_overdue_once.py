"""Two instances' scheduler passes at the same moment on one PostgreSQL database: an
SLA deadline that passed is recorded and told once, and a stale ticket's assignee
reminded once, not once per instance."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.runtime.app import App
from gateway.scheduling import scheduler
from store import jobs
from store.db import transaction
from tests.support.databases import postgres_only
from tests.support.pipeline import outbox
from tests.support.scheduling import make_app, open_ticket, scheduled_settings


@pytest.fixture
def pair(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[tuple[App, App]]:
    both = scheduled_settings(settings, tmp_path)
    first, second = make_app(both, clock), make_app(both, clock)
    yield first, second
    first.close()
    second.close()


def _both_tick(first: App, second: App) -> None:
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(app: App) -> None:
        start.wait()
        try:
            scheduler.tick(app)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(a,)) for a in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors


@postgres_only
def test_an_overdue_deadline_and_a_stale_ticket_are_told_once_by_two_passes(
    pair: tuple[App, App], clock: FakeClock
) -> None:
    first, second = pair
    late = [open_ticket(first, f"VPN down {i}", key=f"sla-{i}") for i in range(3)]
    open_ticket(first, "Purchase: toner", key="stale", state=TicketState.OPEN)
    clock.advance(timedelta(hours=5))  # past the 4h first response
    _both_tick(first, second)
    clock.advance(timedelta(days=3))  # the purchase ticket untouched for 3 days
    _both_tick(first, second)
    with transaction(first.sessions) as s:
        overdue = Counter(r.ticket_id for r in jobs.runs(s, "overdue"))
    assert overdue == Counter(dict.fromkeys(late, 2))  # first response, then resolve: once each
    told = Counter(
        (r.kind, tuple(r.recipients))
        for r in outbox(first)
        if r.kind in ("stale_reminder", "sla_overdue_list", "sla_overdue")
    )
    ops, ops2 = ("ops@example.test",), ("ops2@example.test",)
    assert told == Counter(
        {("sla_overdue_list", ops): 2, ("stale_reminder", ops): 1, ("stale_reminder", ops2): 1}
    ), told
