"""The scheduler against a real database: each reminder once per period however often
the sweep runs, pending reminder then no-response close, inventory force-closes, SLA
notices, and nothing sent twice after a restart or by a second instance."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.config.settings import ScheduleSettings, Settings
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.notify import views
from gateway.runtime.app import App
from gateway.scheduling import digest, scheduler
from gateway.scheduling.rules import Job
from store import jobs, reminders
from store.db import transaction
from tests.support.app import reply_address
from tests.support.pipeline import outbox, show, words_of
from tests.support.scheduling import (
    make_app,
    open_ticket,
    scheduled_settings,
    set_state,
    tick_and_send,
)

MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)


@pytest.fixture
def sched_settings(settings: Settings, tmp_path: Path) -> Settings:
    return scheduled_settings(settings, tmp_path, ScheduleSettings(digest="off"))


@pytest.fixture
def gw(sched_settings: Settings, clock: FakeClock) -> Iterator[App]:
    app = make_app(sched_settings, clock)
    yield app
    app.close()


def _sweep_often(app: App, clock: FakeClock, times: int = 6) -> None:
    for _ in range(times):
        tick_and_send(app)  # the close's grace counts from when the reminder was sent
        clock.advance(5 * MINUTE)


def test_one_stale_reminder_per_period_however_often_the_sweep_runs(
    gw: App, clock: FakeClock
) -> None:
    tid = open_ticket(gw, "Purchase: a new monitor", key="buy-1")
    _sweep_often(gw, clock)
    assert outbox(gw, "stale_reminder") == []
    clock.advance(3 * DAY - 30 * MINUTE)  # 3 days untouched
    _sweep_often(gw, clock, 12)
    [first] = outbox(gw, "stale_reminder")
    assert first.recipients == ["ops2@example.test"]
    text = words_of(first)
    assert f"[#{tid}]" in text and "3 日以上" in text  # ops2 reads Japanese
    # how to act on it by reply: ops2's own address for the ticket, as in the digest
    assert f"返信先: {reply_address(gw, tid, 'ops2@example.test')}" in text
    clock.advance(2 * DAY)
    _sweep_often(gw, clock)
    assert len(outbox(gw, "stale_reminder")) == 1  # still the first period
    clock.advance(DAY)  # 6 days: the second period
    _sweep_often(gw, clock)
    assert len(outbox(gw, "stale_reminder")) == 2


def test_a_touched_ticket_is_reminded_again_only_after_a_new_period(
    gw: App, clock: FakeClock
) -> None:
    tid = open_ticket(gw, "Purchase: a chair", key="buy-2")
    clock.advance(3 * DAY)
    scheduler.tick(gw)
    set_state(gw, tid, TicketState.OPEN)  # touched
    clock.advance(2 * DAY)
    scheduler.tick(gw)
    assert len(outbox(gw, "stale_reminder")) == 1
    clock.advance(DAY)
    scheduler.tick(gw)
    assert len(outbox(gw, "stale_reminder")) == 2


def test_pending_reminder_then_no_response_close_at_the_configured_times(
    gw: App, clock: FakeClock
) -> None:
    tid = open_ticket(gw, "Purchase: toner", key="buy-3", state=TicketState.PENDING)
    clock.advance(3 * DAY - MINUTE)
    scheduler.tick(gw)
    assert outbox(gw, "pending_reminder") == []
    clock.advance(MINUTE)
    _sweep_often(gw, clock)
    [reminder] = outbox(gw, "pending_reminder")
    assert reminder.recipients == ["alice@customer.test"]
    assert show(gw, tid)["state"] == "pending"
    clock.advance(4 * DAY - 31 * MINUTE)  # 7 days pending, minus a minute
    scheduler.tick(gw)
    [pending] = outbox(gw, "status_change")  # when ops set it pending (tickets set-state)
    assert show(gw, tid)["state"] == "pending" and "waiting for your reply" in words_of(pending)
    clock.advance(MINUTE)
    _sweep_often(gw, clock)
    t = show(gw, tid)
    assert (t["state"], t["close_reason"]) == ("closed", "no-response")
    [event] = [e for e in t["events"] if e["kind"] == "state" and e["new"] == "closed"]
    assert (event["actor"], event["channel"]) == ("schedule", "system")
    [_, notice] = outbox(gw, "status_change")  # one status mail for the close, no other
    assert notice.recipients == ["alice@customer.test"] and notice.ticket_id == tid
    text = words_of(notice)
    assert "We have not heard from you for 7 days." in text and "within 14 days" in text
    assert len(outbox(gw, "pending_reminder")) == 1


def test_a_sweep_back_after_the_whole_period_reminds_before_it_closes(
    gw: App, clock: FakeClock
) -> None:
    """Nothing swept for nine days (cron off, the daemon down): the requester is asked
    first, and closed four days (the reminder's grace) after the reminder went out."""
    tid = open_ticket(gw, "Purchase: paper", key="buy-late", state=TicketState.PENDING)
    clock.advance(9 * DAY)
    _sweep_often(gw, clock)
    [reminder] = outbox(gw, "pending_reminder")
    assert reminder.recipients == ["alice@customer.test"] and show(gw, tid)["state"] == "pending"
    assert "4 days" in words_of(reminder) or "4 日" in words_of(reminder)
    clock.advance(4 * DAY - 31 * MINUTE)  # four days after the reminder, minus a minute
    scheduler.tick(gw)
    assert show(gw, tid)["state"] == "pending"
    clock.advance(MINUTE)
    scheduler.tick(gw)
    t = show(gw, tid)
    assert (t["state"], t["close_reason"]) == ("closed", "no-response")
    assert len(outbox(gw, "pending_reminder")) == 1


def test_a_reminder_turned_off_leaves_the_close_on_time(
    sched_settings: Settings, clock: FakeClock
) -> None:
    off = replace(sched_settings, mail=replace(sched_settings.mail, off=("pending_reminder",)))
    app = make_app(off, clock)
    try:
        tid = open_ticket(app, "Purchase: pens", key="buy-off", state=TicketState.PENDING)
        clock.advance(9 * DAY)
        scheduler.tick(app)
        assert outbox(app, "pending_reminder") == []
        assert show(app, tid)["state"] == "closed"
    finally:
        app.close()


def test_sla_overdue_notifies_the_assignee_once_per_deadline(gw: App, clock: FakeClock) -> None:
    tid = open_ticket(gw, "VPN does not connect", key="vpn-1")
    clock.advance(3 * HOUR)
    scheduler.tick(gw)
    assert outbox(gw, "sla_overdue") == []
    clock.advance(HOUR)  # 4h: first response overdue
    _sweep_often(gw, clock)
    [first] = outbox(gw, "sla_overdue")
    assert first.recipients == ["ops@example.test"] and first.ticket_id == tid
    assert "first response" in words_of(first)
    set_state(gw, tid, TicketState.OPEN)
    clock.advance(2 * DAY)  # resolve deadline passed too
    _sweep_often(gw, clock)
    overdue = outbox(gw, "sla_overdue")
    assert len(overdue) == 2 and "resolution" in words_of(overdue[1])


def test_inventory_force_closes_and_counts_per_member(
    sched_settings: Settings, clock: FakeClock
) -> None:
    from dataclasses import replace

    settings = replace(
        sched_settings,
        schedule=replace(sched_settings.schedule, inventory=True, inventory_after=30 * DAY),
    )
    app = make_app(settings, clock)
    try:
        start = clock.now()
        a = open_ticket(app, "Purchase: laptop", key="inv-1", state=TicketState.OPEN)
        b = open_ticket(app, "Purchase: mouse", key="inv-2")
        c = open_ticket(app, "VPN token lost", key="inv-3")
        clock.advance(10 * DAY)
        set_state(app, c, TicketState.OPEN)  # touched later: not yet due
        clock.advance(20 * DAY)
        before = len(outbox(app))
        _sweep_often(app, clock)
        assert [show(app, t)["close_reason"] for t in (a, b, c)] == ["stale", "stale", None]
        swept = outbox(app)[before:]
        statuses = [(r.ticket_id, r.recipients) for r in swept if r.kind == "status_change"]
        assert sorted(statuses) == [(a, ["alice@customer.test"]), (b, ["alice@customer.test"])]
        notices = [(r.ticket_id, r.recipients) for r in swept if r.kind == "ticket_notice"]
        assert sorted(notices) == [(a, ["ops2@example.test"]), (b, ["ops2@example.test"])]
        with transaction(app.sessions) as s:
            assert reminders.force_closes(s, start, clock.now()) == {"ops2@example.test": 2}
            ctx = scheduler.context(app)
            mails = digest.build(s, ctx, clock.now(), digest.manual_run(clock.now(), ctx.tz))
        [summary] = [m.view for m in mails if isinstance(m.view, views.WeeklySummary)]
        assert summary.recipient.email == "boss@example.test"
        assert [(n.name, n.count) for n in summary.force_closed] == [("Ops Two", 2)]
        assert summary.closed == 2
    finally:
        app.close()


def test_a_restart_or_a_second_instance_sends_nothing_twice(
    settings: Settings, tmp_path: Path, clock: FakeClock
) -> None:
    cfg = scheduled_settings(settings, tmp_path)  # digest "mon 09:00" Asia/Tokyo
    first = make_app(cfg, clock)
    open_ticket(first, "Purchase: desk", key="rs-1")
    open_ticket(first, "VPN again", key="rs-2")  # its two deadlines passed: one mail
    clock.advance(3 * DAY)
    scheduler.tick(first)
    before = [(r.kind, r.idempotency_key) for r in outbox(first)]
    assert {"stale_reminder", "sla_overdue_list", "weekly_digest", "weekly_summary"} <= {
        k for k, _ in before
    }
    first.close()
    again, other = make_app(cfg, clock), make_app(cfg, clock)  # a restart, and a second one
    try:
        scheduler.tick(again)
        scheduler.tick(other)
        clock.advance(MINUTE)
        scheduler.tick(other)
        assert [(r.kind, r.idempotency_key) for r in outbox(again)] == before
    finally:
        again.close()
        other.close()


def test_digest_at_the_local_time_and_a_missed_one_sent_once(
    settings: Settings, tmp_path: Path, clock: FakeClock
) -> None:
    app = make_app(scheduled_settings(settings, tmp_path), clock)  # mon 09:00 Asia/Tokyo
    try:
        open_ticket(app, "Purchase: cables", key="dg-1")
        scheduler.tick(app)  # Monday 10:00 JST: this week's digest is due (missed by 1h)
        assert [r.recipients[0] for r in outbox(app, "weekly_digest")] == ["ops2@example.test"]
        assert [r.recipients[0] for r in outbox(app, "weekly_summary")] == ["boss@example.test"]
        clock.advance(7 * DAY - HOUR - MINUTE)  # next Monday 08:59 JST (23:59 UTC Sunday)
        _sweep_often(app, clock, 1)
        assert len(outbox(app, "weekly_digest")) == 1
        clock.advance(MINUTE - 5 * MINUTE)
        clock.advance(5 * MINUTE)  # 09:00 JST
        _sweep_often(app, clock, 3)
        assert len(outbox(app, "weekly_digest")) == 2
        # down for three weeks: one digest at start, for the latest week only
        clock.advance(21 * DAY + 2 * HOUR)
        scheduler.tick(app)
        scheduler.tick(app)
        assert len(outbox(app, "weekly_digest")) == 3
        with transaction(app.sessions) as s:
            assert [r.period for r in jobs.runs(s, Job.DIGEST)] == [
                "2026-W10",
                "2026-W11",
                "2026-W14",
            ]
    finally:
        app.close()


def test_a_summary_with_nothing_to_report_is_not_sent(
    settings: Settings, tmp_path: Path, clock: FakeClock
) -> None:
    """A fresh site's first start (no ticket ever) mails nobody a page of zeros, and
    neither does a later week in which nothing happened and nothing is open; the week
    is still claimed, so the summary does not come late when a ticket arrives."""
    app = make_app(scheduled_settings(settings, tmp_path), clock)  # mon 09:00 Asia/Tokyo
    try:
        scheduler.tick(app)  # Monday 10:00 JST, the first start
        assert outbox(app, "weekly_summary") == [] and outbox(app, "weekly_digest") == []
        with transaction(app.sessions) as s:
            assert len(jobs.runs(s, Job.DIGEST)) == 1
        clock.advance(HOUR)
        tid = open_ticket(app, "Purchase: a keyboard", key="empty-1")
        scheduler.tick(app)
        assert outbox(app, "weekly_summary") == []  # that week was done already
        clock.advance(7 * DAY)  # a week with a ticket opened: worth a summary
        scheduler.tick(app)
        assert [r.recipients[0] for r in outbox(app, "weekly_summary")] == ["boss@example.test"]
        set_state(app, tid, TicketState.CLOSED)
        clock.advance(7 * DAY)  # closed this week: still news
        scheduler.tick(app)
        assert len(outbox(app, "weekly_summary")) == 2
        clock.advance(7 * DAY)  # nothing opened, closed or open: nothing to say
        scheduler.tick(app)
        assert len(outbox(app, "weekly_summary")) == 2
        with transaction(app.sessions) as s:
            assert len(jobs.runs(s, Job.DIGEST)) == 4
    finally:
        app.close()


def test_a_stale_mail_lists_a_bounded_number_and_the_rest_come_next_pass(
    gw: App, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Thousands of tickets stale at once (an import, a member back from leave) make no
    mail of thousands of entries: each pass's mail lists at most ``STALE_LISTED``, the
    most urgent and oldest first, and the others stay due for the next pass, none lost
    and none twice."""
    from gateway.scheduling import told

    monkeypatch.setattr(told, "STALE_LISTED", 3)
    ids = [open_ticket(gw, f"Purchase: item {n}", key=f"many-{n}") for n in range(7)]
    clock.advance(3 * DAY)
    _sweep_often(gw, clock, 5)  # three passes are enough, more send nothing
    mails = outbox(gw, "stale_reminder")
    listed = [[t for t in ids if f"[#{t}]" in words_of(m)] for m in mails]
    assert [len(tickets) for tickets in listed] == [3, 3, 1]
    assert [t for tickets in listed for t in tickets] == ids  # oldest first, each once
    assert all(m.recipients == ["ops2@example.test"] for m in mails)


def _accepted(app: App, raw: bytes) -> int:
    """``raw`` accepted into the inbox and not processed yet (the runner is behind, or
    cron runs ``sweep`` before the rows are processed)."""
    from store import inbox

    with transaction(app.sessions) as s:
        return inbox.accept(s, raw, source="test", now=app.clock.now()).inbox_id


def _answer(app: App, tid: int) -> bytes:
    from tests.support.mails import mail

    return mail(
        subject=f"Re: [#{tid}] Purchase: toner",
        body="Cost centre 4711.\n",
        sender="Alice Example <alice@customer.test>",
        to=reply_address(app, tid, "alice@customer.test"),
    )


def test_an_answer_waiting_in_the_inbox_keeps_the_ticket_from_a_close_or_a_reminder(
    gw: App, clock: FakeClock
) -> None:
    """Long after the start (no grace of the daemon's left), the requester's answer is
    accepted and not processed when the pass comes: the pass neither asks them again
    nor closes the ticket as no-response; once the row is processed it is open."""
    asked = open_ticket(gw, "Purchase: toner", key="wait-1", state=TicketState.PENDING)
    clock.advance(3 * DAY)  # the pending reminder is due
    row = _accepted(gw, _answer(gw, asked))
    scheduler.tick(gw)
    assert outbox(gw, "pending_reminder") == []
    gw.runner.process_one(row)
    assert show(gw, asked)["state"] == "open"
    closed = open_ticket(gw, "Purchase: paper", key="wait-2", state=TicketState.PENDING)
    clock.advance(8 * DAY)  # the no-response close is due
    row = _accepted(gw, _answer(gw, closed))
    scheduler.tick(gw)
    assert show(gw, closed)["state"] == "pending"
    with transaction(gw.sessions) as s:
        assert jobs.runs(s, Job.PENDING_CLOSE) == []
    gw.runner.process_one(row)
    assert show(gw, closed)["state"] == "open"


def test_the_overdue_notice_reaches_a_new_assignee_once(gw: App, clock: FakeClock) -> None:
    """Told to ops, then the ticket goes to ops2: ops2 has not heard that its deadline
    passed, and is told once (ops is not told again, nor ops2 twice)."""
    from gateway.tickets import changes
    from store import tickets

    tid = open_ticket(gw, "VPN does not connect", key="vpn-re", state=TicketState.OPEN)
    clock.advance(2 * DAY)  # the resolve deadline passed
    _sweep_often(gw, clock)
    [first] = outbox(gw, "sla_overdue")
    assert first.recipients == ["ops@example.test"]
    with transaction(gw.sessions) as s:
        ticket = tickets.get(s, tid)
        assert ticket is not None
        changes.assign(s, ticket, "ops2@example.test", clock.now(), actor="boss", channel="cli")
    _sweep_often(gw, clock)
    told = [r.recipients for r in outbox(gw, "sla_overdue")]
    assert told == [["ops@example.test"], ["ops2@example.test"]]
    with transaction(gw.sessions) as s:
        ticket = tickets.get(s, tid)
        assert ticket is not None
        changes.assign(s, ticket, "ops@example.test", clock.now(), actor="boss", channel="cli")
    _sweep_often(gw, clock)
    assert len(outbox(gw, "sla_overdue")) == 2  # ops was told already
    with transaction(gw.sessions) as s:
        assert len(jobs.runs(s, Job.OVERDUE)) == 1  # the breach itself is recorded once
