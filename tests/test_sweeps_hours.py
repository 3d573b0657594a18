"""Reminders and closes of a team that counts in hours: ``stale_after: 12h`` on an
incident entry, ``pending_reminder_after = "6h"``. The mails say how long in the unit
that fits ("12 hours", "12 時間"), never "0 days"; a day is "1 day", not "1 days"."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.config.settings import ScheduleSettings, Settings
from gateway.core import spans
from gateway.core.clock import FakeClock
from gateway.core.i18n import translate
from gateway.core.model import TicketState
from gateway.runtime.app import App
from gateway.scheduling import scheduler
from tests.support.pipeline import outbox, subject_of, words_of
from tests.support.scheduling import make_app, open_ticket, scheduled_settings, tick_and_send

MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)

CATALOG = """
entries:
  - id: incident
    name: {ja: 障害, en: Incidents}
    keywords: [{term: down, weight: 3}, {term: 停止, weight: 3}]
    assignee: ops2@example.test
    stale_after: 12h
  - id: other
    name: {ja: その他, en: Other}
    fallback: true
    manager: boss@example.test
"""


@pytest.fixture
def gw(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    schedule = ScheduleSettings(
        digest="off", pending_reminder_after=6 * HOUR, pending_close_after=DAY
    )
    app = make_app(scheduled_settings(settings, tmp_path, schedule, CATALOG), clock)
    yield app
    app.close()


@pytest.mark.parametrize(
    ("length", "en", "ja"),
    [
        (30 * 60 * 1.0, "30 minutes", "30 分"),
        (20.0, "1 minute", "1 分"),
        (HOUR.total_seconds(), "1 hour", "1 時間"),
        ((12 * HOUR + 59 * MINUTE).total_seconds(), "12 hours", "12 時間"),
        (DAY.total_seconds(), "1 day", "1 日"),
        ((3 * DAY + 2 * HOUR).total_seconds(), "3 days", "3 日"),
    ],
)
def test_a_length_of_time_in_words(length: float, en: str, ja: str) -> None:
    said = spans.period(timedelta(seconds=length))
    assert (translate(said, "en"), translate(said, "ja")) == (en, ja)


def test_a_stale_reminder_after_hours_says_hours(gw: App, clock: FakeClock) -> None:
    open_ticket(gw, "Mail server down", key="h-1")
    clock.advance(12 * HOUR)
    scheduler.tick(gw)
    [reminder] = outbox(gw, "stale_reminder")  # to ops2, who reads Japanese
    assert "12 時間以上更新" in subject_of(reminder) + words_of(reminder)
    assert "0 日" not in subject_of(reminder) + words_of(reminder)


def test_pending_reminder_and_close_after_hours(gw: App, clock: FakeClock) -> None:
    tid = open_ticket(gw, "Mail server down", key="h-2", state=TicketState.PENDING)
    clock.advance(6 * HOUR)
    tick_and_send(gw)  # the reminder leaves: its grace starts
    [reminder] = outbox(gw, "pending_reminder")
    text = words_of(reminder)
    assert "6 hours ago we asked you" in text and "within 18 hours" in text
    clock.advance(18 * HOUR)
    scheduler.tick(gw)
    [closed] = [r for r in outbox(gw, "status_change") if r.ticket_id == tid][-1:]
    assert "We have not heard from you for 1 day." in words_of(closed)
