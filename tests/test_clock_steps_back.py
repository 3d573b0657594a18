"""The host's clock stepped back (an NTP correction, a VM resumed) while the daemon runs,
against a real database: nothing is sent twice and nothing is closed early. Every job's
key is its period, so a step back mostly finds the period claimed; the digest is the
one job whose step back lands in an earlier period nobody claimed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.runtime.app import App
from gateway.scheduling import scheduler
from gateway.scheduling.rules import Job
from store import jobs
from store.db import transaction
from tests.support.pipeline import outbox, show
from tests.support.scheduling import make_app, open_ticket, scheduled_settings, tick_and_send

MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)


@pytest.fixture
def gw(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    app = make_app(scheduled_settings(settings, tmp_path), clock)  # mon 09:00 Asia/Tokyo
    yield app
    app.close()


def _digests(app: App) -> int:
    return len(outbox(app, "weekly_digest")) + len(outbox(app, "weekly_summary"))


def test_a_step_back_over_the_first_digest_does_not_send_the_week_before(
    gw: App, clock: FakeClock
) -> None:
    open_ticket(gw, "Purchase: cables", key="back-1")
    scheduler.tick(gw)  # Monday 10:00 JST: a fresh site's first digest
    sent = _digests(gw)
    assert sent == 2  # ops2's digest and the manager's summary
    clock.advance(-2 * HOUR)  # 08:00: before this week's digest, after last week's
    scheduler.tick(gw)
    clock.advance(90 * MINUTE)  # 09:30: this week's again
    scheduler.tick(gw)
    assert _digests(gw) == sent
    with transaction(gw.sessions) as s:
        assert [r.period for r in jobs.runs(s, Job.DIGEST)] == ["2026-W10"]
    clock.advance(7 * DAY)  # and the next week's still goes
    scheduler.tick(gw)
    assert _digests(gw) == 2 * sent


def test_a_step_back_sends_no_reminder_twice_and_closes_nothing_early(
    gw: App, clock: FakeClock
) -> None:
    tid = open_ticket(gw, "Purchase: toner", key="back-2", state=TicketState.PENDING)
    clock.advance(3 * DAY)
    tick_and_send(gw)  # the reminder leaves at once: the close's grace starts
    assert len(outbox(gw, "pending_reminder")) == 1
    clock.advance(-3 * HOUR)  # back before the reminder was due …
    scheduler.tick(gw)
    clock.advance(4 * HOUR)  # … and past it again
    scheduler.tick(gw)
    assert len(outbox(gw, "pending_reminder")) == 1
    clock.advance(4 * DAY - HOUR - MINUTE)  # a minute before the close, as the clock reads
    scheduler.tick(gw)
    clock.advance(-DAY)
    scheduler.tick(gw)
    assert show(gw, tid)["state"] == "pending"
    clock.advance(DAY + MINUTE)
    scheduler.tick(gw)
    assert (show(gw, tid)["state"], show(gw, tid)["close_reason"]) == ("closed", "no-response")
    assert len(outbox(gw, "pending_reminder")) == 1
