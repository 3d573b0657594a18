"""The host slept (a laptop's suspend, a paused VM) while the daemon ran: its scheduler
wakes to a clock days ahead. Its mailboxes were not polled in that time, but nothing is
broken: the pollers reconnect within minutes. The managers get no alert for it (and so
no "recovered" right after), as after a restart: the mailboxes and the inbox are given
``max_poll_age`` from the wake-up before they are judged. A mailbox still not polled
after that is told, once."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from gateway.config.settings import ImapSettings, ScheduleSettings, Settings
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.runtime.app import App, build
from gateway.scheduling import scheduler
from gateway.scheduling.rules import Job
from store import jobs, sources
from store.db import transaction
from tests.support.app import MEMBERS, reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show
from tests.support.scheduling import open_ticket, scheduled_settings, send

ACCOUNT = ImapSettings(host="imap.example.test", username="support", password_env="IMAP_PASSWORD")
MINUTE, DAY = timedelta(minutes=1), timedelta(days=1)


def _polled(app: App) -> None:
    """The poller's successful poll, at the app's now, as it records one."""
    with transaction(app.sessions) as s:
        sources.advance(s, ACCOUNT.source, uidvalidity=1, last_uid=0, now=app.clock.now())


def _run(app: App, script: dict[int, object]) -> None:
    """The scheduler's loop, its passes driven by ``script``: before pass n (from 1) the
    callable at n runs (the clock moves, the poller polls); the loop stops after the
    last. The loop asks ``moved`` once before each pass, which is where the script runs."""
    stop, passes = threading.Event(), [0]

    def before_pass() -> bool:
        passes[0] += 1
        step = script.get(passes[0])
        if callable(step):
            step()
        if passes[0] > max(script):
            stop.set()
        return False

    worker = threading.Thread(
        target=scheduler.loop, args=(app, stop), kwargs={"moved": before_pass}
    )
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive()


def test_a_host_that_slept_for_days_sends_no_alert_for_the_mailbox_it_could_not_poll(
    settings: Settings, clock: FakeClock
) -> None:
    quick = ScheduleSettings(digest="off", sweep_interval=timedelta(milliseconds=50))
    app = build(replace(settings, imap=(ACCOUNT,), members=MEMBERS, schedule=quick), clock)
    try:
        clock.advance(30 * MINUTE)  # long up: the start's grace is over
        _polled(app)

        def sleep_three_days() -> None:
            clock.advance(3 * DAY)

        def awake() -> None:
            clock.advance(MINUTE // 2)  # a pass later the poller has reconnected
            _polled(app)

        _run(app, {1: None, 2: sleep_three_days, 3: awake, 4: None})
        assert outbox(app, "health_alert") == []
    finally:
        app.close()


def test_a_mailbox_still_not_polled_after_the_wake_up_is_told_once(
    settings: Settings, clock: FakeClock
) -> None:
    quick = ScheduleSettings(digest="off", sweep_interval=timedelta(milliseconds=50))
    app = build(replace(settings, imap=(ACCOUNT,), members=MEMBERS, schedule=quick), clock)
    try:
        clock.advance(30 * MINUTE)
        _polled(app)

        def sleep_three_days() -> None:
            clock.advance(3 * DAY)

        def a_while() -> None:
            clock.advance(50 * timedelta(seconds=1))  # passes under a minute apart

        script: dict[int, object] = {1: None, 2: sleep_three_days}
        script.update({n: a_while for n in range(3, 3 + 20)})  # 16⅔ minutes awake, no poll
        _run(app, script)
        assert len(outbox(app, "health_alert")) == 1  # one manager, one alert
    finally:
        app.close()


def test_a_pending_ticket_waits_for_the_mail_that_came_while_the_daemon_was_away(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """The daemon comes back (a start, a wake-up) after the ticket's no-response close
    fell due, and the requester's answer is in the mailbox, not read yet: the first
    pass comes before the poller's. It closes nothing and asks nothing of the requester
    until the mailboxes were read since: the answer keeps the ticket open, and the
    requester is not told "we have not heard from you"."""
    base = scheduled_settings(settings, tmp_path, ScheduleSettings(digest="off"))
    app = build(replace(base, imap=(ACCOUNT,)), clock)
    try:
        _polled(app)
        tid = open_ticket(app, "Purchase: toner", key="away-1", state=TicketState.PENDING)
        clock.advance(8 * DAY)  # down since; the close was due a day ago
        started = clock.now()
        scheduler.tick(app, started)  # the first pass, before the poller's first poll
        assert show(app, tid)["state"] == "pending"
        assert outbox(app, "pending_reminder") == []
        clock.advance(MINUTE)
        deliver(  # the poller reads the answer that waited in the mailbox
            app,
            mail(
                subject=f"Re: [#{tid}] Purchase: toner",
                body="Cost centre 4711.\n",
                sender="Alice Example <alice@customer.test>",
                to=reply_address(app, tid, "alice@customer.test"),
            ),
        )
        _polled(app)
        scheduler.tick(app, started)
        assert show(app, tid)["state"] == "open"
        with transaction(app.sessions) as s:
            assert jobs.runs(s, Job.PENDING_CLOSE) == []
    finally:
        app.close()


def test_without_an_answer_the_close_comes_once_the_mailbox_was_read(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    base = scheduled_settings(settings, tmp_path, ScheduleSettings(digest="off"))
    app = build(replace(base, imap=(ACCOUNT,)), clock)
    try:
        _polled(app)
        tid = open_ticket(app, "Purchase: toner", key="away-2", state=TicketState.PENDING)
        clock.advance(8 * DAY)
        started = clock.now()
        scheduler.tick(app, started)
        assert show(app, tid)["state"] == "pending"
        clock.advance(MINUTE)
        _polled(app)  # nothing came
        scheduler.tick(app, started)
        send(app)  # the reminder leaves: its grace starts
        # no reminder went while the daemon was down: asked first, closed after its grace
        assert len(outbox(app, "pending_reminder")) == 1
        assert show(app, tid)["state"] == "pending"
        clock.advance(4 * DAY)
        scheduler.tick(app, started)
        assert (show(app, tid)["state"], show(app, tid)["close_reason"]) == (
            "closed",
            "no-response",
        )
    finally:
        app.close()
