"""Time-driven behaviour at its edges, against a real database and a fake clock: the
daemon suspended for weeks (its sweeps then see every period at once), a requester's
answer seconds before the no-response close, the digest's week at New Year (ISO week
53) and a digest whose Monday the daemon slept through. Each mail goes once, each
close happens once, as a Zammad or RT user expects of a machine that was away."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from gateway.config.settings import ScheduleSettings, Settings
from gateway.core.business_hours import Calendar
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.runtime.app import App
from gateway.scheduling import scheduler
from gateway.scheduling.rules import Job
from store import jobs
from store.db import transaction
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of
from tests.support.scheduling import make_app, open_ticket, scheduled_settings, tick_and_send

MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
OPS, OPS2 = "ops@example.test", "ops2@example.test"
ALICE = "Alice Example <alice@customer.test>"


@pytest.fixture
def gw(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    app = make_app(scheduled_settings(settings, tmp_path, ScheduleSettings(digest="off")), clock)
    yield app
    app.close()


def _passes(app: App, clock: FakeClock, n: int = 3) -> None:
    """``n`` passes a sweep interval apart: what the daemon does after it wakes."""
    for _ in range(n):
        tick_and_send(app)  # and its sender: a reminder's grace starts when it is sent
        clock.advance(5 * MINUTE)


def test_a_suspend_of_weeks_tells_each_reminder_once_and_closes_once(
    gw: App, clock: FakeClock
) -> None:
    stale = open_ticket(gw, "Purchase: a chair", key="sus-1")  # stale_after 3d
    vpn = open_ticket(gw, "VPN broken", key="sus-2")  # first response 4h, resolve 2d
    waiting = open_ticket(gw, "Purchase: paper", key="sus-3", state=TicketState.PENDING)
    clock.advance(20 * DAY)  # the laptop the daemon runs on slept for 20 days
    _passes(gw, clock)
    stale_mails = outbox(gw, "stale_reminder")
    # one mail to each assignee (ops2's chair, ops's VPN), not one per missed period
    assert sorted(r for row in stale_mails for r in row.recipients) == sorted([OPS, OPS2])
    overdue = outbox(gw, "sla_overdue") + outbox(gw, "sla_overdue_list")
    assert len(overdue) == 1  # both of #vpn's deadlines, in one mail
    # the requester is asked first, late, and closed only the reminder's grace after it
    assert len(outbox(gw, "pending_reminder")) == 1
    assert show(gw, waiting)["state"] == "pending"
    assert show(gw, stale)["state"] == "new"
    before = len(outbox(gw))
    clock.advance(-2 * DAY)  # and the clock, set right, steps back
    _passes(gw, clock)
    clock.advance(2 * DAY + 2 * HOUR)
    _passes(gw, clock)
    assert len(outbox(gw)) == before  # stepping back and forth again tells nothing again
    clock.advance(3 * DAY)  # the next stale period of the untouched ticket
    _passes(gw, clock)
    assert len(outbox(gw, "stale_reminder")) == 4
    assert show(gw, vpn)["state"] == "new"
    assert show(gw, waiting)["state"] == "pending"  # 23 days: the grace runs to the 24th
    clock.advance(DAY)
    _passes(gw, clock)
    assert (show(gw, waiting)["state"], show(gw, waiting)["close_reason"]) == (
        "closed",
        "no-response",
    )
    states = [e.get("new") for e in show(gw, waiting)["events"] if e.get("kind") == "state"]
    assert states == ["pending", "closed"]  # closed once
    assert len(outbox(gw, "pending_reminder")) == 1  # asked once


def test_an_answer_seconds_before_the_close_keeps_the_ticket_open(
    gw: App, clock: FakeClock
) -> None:
    tid = open_ticket(gw, "Purchase: toner", key="ans-1", state=TicketState.PENDING)
    clock.advance(7 * DAY - 5 * timedelta(seconds=1))  # five seconds before the close
    deliver(
        gw,
        mail(
            subject=f"Re: [#{tid}] Purchase: toner",
            body="Here is the cost centre: 4711.\n",
            sender=ALICE,
            to=reply_address(gw, tid, "alice@customer.test"),
        ),
    )
    assert show(gw, tid)["state"] == "open"
    queued = len(outbox(gw))
    clock.advance(10 * timedelta(seconds=1))
    _passes(gw, clock)
    assert show(gw, tid)["state"] == "open"
    with transaction(gw.sessions) as s:
        assert jobs.runs(s, Job.PENDING_CLOSE) == []
    assert len(outbox(gw)) == queued  # no status mail of a close, no notice


@pytest.fixture
def weekly(settings: Settings, tmp_path: Path) -> Iterator[tuple[App, FakeClock]]:
    clock = FakeClock(datetime(2026, 12, 28, 0, 0, tzinfo=UTC))  # Monday 09:00 JST
    app = make_app(
        scheduled_settings(settings, tmp_path, ScheduleSettings(digest="mon 09:00")), clock
    )
    yield app, clock
    app.close()


def test_the_digest_at_new_year_names_iso_week_53_once(weekly: tuple[App, FakeClock]) -> None:
    app, clock = weekly
    open_ticket(app, "Purchase: a calendar for 2027", key="ny-1")
    clock.advance(7 * DAY + HOUR)  # Monday 2027-01-04 10:00 JST
    _passes(app, clock)
    digests = outbox(app, "weekly_digest")
    weeks_named = [row for row in digests if "2026-W53" in text_of(row)]
    assert len(weeks_named) == len(digests) >= 1
    with transaction(app.sessions) as s:
        periods = [r.period for r in jobs.runs(s, Job.DIGEST)]
    assert periods[-1] == "2027-W01"
    assert len(periods) == len(set(periods))


def test_a_monday_slept_through_is_mailed_once_on_wednesday(
    weekly: tuple[App, FakeClock],
) -> None:
    app, clock = weekly
    open_ticket(app, "Purchase: a desk lamp", key="wed-1")
    scheduler.tick(app)  # Monday 09:00 JST: this week's digest
    first = len(outbox(app, "weekly_digest"))
    assert first >= 1
    clock.advance(7 * DAY + 2 * DAY + 3 * HOUR)  # down all next Monday; up on Wednesday
    _passes(app, clock)
    assert len(outbox(app, "weekly_digest")) == 2 * first
    clock.advance(DAY)
    _passes(app, clock)
    assert len(outbox(app, "weekly_digest")) == 2 * first
    clock.advance(5 * DAY - 3 * HOUR - 20 * MINUTE)  # the next Monday 09:00: its own, once
    _passes(app, clock)
    assert len(outbox(app, "weekly_digest")) == 3 * first


@pytest.fixture
def kathmandu(settings: Settings, tmp_path: Path) -> Iterator[tuple[App, FakeClock]]:
    """A team in Kathmandu (UTC+05:45), 09:00–17:00 on weekdays, Monday 2026-03-09 a
    holiday, with an ops member reading New York's time."""
    office = Calendar(
        "Asia/Kathmandu", (((540, 1020),),) * 5 + ((), ()), frozenset({date(2026, 3, 9)})
    )
    base = scheduled_settings(settings, tmp_path, ScheduleSettings(digest="off"))
    members = tuple(
        replace(m, time_zone="America/New_York") if m.email == OPS else m for m in base.members
    )
    team = replace(base.gateway, timezone="Asia/Kathmandu")
    clock = FakeClock(datetime(2026, 3, 6, 9, 15, tzinfo=UTC))  # Friday 15:00 in Kathmandu
    app = make_app(replace(base, gateway=team, business_hours=office, members=members), clock)
    yield app, clock
    app.close()


def test_a_deadline_on_a_holiday_moves_on_and_is_told_once_at_its_minute(
    kathmandu: tuple[App, FakeClock],
) -> None:
    """Friday 15:00 with a 4h first response: two hours on Friday, none on the holiday
    Monday, two on Tuesday: due Tuesday 11:00 in Kathmandu, which is 01:15 EDT in New
    York (its clocks went forward on Sunday the 8th), where the assignee reads it."""
    app, clock = kathmandu
    tid = open_ticket(app, "VPN broken", key="ktm-1")
    due = datetime(2026, 3, 10, 5, 15, tzinfo=UTC)  # Tuesday 11:00 +0545
    clock.advance(due - clock.now() - MINUTE)
    _passes(app, clock, 1)
    assert outbox(app, "sla_overdue") == []
    _passes(app, clock, 3)  # 11:04 … 11:14: past it
    [notice] = outbox(app, "sla_overdue")
    assert notice.recipients == [OPS]
    assert "deadline (Tue, Mar 10, 2026, 01:15 EDT)" in " ".join(text_of(notice).split())
    clock.advance(DAY)
    _passes(app, clock)
    assert len(outbox(app, "sla_overdue")) == 1
    assert show(app, tid)["state"] == "new"
