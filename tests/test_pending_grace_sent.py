"""The no-response close counts the reminder's grace from when the reminder left the
outbox, through a real relay (aiosmtpd): a relay down for two days does not make the
reminder and the close arrive together, and a reminder that never arrived (refused
for good, or bounced later) never leads to a close on a requester who was not asked."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.config.settings import ScheduleSettings, Settings
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.outbound.sender import Sender
from gateway.runtime.app import App
from gateway.scheduling import scheduler
from tests.support.mails import mail
from tests.support.pipeline import bounce_of, deliver, outbox, show, words_of
from tests.support.scheduling import make_app, open_ticket, scheduled_settings
from tests.support.sink import SinkHandler, local_relay, sink

MINUTE, DAY = timedelta(minutes=1), timedelta(days=1)


@pytest.fixture
def gw(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    plain = scheduled_settings(settings, tmp_path, ScheduleSettings(digest="off"))
    app = make_app(replace(plain, outbound=local_relay(plain)), clock)
    yield app
    app.close()


def _send(app: App) -> Sender:
    return Sender.configured(app.settings.outbound, app.clock, app.sessions)


def _state(app: App, tid: int) -> tuple[str, str | None]:
    t = show(app, tid)
    return t["state"], t["close_reason"]


def test_the_grace_counts_from_when_the_reminder_left_the_outbox(gw: App, clock: FakeClock) -> None:
    tid = open_ticket(gw, "Purchase: toner", key="grace-1", state=TicketState.PENDING)
    clock.advance(3 * DAY)
    scheduler.tick(gw)  # the reminder is queued; the relay is down
    [reminder] = outbox(gw, "pending_reminder")
    assert _send(gw).drain().retried
    clock.advance(2 * DAY)  # two days later the relay is back
    with sink(gw.settings.outbound.port) as relay:
        assert reminder.id in _send(gw).drain().sent
    assert [r.rcpt_tos for r in relay.received if b"grace-1" in r.data] != []
    clock.advance(2 * DAY + MINUTE)  # 7 days pending: the close's own time
    scheduler.tick(gw)
    assert _state(gw, tid) == ("pending", None)  # its grace started two days ago
    clock.advance(2 * DAY - 2 * MINUTE)
    scheduler.tick(gw)
    assert _state(gw, tid) == ("pending", None)
    clock.advance(MINUTE)  # four days after it was sent
    scheduler.tick(gw)
    assert _state(gw, tid) == ("closed", "no-response")


def test_a_reminder_refused_for_good_never_closes_the_ticket(gw: App, clock: FakeClock) -> None:
    tid = open_ticket(gw, "Purchase: pens", key="grace-2", state=TicketState.PENDING)
    with sink(gw.settings.outbound.port):
        _send(gw).drain()  # the acknowledgement, the notices and the status mail arrive
    clock.advance(3 * DAY)
    scheduler.tick(gw)
    [reminder] = outbox(gw, "pending_reminder")
    with sink(gw.settings.outbound.port, SinkHandler(answer="550 5.1.1 no such user")):
        assert reminder.id in _send(gw).drain().failed
    clock.advance(20 * DAY)
    scheduler.tick(gw)
    t = show(gw, tid)
    assert (t["state"], t["close_reason"]) == ("pending", None)
    failed = [e["new"] for e in t["events"] if e["kind"] == "delivery-failed"]
    assert "pending_reminder" in failed  # its member is told (gateway.tickets.undelivered)


def test_a_reminder_that_bounced_after_it_was_sent_never_closes_the_ticket(
    gw: App, clock: FakeClock
) -> None:
    tid = open_ticket(gw, "Purchase: paper", key="grace-3", state=TicketState.PENDING)
    clock.advance(3 * DAY)
    scheduler.tick(gw)
    [reminder] = outbox(gw, "pending_reminder")
    with sink(gw.settings.outbound.port):
        _send(gw).drain()
    clock.advance(DAY)
    assert deliver(gw, bounce_of(reminder.message_id)).ticket_id == tid
    clock.advance(10 * DAY)
    scheduler.tick(gw)
    scheduler.tick(gw)
    t = show(gw, tid)
    assert (t["state"], t["close_reason"]) == ("pending", None)
    # in the history once, and in the next notice of the member who has it (ops2)
    [failed] = [e for e in t["events"] if e["kind"] == "delivery-failed"]
    assert failed["new"] == "pending_reminder" and "came back" in failed["detail"]["error"]
    clock.advance(DAY)
    scheduler.tick(gw)
    told = [r for r in outbox(gw, "ticket_notice") if r.recipients == ["ops2@example.test"]]
    [notice] = [r for r in told if "配信できずに戻ってきました" in words_of(r)]
    assert "alice@customer.test 宛てのメールが届きませんでした" in words_of(notice)


def test_a_bounce_of_another_mail_leaves_the_close_on_time(gw: App, clock: FakeClock) -> None:
    tid = open_ticket(gw, "Purchase: a lamp", key="grace-4", state=TicketState.PENDING)
    [status] = outbox(gw, "status_change")  # "waiting for your reply", sent long ago
    clock.advance(3 * DAY)
    scheduler.tick(gw)
    with sink(gw.settings.outbound.port):
        _send(gw).drain()
    clock.advance(DAY)
    assert deliver(gw, bounce_of(status.message_id)).ticket_id == tid
    clock.advance(3 * DAY)
    scheduler.tick(gw)
    assert _state(gw, tid) == ("closed", "no-response")


def test_a_reminder_still_queued_when_the_requester_answers_is_not_sent(
    gw: App, clock: FakeClock
) -> None:
    """The relay is down with the reminder in the outbox, and the requester answers:
    "we have not heard from you" must not reach them after their answer."""
    tid = open_ticket(gw, "Purchase: ink", key="grace-5", state=TicketState.PENDING)
    clock.advance(3 * DAY)
    scheduler.tick(gw)
    [reminder] = outbox(gw, "pending_reminder")
    assert _send(gw).drain().retried  # the relay is down
    clock.advance(DAY)
    answer = mail(
        subject=f"Re: [#{tid}] Purchase: ink",
        body="Here is the model number.\n",
        sender="Alice Example <alice@customer.test>",
        in_reply_to="<grace-5@customer.test>",
    )
    assert deliver(gw, answer).ticket_id == tid
    assert show(gw, tid)["state"] == "open"
    clock.advance(DAY)
    with sink(gw.settings.outbound.port) as relay:
        sent = _send(gw).drain().sent
    assert reminder.id not in sent
    to_alice = [r.data for r in relay.received if r.rcpt_tos == ["alice@customer.test"]]
    assert not [m for m in to_alice if b"pending_reminder" in m]
    # nor is it on the ticket as a mail that went out
    said = [m for m in show(gw, tid)["messages"] if m["direction"] == "out"]
    assert all("Waiting for your reply" not in m["subject"] for m in said)


def test_a_reminder_refused_for_good_is_not_left_pending_in_silence(
    gw: App, clock: FakeClock
) -> None:
    """Under an entry without ``stale_after`` nothing else would ever ask about it: its
    member (the fallback's manager) is reminded of it as of a stale ticket."""
    tid = open_ticket(gw, "A question", key="grace-6", state=TicketState.PENDING)
    with sink(gw.settings.outbound.port):
        _send(gw).drain()
    clock.advance(3 * DAY)
    scheduler.tick(gw)
    with sink(gw.settings.outbound.port, SinkHandler(answer="550 5.1.1 no such user")):
        _send(gw).drain()
    assert outbox(gw, "stale_reminder") == []
    clock.advance(DAY)
    scheduler.tick(gw)
    [stale] = outbox(gw, "stale_reminder")
    assert stale.recipients == ["boss@example.test"]
    clock.advance(20 * DAY)
    scheduler.tick(gw)
    assert _state(gw, tid) == ("pending", None)
