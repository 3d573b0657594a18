"""A sweep and a reply at the same moment, on PostgreSQL, where they really run side by
side (the daemon's scheduler thread beside its runner, or two instances): the sweep
has read the open tickets, a reply from the requester is committed, and then the sweep
reaches that ticket. It must act on the ticket as it is now, not as it was read: a
requester who answered at the last minute is not closed as "no response".

(SQLite serialises writers at BEGIN, so there the reply waits for the sweep.)"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from gateway.config.settings import ScheduleSettings, Settings
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.runtime.app import App
from gateway.scheduling import scheduler
from gateway.scheduling.sweeps import run_sweeps
from store import reminders
from store.db import transaction
from tests.support.app import reply_address
from tests.support.databases import postgres_only
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of
from tests.support.scheduling import (
    make_app,
    open_ticket,
    scheduled_settings,
    send,
    set_state,
)
from tests.support.waiting import PATIENCE, eventually

DAY, HOUR = timedelta(days=1), timedelta(hours=1)


@pytest.fixture
def gw(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    schedule = ScheduleSettings(digest="off", inventory=True, inventory_after=30 * DAY)
    app = make_app(scheduled_settings(settings, tmp_path, schedule), clock)
    yield app
    app.close()


def _waits_behind(app: App, holder: Session) -> bool:
    """Whether a backend waits for a lock that ``holder``'s transaction holds. Looked at
    in a session of its own each time (the activity view keeps one snapshot per
    transaction), and only behind ``holder``: other tests on the server wait too."""
    pid = holder.execute(text("SELECT pg_backend_pid()")).scalar_one()
    with app.sessions() as s:
        return bool(s.execute(_BLOCKED_BY, {"pid": pid}).scalar())


_BLOCKED_BY = text(
    "SELECT count(*) FROM pg_stat_activity WHERE CAST(:pid AS integer) = ANY(pg_blocking_pids(pid))"
)


def _answer(app: App, tid: int, message_id: str) -> tuple[bytes, str]:
    """Alice's answer, sent to the reply address we issued her (a proven reply: a tag
    alone would be kept unverified, tests/test_unverified_tag_reply.py)."""
    to = reply_address(app, tid, "alice@customer.test")
    raw = mail(
        subject=f"Re: [#{tid}] Purchase: toner",
        body="Here is the order number: 4711.\n",
        sender="Alice Example <alice@customer.test>",
        to=to,
        message_id=message_id,
    )
    return raw, to


def _reply_lands_while_the_sweep_runs(app: App, tid: int) -> None:
    raw, to = _answer(app, tid, "<answer@customer.test>")
    with transaction(app.sessions) as sweep:
        read = reminders.open_tickets(sweep)  # the sweep has read the tickets…
        deliver(app, raw, envelope_to=(to,))  # …the requester's answer is committed meanwhile…
        run_sweeps(sweep, scheduler.context(app), app.clock.now())  # …then it goes on
        assert read  # what it read is what it holds (the session keeps rows while held)


def _close_due_now(app: App, clock: FakeClock) -> None:
    """Seven days pending, the requester asked again at three (the close waits for the
    reminder's grace from when it went out): the no-response close is due this minute."""
    clock.advance(3 * DAY)
    with transaction(app.sessions) as s:
        run_sweeps(s, scheduler.context(app), clock.now())
    send(app)  # the reminder leaves: its grace starts
    clock.advance(4 * DAY)


@postgres_only
def test_a_last_minute_answer_is_not_closed_as_no_response(gw: App, clock: FakeClock) -> None:
    tid = open_ticket(gw, "Purchase: toner", key="race-1", state=TicketState.PENDING)
    _close_due_now(gw, clock)  # pending_close_after is due this very minute
    _reply_lands_while_the_sweep_runs(gw, tid)
    t = show(gw, tid)
    assert (t["state"], t["close_reason"]) == ("open", None)
    closes = [e for e in t["events"] if e["kind"] == "state" and e["new"] == "closed"]
    assert closes == []
    statuses = [r for r in outbox(gw, "status_change") if r.ticket_id == tid]
    assert len(statuses) == 1  # the one telling them we wait for their answer, no close


@postgres_only
def test_a_last_minute_answer_is_not_force_closed_by_the_inventory(
    gw: App, clock: FakeClock
) -> None:
    tid = open_ticket(gw, "Purchase: toner", key="race-2", state=TicketState.OPEN)
    clock.advance(30 * DAY)
    _reply_lands_while_the_sweep_runs(gw, tid)
    t = show(gw, tid)
    assert (t["state"], t["close_reason"]) == ("open", None)


def test_pending_reminder_still_goes_to_a_ticket_nobody_answered(gw: App, clock: FakeClock) -> None:
    """The fresh read changes nothing for a ticket nobody touched meanwhile."""
    tid = open_ticket(gw, "Purchase: toner", key="race-3", state=TicketState.PENDING)
    clock.advance(3 * DAY)
    with transaction(gw.sessions) as s:
        run_sweeps(s, scheduler.context(gw), clock.now())
    [reminder] = outbox(gw, "pending_reminder")
    assert reminder.ticket_id == tid
    send(gw)
    clock.advance(4 * DAY)
    with transaction(gw.sessions) as s:
        run_sweeps(s, scheduler.context(gw), clock.now())
    assert show(gw, tid)["close_reason"] == "no-response"


@postgres_only
def test_a_reply_filed_while_the_sweep_closes_waits_and_reopens(gw: App, clock: FakeClock) -> None:
    """The other order: the sweep has the ticket locked and is closing it when the
    runner files the requester's answer. The runner must decide on the ticket as the
    sweep leaves it (closed: the answer reopens it, and the history says so), not on
    the state it read before the sweep committed (pending: "pending → open" written
    over a close the requester was already mailed about)."""
    tid = open_ticket(gw, "Purchase: toner", key="race-3", state=TicketState.PENDING)
    _close_due_now(gw, clock)
    answer, to = _answer(gw, tid, "<late-answer@customer.test>")
    filed: list[str] = []
    with transaction(gw.sessions) as sweep:
        run_sweeps(sweep, scheduler.context(gw), clock.now())  # closes it, lock held
        runner = threading.Thread(
            target=lambda: filed.append(deliver(gw, answer, envelope_to=(to,)).reason)
        )
        runner.start()
        # the runner waits for the sweep's lock (seen in the server, not guessed from a
        # pause: a loaded machine may not even have started the thread within one)
        held_up = eventually(lambda: _waits_behind(gw, sweep) or not runner.is_alive())
        assert held_up and runner.is_alive(), (
            "the reply was filed on the ticket as read before the close"
        )
    runner.join(PATIENCE)
    t = show(gw, tid)
    changes = [(e["old"], e["new"]) for e in t["events"] if e["kind"] == "state"]
    assert changes[-2:] == [("pending", "closed"), ("closed", "open")], changes
    assert t["state"] == "open"


@postgres_only
def test_a_member_closing_on_the_page_while_the_sweep_closes_closes_once(
    gw: App, clock: FakeClock
) -> None:
    """A change made on a page (or from Slack, or the CLI) is decided on the ticket as it
    is once the sweep is done with it: one close, one mail to the requester, not a
    second "closed" written over the first from a state read before it."""
    from gateway.web.ticket_pages import _act  # the page's one change, in its transaction

    tid = open_ticket(gw, "Purchase: toner", key="race-4", state=TicketState.PENDING)
    _close_due_now(gw, clock)
    answers: list[bool | None] = []

    def close_on_the_page() -> None:
        with transaction(gw.sessions) as s:
            answers.append(_act(s, tid, "bob@example.test", "closed", "resolved", "", clock.now()))

    with transaction(gw.sessions) as sweep:
        run_sweeps(sweep, scheduler.context(gw), clock.now())  # closes it, lock held
        page = threading.Thread(target=close_on_the_page)
        page.start()
        held_up = eventually(lambda: _waits_behind(gw, sweep) or not page.is_alive())
        assert held_up and page.is_alive(), "the page's close was decided on the ticket read before"
    page.join(PATIENCE)
    t = show(gw, tid)
    closes = [e for e in t["events"] if e["kind"] == "state" and e["new"] == "closed"]
    assert len(closes) == 1, closes
    # closed already, by the sweep: the page writes no second close and answers as done,
    # as to a Close pressed twice (tests/test_web_pressed_twice.py)
    assert answers == [True]


@postgres_only
def test_a_last_minute_answer_is_not_reminded_as_stale(gw: App, clock: FakeClock) -> None:
    """The stale reminder too is decided on the ticket as it is now: a ticket its
    requester answered a moment ago is not "untouched for 3 days" in the assignee's mail,
    and its stale period is not spent on a reminder nobody got."""
    tid = open_ticket(gw, "Purchase: toner", key="race-5", state=TicketState.OPEN)
    clock.advance(3 * DAY)  # stale_after (3d) is reached this very minute
    _reply_lands_while_the_sweep_runs(gw, tid)
    assert outbox(gw, "stale_reminder") == []
    clock.advance(3 * DAY)  # untouched since the answer: reminded now, once
    with transaction(gw.sessions) as s:
        run_sweeps(s, scheduler.context(gw), clock.now())
    [reminder] = outbox(gw, "stale_reminder")
    assert f"[#{tid}]" in text_of(reminder)


@postgres_only
def test_a_first_response_given_a_moment_ago_is_not_told_overdue(gw: App, clock: FakeClock) -> None:
    """Nor is a deadline met a moment ago told as passed: the member took the ticket up
    (leaving ``new`` is its first response) after the sweep read it."""
    tid = open_ticket(gw, "VPN does not connect", key="race-6")
    clock.advance(4 * HOUR)  # the 4h first response falls due this very minute
    with transaction(gw.sessions) as sweep:
        read = reminders.open_tickets(sweep)  # the sweep has read the tickets…
        set_state(gw, tid, TicketState.OPEN)  # …the member's answer is committed…
        run_sweeps(sweep, scheduler.context(gw), clock.now())  # …then it goes on
        assert read  # held, as the sweep holds what it read
    assert [r for r in outbox(gw, "sla_overdue") if r.ticket_id == tid] == []
