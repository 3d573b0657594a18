"""A catalog entry's own waits in working days (``"2bd"``), read by the same reader as the
config's ``[schedule]`` waits: ``stale_after``, ``auto_close_after`` and the SLA targets.
Counted on the team's ``[business_hours]`` calendar (weekends, holidays), refused without
one or when malformed, naming the entry, the key and the file; and a sweep against a real
database that closes a Friday-evening pending ticket on Tuesday evening, not on Sunday."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import settings as settings_
from hypothesis import strategies as st

from gateway.catalog.load import load_catalog
from gateway.catalog.sla import deadlines
from gateway.config.settings import ScheduleSettings, Settings
from gateway.core.business_hours import (
    Calendar,
    WorkingDays,
    working_days_after,
    working_days_between,
)
from gateway.core.clock import FakeClock
from gateway.core.errors import CatalogError
from gateway.core.model import TicketState
from gateway.runtime.app import App
from gateway.scheduling import scheduler
from gateway.scheduling.rules import PendingAction, TicketTimes, pending_due, stale_period
from store import tickets
from store.db import transaction
from tests.support.cli import run
from tests.support.config import LOCAL, load_toml, write_config
from tests.support.pipeline import outbox, subject_of, text_of
from tests.support.scheduling import make_app, open_ticket, scheduled_settings, tick_and_send

TOKYO = ZoneInfo("Asia/Tokyo")
HOUR, DAY = timedelta(hours=1), timedelta(days=1)
NINE_SIX = ((9 * 60, 18 * 60),)
WEEKDAYS = Calendar("Asia/Tokyo", (NINE_SIX,) * 5 + ((), ()))
# the same, with Monday 2026-03-09 a holiday
JP = replace(WEEKDAYS, holidays=frozenset({date(2026, 3, 9)}))
SCHEDULE = ScheduleSettings(digest="off")  # [schedule]'s own waits: 3d and 7d


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=TOKYO)  # type: ignore[misc]


ENTRY = """
entries:
  - id: purchase
    name: Purchase requests
    keywords: [{{term: purchase, weight: 3}}]
    {body}
  - id: other
    name: Other
    fallback: true
    manager: boss@example.test
"""


def _catalog(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "catalog.yaml"
    path.write_text(ENTRY.format(body=body), encoding="utf-8")
    return path


# ---------------------------------------------------------------- reading


def test_every_wait_of_an_entry_takes_working_days(tmp_path: Path) -> None:
    path = _catalog(
        tmp_path,
        "stale_after: 1bd\n    auto_close_after: 2bd\n"
        "    sla: {first_response: 4h, resolve: 3bd, urgent: {resolve: 1bd}}",
    )
    entry = load_catalog(path, working_days=True).entry("purchase")
    assert entry is not None
    assert entry.stale_after == WorkingDays(1)
    assert entry.auto_close_after == WorkingDays(2)
    assert entry.sla_for(None) == (timedelta(hours=4), WorkingDays(3))
    assert entry.sla_for("urgent") == (timedelta(hours=4), WorkingDays(1))


@pytest.mark.parametrize("text", ["2bd", "3d", "2h30m", "1w"])
def test_the_catalog_reads_a_wait_as_the_config_does(tmp_path: Path, text: str) -> None:
    """One reader: what ``[schedule] pending_close_after`` makes of a value, an entry's
    ``auto_close_after`` makes of it too."""
    hours = '[business_hours]\nmon = "09:00-18:00"'
    config = load_toml(
        tmp_path,
        LOCAL,
        f'[schedule]\npending_reminder_after = "1h"\npending_close_after = "{text}"',
        hours,
    )
    entry = load_catalog(_catalog(tmp_path, f"auto_close_after: {text}"), working_days=True).entry(
        "purchase"
    )
    assert entry is not None
    assert entry.auto_close_after == config.schedule.pending_close_after


@pytest.mark.parametrize(
    ("body", "key", "said"),
    [
        ("stale_after: 2bd", "stale_after", "business_hours"),
        ("auto_close_after: 2bd", "auto_close_after", "business_hours"),
        ("sla: {resolve: 2bd}", "sla.resolve", "business_hours"),
        ("sla: {urgent: {first_response: 1bd}}", "sla.urgent.first_response", "business_hours"),
    ],
)
def test_working_days_without_a_calendar_name_the_entry_the_key_and_the_file(
    tmp_path: Path, body: str, key: str, said: str
) -> None:
    path = _catalog(tmp_path, body)
    with pytest.raises(CatalogError) as caught:
        load_catalog(path, working_days=False)
    [problem] = caught.value.problems
    assert str(path) in str(caught.value)
    assert "'purchase'" in str(problem.message) and key in str(problem.message)
    assert said in str(problem.message)
    assert problem.line == 6  # the value's own line


@pytest.mark.parametrize(
    ("body", "key", "said"),
    [
        ("stale_after: 3 business days", "stale_after", "3bd"),
        ("auto_close_after: 2bdx", "auto_close_after", "2bdx"),
        ("auto_close_after: 0bd", "auto_close_after", "0bd"),
        ("auto_close_after: 99999bd", "auto_close_after", "99999bd"),
        ("stale_after: soon", "stale_after", "soon"),
        ("stale_after: 7", "stale_after", "7d"),
        ("sla: {urgent: {resolve: 2x}}", "sla.urgent.resolve", "2x"),
        ("action: {type: command, argv: [/bin/true], timeout: 1bd}", "action.timeout", "1bd"),
    ],
)
def test_a_malformed_wait_names_the_entry_the_key_and_the_file(
    tmp_path: Path, body: str, key: str, said: str
) -> None:
    path = _catalog(tmp_path, body)
    with pytest.raises(CatalogError) as caught:
        load_catalog(path, working_days=True)
    [problem] = caught.value.problems
    assert str(path) in str(caught.value)
    message = str(problem.message)
    assert "'purchase'" in message and key in message and said in message


@pytest.mark.parametrize(
    ("hours", "code"), [("", 65), ('[business_hours]\nmon = "09:00-18:00"', 0)]
)
def test_catalog_check_knows_the_teams_calendar(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], hours: str, code: int
) -> None:
    """``catalog check`` with the config it is run with: working days pass with a
    ``[business_hours]`` table, and without one the line says the file, the entry and
    the key."""
    path = _catalog(tmp_path, "auto_close_after: 2bd")
    config = write_config(tmp_path, extra=hours)
    ran = run(config, "catalog", "check", str(path), capsys=capsys)
    assert ran.code == code
    if code:
        assert f"{path}:6:" in ran.out and "'purchase'" in ran.out
        assert "auto_close_after" in ran.out


# ---------------------------------------------------------------- the rules


def _pending(at: datetime, close: WorkingDays | timedelta, hours: Calendar | None) -> TicketTimes:
    return TicketTimes(1, "pending", at, at, auto_close_after=close, hours=hours)


@pytest.mark.parametrize(
    ("hours", "closes"),
    [
        (WEEKDAYS, jst(2026, 3, 10, 19, 0)),  # Friday evening + 2bd: Tuesday evening
        (JP, jst(2026, 3, 11, 19, 0)),  # Monday a holiday: Wednesday evening
    ],
)
def test_an_entry_closes_a_pending_ticket_after_its_working_days(
    hours: Calendar, closes: datetime
) -> None:
    t = _pending(jst(2026, 3, 6, 19, 0), WorkingDays(2), hours)
    assert pending_due(t, jst(2026, 3, 8, 19, 0), SCHEDULE) is None  # Sunday: 2 real days
    assert pending_due(t, closes - timedelta(minutes=1), SCHEDULE) is not None  # reminded
    asked = jst(2026, 3, 9, 19, 0)  # the reminder went out on time: [schedule]'s 3 days
    due = pending_due(t, closes, SCHEDULE, reminded=asked)
    assert due is not None and due.action == PendingAction.CLOSE


def test_a_real_time_auto_close_stays_real_time() -> None:
    t = _pending(jst(2026, 3, 6, 19, 0), 2 * DAY, JP)
    due = pending_due(t, jst(2026, 3, 8, 19, 0), SCHEDULE)
    assert due is not None and due.action == PendingAction.CLOSE


def test_a_stale_period_in_working_days_skips_the_weekend_and_holidays() -> None:
    touched = jst(2026, 3, 5, 10, 0)  # Thursday
    t = TicketTimes(1, "open", touched, touched, stale_after=WorkingDays(1), hours=JP)
    assert stale_period(t, jst(2026, 3, 6, 9, 59)) is None
    friday = stale_period(t, jst(2026, 3, 6, 10, 0))
    assert friday is not None
    # Saturday, Sunday and the holiday Monday add no period; Tuesday does
    assert stale_period(t, jst(2026, 3, 9, 23, 0)) == friday
    tuesday = stale_period(t, jst(2026, 3, 10, 10, 0))
    assert tuesday is not None and tuesday != friday
    assert stale_period(t, jst(2026, 3, 10, 9, 0)) == friday


def test_an_sla_target_in_working_days() -> None:
    created = jst(2026, 3, 6, 17, 0)  # Friday
    [resolve] = deadlines(
        "open",
        created,
        first_response_at=None,
        due_at=None,
        first_response=None,
        resolve=WorkingDays(2),
        hours=JP,
    )
    assert resolve.at == jst(2026, 3, 11, 17, 0)  # Tuesday, Wednesday (Monday a holiday)


# ---------------------------------------------------------------- the sweep

CATALOG = """
entries:
  - id: purchase
    name: {ja: 購入申請, en: Purchase requests}
    keywords: [{term: purchase, weight: 3}, {term: 購入, weight: 3}]
    assignee: ops2@example.test
    stale_after: 1bd
    auto_close_after: 2bd
  - id: other
    name: {ja: その他, en: Other}
    fallback: true
    manager: boss@example.test
"""


@pytest.fixture
def gw(settings: Settings, tmp_path: Path) -> Iterator[tuple[App, FakeClock]]:
    clock = FakeClock(jst(2026, 3, 6, 19, 0))  # Friday evening in Tokyo
    schedule = ScheduleSettings(
        digest="off", pending_reminder_after=WorkingDays(1), pending_close_after=WorkingDays(5)
    )
    site = replace(
        scheduled_settings(settings, tmp_path, schedule, CATALOG), business_hours=WEEKDAYS
    )
    app = make_app(site, clock)
    yield app, clock
    app.close()


def _state(app: App, ticket_id: int) -> str:
    with transaction(app.sessions) as s:
        ticket = tickets.get(s, ticket_id)
        assert ticket is not None
        return str(ticket.state)


def test_the_sweep_closes_on_tuesday_evening_not_on_sunday(gw: tuple[App, FakeClock]) -> None:
    app, clock = gw
    tid = open_ticket(app, "Purchase: cables", key="bd-close", state=TicketState.PENDING)
    for _ in range(4 * 24 - 1):  # Friday 19:00 to Tuesday 18:00, hour by hour
        clock.advance(HOUR)
        tick_and_send(app)  # the reminder leaves as it is queued
    assert _state(app, tid) == "pending"  # 2d would have closed it on Sunday evening
    clock.advance(HOUR)  # Tuesday 19:00
    scheduler.tick(app)
    assert _state(app, tid) == "closed"


def test_the_sweep_reminds_a_stale_ticket_after_a_working_day(gw: tuple[App, FakeClock]) -> None:
    app, clock = gw
    open_ticket(app, "Purchase: cables", key="bd-stale")
    for _ in range(3 * 24 - 1):  # Friday 19:00 to Monday 18:00
        clock.advance(HOUR)
        scheduler.tick(app)
    assert outbox(app, "stale_reminder") == []  # 1d would have reminded on Saturday
    clock.advance(HOUR)  # Monday 19:00
    scheduler.tick(app)
    [reminder] = outbox(app, "stale_reminder")  # to ops2, who reads Japanese
    said = subject_of(reminder) + text_of(reminder)
    assert "1 営業日以上更新" in said and "0 日" not in said


@settings_(max_examples=200, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)),
    n=st.integers(min_value=1, max_value=40),
    calendar=st.sampled_from([WEEKDAYS, JP, Calendar("America/New_York", (NINE_SIX,) * 7)]),
)
def test_working_days_between_undoes_working_days_after(
    start: datetime, n: int, calendar: Calendar
) -> None:
    """The count the stale periods use agrees with the instant the closes use: ``n`` at
    the ``n``-th working day's time, one fewer a second before (clock changes too)."""
    due = working_days_after(calendar, start, n)
    assert working_days_between(calendar, start, due) == n
    assert working_days_between(calendar, start, due - timedelta(seconds=1)) == n - 1
