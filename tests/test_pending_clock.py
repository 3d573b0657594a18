"""What restarts the clock of a ticket waiting on its requester (the pending reminder and
the no-response close), against a real database: only what the requester sees — the
ticket set pending again, a member's answer relayed to them. A member's own work on the
ticket (a note, a reassignment, a refile, a watcher, the priority, a due date) does not
ask them anything again, so it neither puts the reminder off nor sends a second one. The
assignee's stale reminder keeps counting every touch: a member's work is activity there."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from gateway.config.settings import ScheduleSettings, Settings
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.core.priority import Priority
from gateway.pipeline.watching import Op
from gateway.runtime.app import App
from gateway.scheduling import waiting
from gateway.scheduling.rules import Job
from gateway.tickets import changes, priority, relay, watchers
from store import jobs, tickets
from store.db import transaction
from store.models import Ticket
from tests.support.pipeline import outbox, show
from tests.support.scheduling import (
    make_app,
    open_ticket,
    scheduled_settings,
    set_state,
    tick_and_send,
)

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
OPS = "ops@example.test"

Touch = Callable[[App, Session, Ticket, datetime], None]


@pytest.fixture
def gw(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    app = make_app(scheduled_settings(settings, tmp_path, ScheduleSettings(digest="off")), clock)
    yield app
    app.close()


def _note(app: App, s: Session, t: Ticket, now: datetime) -> None:
    changes.add_note(s, t, "asked the vendor", now, actor=OPS, channel="cli")


def _reassign(app: App, s: Session, t: Ticket, now: datetime) -> None:
    changes.assign(s, t, "ops2@example.test", now, actor=OPS, channel="cli")


def _refile(app: App, s: Session, t: Ticket, now: datetime) -> None:
    changes.set_category(s, t, "vpn", now, actor=OPS, channel="cli")


def _watcher(app: App, s: Session, t: Ticket, now: datetime) -> None:
    watchers.change_watcher(
        s, app.settings, t, Op.ADD, "carol@customer.test", now, actor=OPS, channel="cli"
    )


def _priority(app: App, s: Session, t: Ticket, now: datetime) -> None:
    priority.set_priority(s, t, Priority.HIGH, now, actor=OPS, channel="cli", source="command")


def _due(app: App, s: Session, t: Ticket, now: datetime) -> None:
    changes.set_due(s, t, now + 10 * DAY, now, actor=OPS, channel="cli")


def _answer(app: App, s: Session, t: Ticket, now: datetime) -> None:
    member = app.settings.member(OPS)
    assert member is not None
    sent = relay.relay_answer(
        s, app.settings, t, member, "Which model is it?", key=f"k-{now}", now=now, channel="cli"
    )
    assert sent == 1


def _touch(app: App, tid: int, touch: Touch) -> None:
    with transaction(app.sessions) as s:
        ticket = tickets.get(s, tid)
        assert ticket is not None
        touch(app, s, ticket, app.clock.now())


def _pending_at_3_days(app: App, clock: FakeClock, touch: Touch) -> tuple[int, int]:
    """A ticket set pending, touched a day later; the reminders sent by 3 days and 1 hour
    after it was set pending, and by 4 days and 1 hour."""
    tid = open_ticket(app, "Purchase: toner", key="toner-1", state=TicketState.PENDING)
    clock.advance(DAY)
    _touch(app, tid, touch)
    clock.advance(2 * DAY + HOUR)
    tick_and_send(app)
    at_3 = len(outbox(app, "pending_reminder"))
    clock.advance(DAY)
    tick_and_send(app)
    return at_3, len(outbox(app, "pending_reminder"))


@pytest.mark.parametrize(
    "touch",
    [_note, _reassign, _refile, _watcher, _priority, _due],
    ids=["internal-note", "reassign", "refile", "watcher-added", "priority", "due"],
)
def test_a_members_own_work_does_not_put_off_the_requesters_reminder(
    gw: App, clock: FakeClock, touch: Touch
) -> None:
    assert _pending_at_3_days(gw, clock, touch) == (1, 1)


def test_an_answer_relayed_while_pending_asks_again_and_restarts_the_clock(
    gw: App, clock: FakeClock
) -> None:
    assert _pending_at_3_days(gw, clock, _answer) == (0, 1)


@pytest.mark.parametrize(
    "touch", [_note, _reassign, _refile, _watcher, _priority, _due], ids=lambda f: f.__name__
)
def test_work_after_the_reminder_sends_no_second_one_and_closes_on_time(
    gw: App, clock: FakeClock, touch: Touch
) -> None:
    tid = open_ticket(gw, "Purchase: paper", key="paper-1", state=TicketState.PENDING)
    clock.advance(3 * DAY + HOUR)
    tick_and_send(gw)
    assert len(outbox(gw, "pending_reminder")) == 1
    _touch(gw, tid, touch)  # the requester is asked nothing new
    clock.advance(4 * DAY + HOUR)  # 4 days after the touch; 7 days and 2 hours pending
    tick_and_send(gw)
    assert len(outbox(gw, "pending_reminder")) == 1
    t = show(gw, tid)
    assert (t["state"], t["close_reason"]) == ("closed", "no-response")


def test_set_pending_again_restarts_the_clock(gw: App, clock: FakeClock) -> None:
    tid = open_ticket(gw, "Purchase: ink", key="ink-1", state=TicketState.PENDING)
    clock.advance(3 * DAY + HOUR)
    tick_and_send(gw)
    assert len(outbox(gw, "pending_reminder")) == 1
    set_state(gw, tid, TicketState.OPEN)  # a member took it back …
    set_state(gw, tid, TicketState.PENDING)  # … and asks the requester something new
    clock.advance(3 * DAY - HOUR)
    tick_and_send(gw)
    assert len(outbox(gw, "pending_reminder")) == 1
    clock.advance(2 * HOUR)
    tick_and_send(gw)
    assert len(outbox(gw, "pending_reminder")) == 2
    assert show(gw, tid)["state"] == "pending"


def test_the_assignees_stale_reminder_still_counts_a_members_note(
    gw: App, clock: FakeClock
) -> None:
    """The stale reminder asks whether anyone works on the ticket: a note says so."""
    tid = open_ticket(gw, "Purchase: a desk", key="desk-1")  # purchase: stale after 3 days
    clock.advance(2 * DAY)
    _touch(gw, tid, _note)
    clock.advance(2 * DAY)  # 4 days old, 2 untouched
    tick_and_send(gw)
    assert outbox(gw, "stale_reminder") == []
    clock.advance(DAY + HOUR)
    tick_and_send(gw)
    assert len(outbox(gw, "stale_reminder")) == 1


# what a member or the gateway does to a pending ticket → restarts the requester's clock?
CASES = {
    "note": False,
    "assign": False,
    "category": False,
    "watcher": False,
    "priority": False,
    "due": False,
    "field": False,
    "participant": False,
    "no-auto-answer": False,
    "state": True,
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_the_policy_table_decides_by_event_kind(kind: str) -> None:
    t0 = datetime(2026, 3, 2, 1, 0)
    later = t0 + DAY
    since = waiting.requester_clock(
        t0, [waiting.Touch("state", t0), waiting.Touch(kind, later)], requester="a@x.test"
    )
    assert since == (later if CASES[kind] else t0)


def test_an_answer_counts_only_when_it_reaches_the_requester() -> None:
    t0 = datetime(2026, 3, 2, 1, 0)
    answers = [
        waiting.Touch("ops_reply", t0 + HOUR, ("carol@x.test",)),  # a watcher alone
        waiting.Touch("pending_reminder", t0 + 2 * HOUR, ("a@x.test",)),  # the clock's own
    ]
    assert waiting.requester_clock(t0, answers, requester="a@x.test") == t0
    to_them = waiting.Touch("ops_reply", t0 + 3 * HOUR, ("A@x.test",))
    assert waiting.requester_clock(t0, [*answers, to_them], requester="a@x.test") == t0 + 3 * HOUR


def test_an_unknown_kind_restarts_nothing() -> None:
    t0 = datetime(2026, 3, 2, 1, 0)
    touch = waiting.Touch("something-new", t0 + HOUR)
    assert waiting.requester_clock(t0, [touch], requester="a@x.test") == t0


def test_a_reminder_an_older_release_sent_after_a_note_is_not_sent_again(
    gw: App, clock: FakeClock
) -> None:
    """An older release counted from the last touch and keyed its reminder so: after the
    upgrade the same wait is keyed by when it was set pending, and must find that claim."""
    tid = open_ticket(gw, "Purchase: a lamp", key="lamp-1", state=TicketState.PENDING)
    clock.advance(DAY)
    _touch(gw, tid, _note)
    touched = clock.now()
    clock.advance(3 * DAY + HOUR)  # the older release reminded 3 days after the note
    with transaction(gw.sessions) as s:
        period = f"{tid}:{int(touched.timestamp())}"
        assert jobs.claim(s, Job.PENDING_REMINDER, period, clock.now(), ticket_id=tid)
    reminded = clock.now()
    clock.advance(HOUR)
    tick_and_send(gw)
    assert outbox(gw, "pending_reminder") == []  # asked already in this wait
    clock.advance(4 * DAY - 2 * HOUR)  # the grace runs from that reminder
    tick_and_send(gw)
    assert show(gw, tid)["state"] == "pending"
    clock.advance(2 * HOUR)
    tick_and_send(gw)
    t = show(gw, tid)
    assert (t["state"], t["close_reason"]) == ("closed", "no-response")
    assert clock.now() - reminded >= 4 * DAY
