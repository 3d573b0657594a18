"""SLA deadlines in business hours (``[business_hours]``), end to end through the
scheduler with a fake clock: a Japanese team working 9:00–18:00 Monday to Friday. A
request on Friday at 17:55 with a 4h first response is not overdue over the weekend;
its assignee hears of it on Monday at 12:55, the deadline every other place shows too
(the assignment brief, ``tickets show``, the board's counts). A ``/due`` date stays
the instant a person set."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from gateway.config.load import load_settings
from gateway.config.settings import ScheduleSettings, Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from gateway.scheduling import rules, scheduler, workload
from gateway.tickets import changes
from store import stats, tickets
from store.db import transaction
from tests.support.app import MEMBERS
from tests.support.cli import run
from tests.support.config import LOCAL, load_toml, members_toml, write_config
from tests.support.pipeline import outbox, text_of
from tests.support.scheduling import CATALOG, make_app, open_ticket, scheduled_settings

TOKYO = ZoneInfo("Asia/Tokyo")
MINUTE = timedelta(minutes=1)
FRIDAY_EVENING = datetime(2026, 12, 4, 17, 55, tzinfo=TOKYO)  # 08:55 UTC
HOURS = """[business_hours]
mon = "09:00-18:00"
tue = "09:00-18:00"
wed = "09:00-18:00"
thu = "09:00-18:00"
fri = "09:00-18:00"
holidays = ["2026-12-31", "2027-01-01"]
"""


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=TOKYO).astimezone(UTC)  # type: ignore[misc]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(FRIDAY_EVENING.astimezone(UTC))


def _app(settings: Settings, tmp_path: Path, clock: FakeClock, hours: bool) -> App:
    calendar = load_toml(tmp_path, LOCAL, HOURS).business_hours if hours else None
    base = scheduled_settings(settings, tmp_path, ScheduleSettings(digest="off"))
    return make_app(replace(base, business_hours=calendar), clock)


@pytest.fixture
def gw(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    app = _app(settings, tmp_path, clock, hours=True)
    yield app
    app.close()


def _overdue_texts(app: App) -> list[str]:
    return [text_of(r) for r in outbox(app, "sla_overdue")]


def _tick_at(app: App, clock: FakeClock, when: datetime) -> None:
    clock.advance(when - clock.now())
    scheduler.tick(app)


def test_a_friday_evening_ticket_is_overdue_on_monday_not_at_night(
    gw: App, clock: FakeClock
) -> None:
    open_ticket(gw, "VPN does not connect", key="bh-1")  # vpn: first response 4h
    _tick_at(gw, clock, at(2026, 12, 4, 21, 56))  # the wall clock's deadline has passed
    _tick_at(gw, clock, at(2026, 12, 5, 10, 0))  # Saturday
    _tick_at(gw, clock, at(2026, 12, 7, 12, 54))  # Monday, a minute before
    assert _overdue_texts(gw) == []
    _tick_at(gw, clock, at(2026, 12, 7, 12, 55))
    [notice] = _overdue_texts(gw)
    assert "Mon, Dec 7, 2026, 12:55 JST" in notice  # ops reads English


def test_every_place_shows_the_same_business_deadline(gw: App, clock: FakeClock) -> None:
    tid = open_ticket(gw, "VPN does not connect", key="bh-2")
    brief = [text_of(r) for r in outbox(gw) if r.ticket_id == tid and "12:55" in text_of(r)]
    assert brief, "the assignee's brief shows the Monday deadline"
    # 2d resolve = 48 working hours: 5 minutes on Friday, 45 the week after, 2h55 on Monday
    with transaction(gw.sessions) as s:
        ticket = tickets.get(s, tid)
        assert ticket is not None
        t = rules.times_of(
            ticket, gw.catalog.current.rules_for(ticket.catalog), gw.settings.calendars
        )
        shown = [(d.target, d.at) for d in rules.deadlines(t)]
    assert shown == [
        ("first_response", at(2026, 12, 7, 12, 55)),
        ("resolve", at(2026, 12, 14, 11, 55)),
    ]
    # due soon once at most 25% of the 4 working hours is left, in working time: not on
    # Sunday night (3h55 of work left; the wall clock's 14 hours would be "soon"), nor
    # at 9:30 on Monday, but at 11:56
    assert _due_soon(gw, clock, at(2026, 12, 6, 23, 0)) == 0
    assert _due_soon(gw, clock, at(2026, 12, 7, 9, 30)) == 0
    assert _due_soon(gw, clock, at(2026, 12, 7, 11, 56)) == 1


def _due_soon(app: App, clock: FakeClock, when: datetime) -> int:
    """The vpn tickets ``stats`` and the board count as due soon at ``when``."""
    clock.advance(when - clock.now())
    with transaction(app.sessions) as s:
        counts = workload.sla_counts(
            stats.open_times(s), app.catalog.current, app.settings, clock.now(), frozenset()
        )
    return counts.by_entry.get("vpn", Counter())["due_soon"]


def test_without_business_hours_the_wall_clock_still_counts(
    settings: Settings, tmp_path: Path, clock: FakeClock
) -> None:
    app = _app(settings, tmp_path, clock, hours=False)
    try:
        open_ticket(app, "VPN does not connect", key="bh-3")
        _tick_at(app, clock, at(2026, 12, 4, 21, 56))
        assert len(_overdue_texts(app)) == 1
    finally:
        app.close()


def test_a_due_date_set_by_hand_stays_as_given(gw: App, clock: FakeClock) -> None:
    tid = open_ticket(gw, "VPN does not connect", key="bh-4")
    saturday = at(2026, 12, 5, 12, 0)  # agreed with the requester, a non-working day
    with transaction(gw.sessions) as s:
        ticket = tickets.get(s, tid)
        assert ticket is not None
        changes.set_due(s, ticket, saturday, clock.now(), actor="ops@example.test", channel="mail")
    _tick_at(gw, clock, saturday + MINUTE)
    texts = [t for t in _overdue_texts(gw) if "Sat, Dec 5, 2026, 12:00 JST" in t]
    assert len(texts) == 1


def test_tickets_show_gives_the_business_deadlines(
    db_url: str, tmp_path: Path, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI reads the calendar from the file, as the daemon does."""
    (tmp_path / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    extra = f'[catalog]\npath = "{tmp_path / "catalog.yaml"}"\n' + members_toml(MEMBERS)
    config = write_config(tmp_path, url=db_url, secret_file=True, extra=extra + HOURS)
    app = make_app(load_settings(config), clock)
    try:
        tid = open_ticket(app, "VPN does not connect", key="bh-5")
    finally:
        app.close()
    data = json.loads(run(config, "tickets", "show", str(tid), "--json", capsys=capsys).out)
    assert [(d["target"], datetime.fromisoformat(d["at"])) for d in data["deadlines"]] == [
        ("first_response", at(2026, 12, 7, 12, 55)),
        ("resolve", at(2026, 12, 14, 11, 55)),
    ]
    shown = run(config, "tickets", "show", str(tid), capsys=capsys).out
    assert "2026-12-07 12:55 JST" in shown
