"""Two instances on one PostgreSQL database, their schedulers and senders side by side:
whatever one of them does for a ticket or a week is done once, not once per instance
(a reminder, a "no response" close, a digest, a mail handed to the relay)."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from gateway.config.settings import ChatSettings, ScheduleSettings, Settings, WebhookSettings
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.outbound.sender import Sender
from gateway.outbound.transport import DueMail
from gateway.runtime.app import App, build
from gateway.scheduling import scheduler
from gateway.tickets import relay
from store import inbox, tickets
from store import outbox as outbox_rows
from store.db import transaction
from store.leases import Lease
from store.models import OutboxRow
from tests.support import dsn
from tests.support.chat import poster
from tests.support.databases import postgres_only
from tests.support.mails import mail
from tests.support.pipeline import all_tickets, bounce_of, deliver, inbox_rows, outbox, show
from tests.support.scheduling import make_app, open_ticket, scheduled_settings, send

DAY = timedelta(days=1)
TICKETS = 6


@pytest.fixture
def pair(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[tuple[App, App]]:
    schedule = ScheduleSettings(digest="mon 08:00")
    both = scheduled_settings(settings, tmp_path, schedule)
    first, second = make_app(both, clock), make_app(both, clock)
    yield first, second
    first.close()
    second.close()


def _together(*work: Callable[[], object]) -> None:
    """Each callable in a thread of its own, started at the same moment."""
    start = threading.Barrier(len(work))
    errors: list[BaseException] = []

    def run(job: Callable[[], object]) -> None:
        start.wait()
        try:
            job()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors


@postgres_only
def test_two_schedulers_remind_close_and_digest_once(
    pair: tuple[App, App], clock: FakeClock
) -> None:
    first, second = pair
    ids = [
        open_ticket(first, f"Toner {i}", key=f"twice-{i}", state=TicketState.PENDING)
        for i in range(TICKETS)
    ]
    for _ in range(3):  # the reminder, then the close, then the week's digest
        clock.advance(3 * DAY + timedelta(hours=2))
        _together(lambda: scheduler.tick(first), lambda: scheduler.tick(second))
        send(first)  # the reminders leave: their grace starts
    reminders = Counter(r.ticket_id for r in outbox(first, "pending_reminder"))
    assert reminders == Counter(dict.fromkeys(ids, 1))
    for tid in ids:
        t = show(first, tid)
        closes = [e for e in t["events"] if e["kind"] == "state" and e["new"] == "closed"]
        assert len(closes) == 1, t["events"]
    weekly = Counter(
        (r.kind, tuple(r.recipients)) for r in outbox(first) if r.kind.startswith("weekly_")
    )
    # as one instance queues them: the summaries of the two weeks the passes crossed, and
    # the one digest of the week in which the manager had tickets of their own
    boss = ("boss@example.test",)
    assert weekly == Counter({("weekly_summary", boss): 2, ("weekly_digest", boss): 1})


class SlowRelay:
    """A relay that takes a minute of the (fake) clock per mail, and counts what it got;
    ``meanwhile`` runs once, before the mail numbered ``at`` is taken in."""

    def __init__(self, clock: FakeClock, got: Counter[str]) -> None:
        self.clock, self.got = clock, got
        self.meanwhile: Callable[[], object] = lambda: None
        self.at = -1

    def send(self, mail: DueMail) -> None:
        if sum(self.got.values()) == self.at:
            self.at = -1
            self.meanwhile()
        self.got[mail.message_id] += 1
        self.clock.advance(timedelta(minutes=1))

    def close(self) -> None:
        pass


def test_a_batch_slower_than_its_lease_is_not_sent_again_by_the_other_sender(
    pair: tuple[App, App], clock: FakeClock
) -> None:
    """A slow relay (a content scanner, a big file on a thin line) takes longer over a
    batch than the lease the claim took: the other instance's sender must not take the
    batch's rows, sent or still to send, and send them a second time."""
    first, second = pair
    for i in range(TICKETS):
        open_ticket(first, f"Toner {i}", key=f"slow-{i}")
    queued = len(outbox(first))
    assert queued > 7
    got: Counter[str] = Counter()
    slow, other = SlowRelay(clock, got), SlowRelay(clock, got)
    senders = [
        Sender(a.settings.outbound, clock, a.sessions, lambda r=r: r)
        for a, r in ((first, slow), (second, other))
    ]
    slow.at = 7  # seven minutes into the batch, longer than the lease's five
    slow.meanwhile = senders[1].drain
    senders[0].drain()
    senders[1].drain()
    assert {n for n in got.values()} == {1}, got
    assert len(got) == queued
    assert {r.state for r in outbox(first)} == {outbox_rows.SENT}


class SlowHook:
    """A Teams webhook that takes a minute of the (fake) clock per post, counting them;
    ``meanwhile`` runs once, before the post numbered ``at``."""

    def __init__(self, clock: FakeClock, got: Counter[str]) -> None:
        self.clock, self.got = clock, got
        self.meanwhile: Callable[[], object] = lambda: None
        self.at = -1

    def post(self, body: dict[str, Any]) -> None:
        if sum(self.got.values()) == self.at:
            self.at = -1
            self.meanwhile()
        self.got[json.dumps(body, sort_keys=True)] += 1
        self.clock.advance(timedelta(minutes=1))


def test_a_chat_batch_slower_than_its_lease_is_not_posted_again_by_the_other_poster(
    settings: Settings, clock: FakeClock
) -> None:
    """The chat poster's twin of the sender's case: a webhook slow enough that the batch
    outlasts its lease must not see the other instance's poster post the rest again."""
    hooks = ChatSettings(teams=WebhookSettings(url="http://127.0.0.1:9/hooks/teams"))
    both = replace(settings, chat=hooks)
    first, second = build(both, clock), build(both, clock)
    try:
        for i in range(TICKETS):
            open_ticket(first, f"Toner {i}", key=f"chat-{i}")
        got: Counter[str] = Counter()
        slow, other = SlowHook(clock, got), SlowHook(clock, got)
        posters = [poster(first), poster(second)]
        posters[0].hooks, posters[1].hooks = {"teams": slow}, {"teams": other}
        slow.at = TICKETS - 1  # longer than the lease's five minutes into the batch
        slow.meanwhile = posters[1].drain
        posters[0].drain()
        posters[1].drain()
        assert set(got.values()) == {1}, got
        assert len(got) == TICKETS
    finally:
        first.close()
        second.close()


def test_a_lease_that_ran_out_and_was_taken_is_not_renewed(
    pair: tuple[App, App], clock: FakeClock
) -> None:
    """A single mail slower than half the lease: the other sender has taken the rest by
    the time this one renews, and this one leaves them to it."""
    first, _ = pair
    open_ticket(first, "Toner", key="lease-lost")
    with transaction(first.sessions) as s:
        mine = outbox_rows.claim_due(s, now := clock.now())
    lease = Lease.claimed(now, outbox_rows.LEASE, (m.id for m in mine))
    clock.advance(outbox_rows.LEASE + timedelta(seconds=1))
    with transaction(first.sessions) as s:
        theirs = outbox_rows.claim_due(s, clock.now())
    assert [m.id for m in theirs] == [m.id for m in mine]
    with transaction(first.sessions) as s:
        lost = lease.renew(s, OutboxRow, [m.id for m in mine], clock.now())
    assert lost == {m.id for m in mine} and lease.held == set()


def test_two_sweeps_back_after_a_week_down_remind_once_then_close_once(
    pair: tuple[App, App], clock: FakeClock
) -> None:
    """Two passes at once (two cron runs overlapping, cron beside the daemon) after
    nothing ran for longer than the reminder and the close together: each requester is
    asked once, nobody is closed then, and each ticket is closed once, the reminder's
    grace later. SQLite and PostgreSQL alike."""
    first, second = pair
    ids = [
        open_ticket(first, f"Toner {i}", key=f"late-{i}", state=TicketState.PENDING)
        for i in range(3)
    ]
    clock.advance(9 * DAY)
    _together(lambda: scheduler.tick(first), lambda: scheduler.tick(second))
    _together(lambda: scheduler.tick(first), lambda: scheduler.tick(second))
    send(first)  # the reminders leave: their grace starts
    assert Counter(r.ticket_id for r in outbox(first, "pending_reminder")) == Counter(
        dict.fromkeys(ids, 1)
    )
    assert all(show(first, tid)["state"] == "pending" for tid in ids)
    clock.advance(4 * DAY)
    _together(lambda: scheduler.tick(first), lambda: scheduler.tick(second))
    _together(lambda: scheduler.tick(first), lambda: scheduler.tick(second))
    for tid in ids:
        t = show(first, tid)
        closes = [e for e in t["events"] if e["kind"] == "state" and e["new"] == "closed"]
        assert len(closes) == 1 and t["close_reason"] == "no-response", t["events"]
    assert len(outbox(first, "pending_reminder")) == len(ids)


def test_two_sweeps_that_find_a_bounced_reminder_tell_it_once(
    pair: tuple[App, App], clock: FakeClock
) -> None:
    """The reminder went out and came back: both instances' passes find the bounce at
    the same moment; its member hears of it once, and nobody is closed on."""
    first, second = pair
    tid = open_ticket(first, "Toner", key="back-1", state=TicketState.PENDING)
    clock.advance(3 * DAY)
    scheduler.tick(first)
    send(first)
    [reminder] = outbox(first, "pending_reminder")
    clock.advance(DAY)
    assert deliver(first, bounce_of(reminder.message_id)).ticket_id == tid
    clock.advance(5 * DAY)
    _together(lambda: scheduler.tick(first), lambda: scheduler.tick(second))
    _together(lambda: scheduler.tick(first), lambda: scheduler.tick(second))
    t = show(first, tid)
    assert t["state"] == "pending"
    assert len([e for e in t["events"] if e["kind"] == "delivery-failed"]) == 1


@postgres_only
def test_two_runners_with_two_bounces_of_one_answer_tell_it_once(
    pair: tuple[App, App], clock: FakeClock
) -> None:
    """An answer on an open ticket came back twice (Exim's bounce and Postfix's), each
    taken by another instance's runner at the same moment: its member hears of it once,
    and the passes after tell nothing more."""
    first, second = pair
    tid = open_ticket(first, "VPN down", key="back-2", state=TicketState.OPEN)
    with transaction(first.sessions) as s:
        ticket, member = tickets.get(s, tid), first.settings.member("ops@example.test")
        assert ticket is not None and member is not None
        relay.relay_answer(
            s, first.settings, ticket, member, "Restart it.", key="k-2", now=clock.now(),
            channel="cli",
        )  # fmt: skip
    send(first)
    [answer] = outbox(first, "ops_reply")
    clock.advance(DAY)
    bounces = [form(answer.message_id, "alice@customer.test") for form in (dsn.exim, dsn.postfix)]
    with transaction(first.sessions) as s:
        ids = [inbox.accept(s, raw, source="smtp", now=clock.now()).inbox_id for raw in bounces]
    _together(lambda: first.runner.process_one(ids[0]), lambda: second.runner.process_one(ids[1]))
    assert {row.state for row in inbox_rows(first)} == {"done"}  # no shunt, nothing lost
    _together(lambda: scheduler.tick(first), lambda: scheduler.tick(second))
    failed = [e for e in show(first, tid)["events"] if e["kind"] == "delivery-failed"]
    assert len(failed) == 1 and failed[0]["new"] == "ops_reply"


@postgres_only
def test_one_mail_through_two_mx_processed_at_once_is_one_ticket_and_no_shunt(
    pair: tuple[App, App], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same mail reached both instances (two MX, or SMTP and IMAP): other bytes, one
    Message-ID. Their runners looked for the Message-ID at the same moment, neither
    found it, and the second's insert broke the messages' unique Message-ID: its row
    was shunted (a traceback, the managers alerted) for a plain duplicate. It is now
    tried again, and found the duplicate it is."""
    first, second = pair
    copies = [
        mail(message_id="<vpn@customer.test>", headers={"Received": f"from mx{n}.example.test"})
        for n in (1, 2)
    ]
    with transaction(first.sessions) as s:
        ids = [
            inbox.accept(s, raw, source="smtp", now=first.clock.now()).inbox_id for raw in copies
        ]
    meet = threading.Barrier(2)
    facts = tickets.message_facts
    looked: list[int] = []

    def look(*args: Any) -> Any:
        found = facts(*args)
        looked.append(1)
        if len(looked) <= 2:  # both look before either writes
            meet.wait(10)
        return found

    monkeypatch.setattr(tickets, "message_facts", look)
    _together(lambda: first.runner.process_one(ids[0]), lambda: second.runner.process_one(ids[1]))
    states = sorted(row.state for row in inbox_rows(first))
    assert states == ["done", "ignored"], [(r.state, r.reason) for r in inbox_rows(first)]
    assert len(all_tickets(first)) == 1
