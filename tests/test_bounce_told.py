"""A bounce of a mail of ours to the requester is told to the member, whatever the mail
and whatever the ticket's state: an answer on an open ticket, the acknowledgement, a
status mail. The runner tells it as the bounce arrives (through the one undelivered
notice, :mod:`gateway.tickets.undelivered`), once per returned mail whoever notices
first: a second bounce of it, the same bounce again, the sweeps' next pass, all tell
nothing more. A bounce only for a Cc tells nothing (real SQLite and PostgreSQL, the
real runner, bounces as Postfix, Exim, Gmail and Microsoft 365 write them)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.config.settings import ScheduleSettings, Settings
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.pipeline import bounced
from gateway.runtime.app import App
from gateway.tickets import changes, merge, relay
from store import jobs, tickets
from store.db import transaction
from tests.support import dsn
from tests.support.pipeline import deliver, outbox, show
from tests.support.scheduling import (
    make_app,
    open_ticket,
    scheduled_settings,
    send,
    set_state,
    tick_and_send,
)

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
OPS = "ops@example.test"
ALICE, CAROL = "alice@customer.test", "carol@customer.test"
Form = Callable[[str, str], bytes]


@pytest.fixture
def gw(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    app = make_app(scheduled_settings(settings, tmp_path, ScheduleSettings(digest="off")), clock)
    yield app
    app.close()


def _answer(app: App, tid: int, key: str = "k-1") -> str:
    """A member's answer relayed from the CLI, sent; its Message-ID."""
    with transaction(app.sessions) as s:
        ticket = tickets.get(s, tid)
        member = app.settings.member(OPS)
        assert ticket is not None and member is not None
        sent = relay.relay_answer(
            s, app.settings, ticket, member, "Restart it, please.", key=key,
            now=app.clock.now(), channel="cli",
        )  # fmt: skip
        assert sent >= 1
    send(app)
    [answer] = [r for r in outbox(app, "ops_reply") if r.ticket_id == tid and ALICE in r.recipients]
    return answer.message_id


def _failed(app: App, tid: int) -> list[dict[str, object]]:
    return [e for e in show(app, tid)["events"] if e["kind"] == "delivery-failed"]


@pytest.mark.parametrize("form", dsn.FORMS.values(), ids=dsn.FORMS.keys())
def test_an_answer_that_bounces_on_an_open_ticket_is_told_as_it_arrives(
    gw: App, clock: FakeClock, form: Form
) -> None:
    tid = open_ticket(gw, "VPN down", key="open-1", state=TicketState.OPEN)
    answered = _answer(gw, tid)
    clock.advance(HOUR)
    assert deliver(gw, form(answered, ALICE)).ticket_id == tid
    [failed] = _failed(gw, tid)  # at once, by the runner: no pass ran
    assert failed["new"] == "ops_reply"
    detail = failed["detail"]
    assert isinstance(detail, dict) and "came back" in detail["error"]
    assert detail["author"] == OPS and detail["message_id"] == answered
    assert show(gw, tid)["state"] == "open"  # a bounce still changes no state


def test_an_acknowledgement_that_bounces_is_told(gw: App, clock: FakeClock) -> None:
    """Under the fallback entry: the ticket is its manager's, who hears of it."""
    tid = open_ticket(gw, "A question", key="ack-1")
    send(gw)
    [ack] = outbox(gw, "acknowledgement")
    assert outbox(gw, "ticket_notice") == []
    clock.advance(HOUR)
    assert deliver(gw, dsn.gmail(ack.message_id, ALICE)).ticket_id == tid
    [failed] = _failed(gw, tid)
    assert failed["new"] == "acknowledgement"
    assert "author" not in failed["detail"]  # type: ignore[operator]
    clock.advance(HOUR)
    tick_and_send(gw)
    [notice] = outbox(gw, "ticket_notice")
    assert notice.recipients == ["boss@example.test"]


def test_a_status_mail_that_bounces_is_told(gw: App, clock: FakeClock) -> None:
    tid = open_ticket(gw, "VPN down", key="st-1", state=TicketState.CLOSED)
    send(gw)
    [status] = outbox(gw, "status_change")
    clock.advance(HOUR)
    assert deliver(gw, dsn.microsoft365(status.message_id, ALICE)).ticket_id == tid
    [failed] = _failed(gw, tid)
    assert failed["new"] == "status_change"
    assert show(gw, tid)["state"] == "closed"


def test_a_returned_mail_is_told_once_whoever_notices(gw: App, clock: FakeClock) -> None:
    """Two bounces of one answer (Exim's, then Postfix's further along), the same one
    twice, and the sweeps' passes on the waiting ticket: one notice."""
    tid = open_ticket(gw, "Purchase: toner", key="once-1", state=TicketState.PENDING)
    clock.advance(DAY)
    answered = _answer(gw, tid)
    clock.advance(HOUR)
    deliver(gw, dsn.exim(answered, ALICE))
    assert len(_failed(gw, tid)) == 1
    deliver(gw, dsn.postfix(answered, ALICE))
    deliver(gw, dsn.postfix(answered, ALICE).replace(b"4F1C21A2B3@", b"4F1C21A2B4@"))
    for _ in range(4):
        clock.advance(DAY)
        tick_and_send(gw)
    assert len(_failed(gw, tid)) == 1
    assert len(outbox(gw, "pending_reminder")) == 1  # its clock ran from being set pending


def test_a_mail_the_sweeps_told_under_an_older_key_is_not_told_again(
    gw: App, clock: FakeClock
) -> None:
    """An older release told a bounced answer of a waiting ticket from its sweep, under
    its own claim; the bounce processed again (``inbox retry``) tells nothing more."""
    tid = open_ticket(gw, "Purchase: ink", key="old-1", state=TicketState.PENDING)
    answered = _answer(gw, tid)
    [row] = outbox(gw, "ops_reply")
    with transaction(gw.sessions) as s:
        assert jobs.claim(s, "answer-returned", f"{tid}:{row.id}", clock.now(), ticket_id=tid)
    deliver(gw, dsn.postfix(answered, ALICE))
    clock.advance(DAY)
    tick_and_send(gw)
    assert _failed(gw, tid) == []


def test_a_bounce_only_for_a_cc_tells_nothing(gw: App, clock: FakeClock) -> None:
    """The answer goes to the requester and, in a mail of its own, to a Cc: the Cc's
    bounce says nothing of what reached the requester (as the sweeps read it)."""
    tid = open_ticket(gw, "VPN down", key="cc-1", state=TicketState.OPEN)
    with transaction(gw.sessions) as s:
        ticket = tickets.get(s, tid)
        assert ticket is not None
        changes.add_participant(s, ticket, CAROL, "cc", clock.now(), actor=OPS, channel="cli")
    answered = _answer(gw, tid)
    [to_carol] = [r for r in outbox(gw, "ops_reply") if r.recipients == [CAROL]]
    clock.advance(HOUR)
    assert deliver(gw, dsn.exim(to_carol.message_id, CAROL)).ticket_id == tid
    # one naming nobody (the whole mail came back) of her copy: still hers only
    nameless = dsn.postfix(to_carol.message_id, CAROL).replace(b"Final-Recipient", b"X-Final")
    assert deliver(gw, nameless.replace(b"Original-Recipient", b"X-Orig")).ticket_id == tid
    assert _failed(gw, tid) == []
    assert deliver(gw, dsn.gmail(answered, ALICE)).ticket_id == tid
    assert len(_failed(gw, tid)) == 1


def test_a_bounce_of_a_mail_of_another_ticket_tells_nothing_here(gw: App, clock: FakeClock) -> None:
    """Its subject tag names one ticket, its returned Message-ID another's mail: it
    goes to the mail's ticket, and is told there only."""
    one = open_ticket(gw, "VPN down", key="two-1", state=TicketState.OPEN)
    two = open_ticket(gw, "VPN still down", key="two-2", state=TicketState.OPEN)
    answered = _answer(gw, two, key="k-2")
    bounce = dsn.postfix(answered, ALICE).replace(
        b"Subject: Undelivered", f"Subject: [#{one}] Undelivered".encode()
    )
    assert deliver(gw, bounce).ticket_id == two  # the returned Message-ID wins
    assert _failed(gw, one) == [] and len(_failed(gw, two)) == 1


def test_states_left_alone(gw: App) -> None:
    """Set pending by a member, the ticket's status mail bounces: told, still pending."""
    tid = open_ticket(gw, "VPN down", key="pend-9")
    set_state(gw, tid, TicketState.PENDING)
    send(gw)
    [status] = outbox(gw, "status_change")
    deliver(gw, dsn.postfix(status.message_id, ALICE))
    assert show(gw, tid)["state"] == "pending"
    assert len(_failed(gw, tid)) == 1


def test_a_bounce_of_a_merged_tickets_mail_is_told_on_the_ticket_it_joined(
    gw: App, clock: FakeClock
) -> None:
    """The answer was sent on a ticket merged since: its bounce threads to the target,
    and is told there, once."""
    target = open_ticket(gw, "VPN down", key="mg-1", state=TicketState.OPEN)
    source = open_ticket(gw, "VPN down again", key="mg-2", state=TicketState.OPEN)
    answered = _answer(gw, source, key="k-3")
    with transaction(gw.sessions) as s:
        merged = tickets.get(s, source)
        assert merged is not None
        merge.merge(
            s, merged, target, clock.now(), actor=OPS, channel="cli", tag=f"[#{target}]",
            max_watchers=5,
        )  # fmt: skip
    clock.advance(HOUR)
    assert deliver(gw, dsn.postfix(answered, ALICE)).ticket_id == target
    [failed] = _failed(gw, target)
    assert failed["new"] == "ops_reply" and failed["detail"]["author"] == OPS  # type: ignore[index]


def test_a_reminder_told_under_an_older_key_holds_the_close_and_is_not_told_again(
    gw: App, clock: FakeClock
) -> None:
    """An older release's sweep told the bounced pending reminder under its period; after
    the upgrade the bounce processed again tells nothing, and the ticket is never closed
    on a reminder never seen."""
    tid = open_ticket(gw, "A question", key="old-2", state=TicketState.PENDING)
    clock.advance(3 * DAY + HOUR)
    tick_and_send(gw)
    [reminder] = outbox(gw, "pending_reminder")
    with transaction(gw.sessions) as s:
        period = reminder.idempotency_key.removeprefix("pending-reminder:")
        assert jobs.claim(s, "pending-returned", period, clock.now(), ticket_id=tid)
    deliver(gw, dsn.exim(reminder.message_id, ALICE))
    for _ in range(10):
        clock.advance(DAY)
        tick_and_send(gw)
    assert _failed(gw, tid) == []
    assert show(gw, tid)["state"] == "pending"
    assert outbox(gw, "stale_reminder")  # in front of its member, as a told bounce is


def test_a_delay_warning_tells_nothing_the_failure_after_it_does(gw: App, clock: FakeClock) -> None:
    """Postfix's "Delayed Mail (still being retried)" names the answer and Alice, but
    the mail is still on its way (``Action: delayed``): nothing came back. The bounce
    that ends the tries is told."""
    tid = open_ticket(gw, "VPN down", key="delay-1", state=TicketState.OPEN)
    answered = _answer(gw, tid)
    clock.advance(4 * HOUR)
    assert deliver(gw, dsn.postfix_delayed(answered, ALICE)).ticket_id == tid
    assert _failed(gw, tid) == []
    clock.advance(5 * DAY)
    assert deliver(gw, dsn.postfix(answered, ALICE)).ticket_id == tid
    assert len(_failed(gw, tid)) == 1


def test_one_report_for_two_recipients_reads_each_ones_action() -> None:
    """One DSN for a mail to Alice and Carol: Carol's address failed, Alice's is still
    tried. Nothing came back from Alice; the report with both failed returns hers."""
    both = dsn.postfix("a@x", CAROL).replace(
        b"Diagnostic-Code: smtp; 550 5.1.1 User unknown\n\n",
        b"Diagnostic-Code: smtp; 550 5.1.1 User unknown\n\n"
        b"Final-Recipient: rfc822; alice@customer.test\nAction: delayed\nStatus: 4.4.1\n\n",
    )
    assert bounced.failed_for(both) == {CAROL}
    assert not bounced.came_back_from_requester(both, ALICE, (ALICE, CAROL))
    failed = both.replace(b"Action: delayed\nStatus: 4.4.1", b"Action: failed\nStatus: 5.2.2")
    assert bounced.came_back_from_requester(failed, ALICE, (ALICE, CAROL))
    delayed = dsn.postfix_delayed("a@x", ALICE)
    assert not bounced.gave_up(delayed) and bounced.gave_up(dsn.exim("a@x", ALICE))
