"""A mail to the requester that came back does not count as seen by them: the clock of
a ticket waiting on its requester runs from what they last really could see, and its
member is told (the one undelivered notice, :mod:`gateway.tickets.undelivered`). A
pending reminder that came back never closes the ticket, and never leaves it pending in
silence either: its member is reminded of it as of a stale ticket, on the pending
reminder's wait when the entry has no ``stale_after`` (real SQLite and PostgreSQL,
a fake clock)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import event

from gateway.config.settings import ScheduleSettings, Settings
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.notify import views
from gateway.pipeline import bounced
from gateway.runtime.app import App
from gateway.scheduling import digest, scheduler, stale, workload
from gateway.tickets import relay
from gateway.web import board_view
from store import stats, ticket_query, tickets
from store.db import transaction
from tests.support.pipeline import bounce_of, deliver, outbox, show
from tests.support.scheduling import make_app, open_ticket, scheduled_settings, tick_and_send

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
OPS = "ops@example.test"


@pytest.fixture
def gw(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    app = make_app(scheduled_settings(settings, tmp_path, ScheduleSettings(digest="off")), clock)
    yield app
    app.close()


def _answer(app: App, tid: int) -> str:
    """A member's answer relayed to the requester, sent; its Message-ID."""
    with transaction(app.sessions) as s:
        ticket = tickets.get(s, tid)
        member = app.settings.member(OPS)
        assert ticket is not None and member is not None
        now = app.clock.now()
        sent = relay.relay_answer(
            s, app.settings, ticket, member, "Which model is it?", key="k-1", now=now, channel="cli"
        )
        assert sent == 1
    tick_and_send(app)
    [answer] = outbox(app, "ops_reply")
    return answer.message_id


def _failed(app: App, tid: int) -> list[dict[str, object]]:
    return [e for e in show(app, tid)["events"] if e["kind"] == "delivery-failed"]


def test_an_answer_that_came_back_does_not_restart_the_requesters_clock(
    gw: App, clock: FakeClock
) -> None:
    tid = open_ticket(gw, "Purchase: toner", key="ret-1", state=TicketState.PENDING)
    clock.advance(DAY)
    answered = _answer(gw, tid)
    clock.advance(HOUR)
    assert deliver(gw, bounce_of(answered)).ticket_id == tid
    clock.advance(2 * DAY)  # 3 days and an hour since it was set pending
    tick_and_send(gw)
    assert len(outbox(gw, "pending_reminder")) == 1  # counted from what reached them
    # its member hears it once, as of any mail of the ticket that was not delivered
    clock.advance(HOUR)
    tick_and_send(gw)
    [failed] = _failed(gw, tid)
    assert failed["new"] == "ops_reply"
    detail = failed["detail"]
    assert isinstance(detail, dict) and "came back" in detail["error"]
    assert detail["author"] == OPS


def test_an_answer_delivered_still_restarts_the_clock(gw: App, clock: FakeClock) -> None:
    tid = open_ticket(gw, "Purchase: paper", key="ret-2", state=TicketState.PENDING)
    clock.advance(DAY)
    _answer(gw, tid)
    [status] = outbox(gw, "status_change")  # another mail of the ticket came back
    assert deliver(gw, bounce_of(status.message_id)).ticket_id == tid
    clock.advance(2 * DAY + HOUR)
    tick_and_send(gw)
    assert outbox(gw, "pending_reminder") == []
    # the status mail that came back is told (as any mail to the requester), the answer not
    [failed] = _failed(gw, tid)
    assert failed["new"] == "status_change"


def test_a_bounce_for_another_recipient_leaves_the_answer_counted() -> None:
    """A DSN names who did not get the mail: a Cc's bounce says nothing of the requester;
    one naming nobody, or an address the mail was not sent to (where the requester's
    mail was forwarded), returns theirs."""
    alice, carol = "alice@customer.test", "carol@customer.test"
    for_carol = bounce_of("a@x").replace(alice.encode(), carol.encode())
    assert bounced.returned_to(for_carol, alice, (alice, carol)) is False
    assert bounced.returned_to(for_carol, alice, (alice,)) is True  # forwarded
    assert bounced.returned_to(bounce_of("a@x"), "Alice@Customer.test", (alice, carol)) is True
    nameless = bounce_of("a@x").replace(b"Final-Recipient: rfc822; alice@customer.test\n", b"")
    assert bounced.returned_to(nameless, alice, (alice, carol)) is True  # the whole mail
    exim = nameless.replace(b"Reporting-MTA", b"X-Failed-Recipients: " + carol.encode() + b"\n")
    assert bounced.returned_to(exim, alice, (alice, carol)) is False


def test_a_reminder_that_came_back_reminds_its_member_and_never_closes(
    gw: App, clock: FakeClock
) -> None:
    """Under an entry without ``stale_after`` (the fallback "other": its manager)."""
    tid = open_ticket(gw, "A question", key="ret-3", state=TicketState.PENDING)
    assert show(gw, tid)["catalog"] == "other"
    clock.advance(3 * DAY + HOUR)
    tick_and_send(gw)
    [reminder] = outbox(gw, "pending_reminder")
    clock.advance(HOUR)
    assert deliver(gw, bounce_of(reminder.message_id)).ticket_id == tid
    tick_and_send(gw)  # told once
    told_at = clock.now()
    assert len(_failed(gw, tid)) == 1
    seen: list[datetime] = []
    for _ in range(20):
        clock.advance(DAY)
        tick_and_send(gw)
        for row in outbox(gw, "stale_reminder"):
            if row.created_at not in seen:
                seen.append(row.created_at)
    assert show(gw, tid)["state"] == "pending"  # never closed on a reminder never seen
    assert len(_failed(gw, tid)) == 1
    stale = outbox(gw, "stale_reminder")
    assert stale and all(r.recipients == ["boss@example.test"] for r in stale)
    # untouched that long already: the next pass lists it (the runner told the bounce
    # as it arrived, before this pass), then each further wait from its last touch (set
    # pending), as any stale ticket's periods
    assert seen[0] == told_at
    assert {b - a for a, b in pairwise(seen[1:])} == {3 * DAY}
    assert len(seen) == 7  # until someone acts


def test_a_reminder_that_came_back_is_stale_in_the_digest_and_on_the_board(
    gw: App, clock: FakeClock
) -> None:
    """One rule (:func:`gateway.scheduling.stale.stale_times`): the ticket the stale
    reminder lists is marked stale in the digest, counted stale on the board and in its
    ``mark=stale`` list, and shows the badge on its card."""
    tid = open_ticket(gw, "A question", key="ret-4", state=TicketState.PENDING)
    clock.advance(3 * DAY + HOUR)
    tick_and_send(gw)
    [reminder] = outbox(gw, "pending_reminder")
    clock.advance(HOUR)
    assert deliver(gw, bounce_of(reminder.message_id)).ticket_id == tid
    tick_and_send(gw)
    assert outbox(gw, "stale_reminder")  # the reminder lists it: so does everything else
    now = board_view.minute(clock.now())
    with transaction(gw.sessions) as s:
        ctx = scheduler.context(gw)
        mails = digest.build(s, ctx, clock.now(), digest.manual_run(clock.now(), ctx.tz))
        figures = workload.board_figures(s, ctx.catalog, gw.settings, now)
        open_ = stats.open_times(s)
        gone = stale.unreached(s, open_)
        listed = workload.marked(open_, ctx.catalog, gw.settings, now, "stale", gone)
        cells = ticket_query.board_cells(s, now - timedelta(days=7), 12)
        gone = stale.unreached(s, cells.cards)
        lanes = board_view.build_lanes(cells, ctx.catalog, {}, gw.settings, now, "en", gone)
    [boss] = [m.view for m in mails if isinstance(m.view, views.WeeklyDigest)]
    assert [(r.id, r.stale) for r in boss.assigned] == [(tid, True)]  # the fallback's
    [theirs] = [a for a in figures["assignees"] if a["assignee"] == "boss@example.test"]
    assert theirs["stale"] == 1
    assert listed == (tid,)
    cards = [c for lane in lanes for cell in lane.cells.values() for c in cell.cards]
    assert [(c.id, c.stale) for c in cards] == [(tid, True)]


def test_the_stale_rule_reads_any_number_of_tickets_in_three_queries(
    gw: App, clock: FakeClock
) -> None:
    """The board and the digest read every open ticket: the reminders that never
    reached their requesters are found for all of them at once, not a query each."""
    for n in range(5):
        open_ticket(gw, f"A question {n}", key=f"ret-q{n}", state=TicketState.PENDING)
    clock.advance(3 * DAY + HOUR)
    tick_and_send(gw)
    assert len(outbox(gw, "pending_reminder")) == 5
    said: list[str] = []

    def count(*args: object) -> None:
        said.append(str(args[2]))

    with transaction(gw.sessions) as s:
        open_ = stats.open_times(s)
        engine = s.get_bind()
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert stale.unreached(s, open_) == frozenset()
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert len(said) == 3, said


def test_an_answer_that_reaches_them_after_a_reminder_came_back_ends_the_stale_wait(
    gw: App, clock: FakeClock
) -> None:
    """A member's answer that reached the requester began a new wait: the reminder that
    came back in the old one makes it stale nowhere any more, and the new wait's own
    reminder is sent without a stale reminder beside it."""
    tid = open_ticket(gw, "A question", key="ret-5", state=TicketState.PENDING)
    clock.advance(3 * DAY + HOUR)
    tick_and_send(gw)
    [reminder] = outbox(gw, "pending_reminder")
    clock.advance(HOUR)
    assert deliver(gw, bounce_of(reminder.message_id)).ticket_id == tid
    tick_and_send(gw)
    before = len(outbox(gw, "stale_reminder"))
    assert before == 1
    with transaction(gw.sessions) as s:
        assert stale.unreached(s, stats.open_times(s)) == {tid}
    clock.advance(HOUR)
    _answer(gw, tid)  # delivered: nothing came back
    with transaction(gw.sessions) as s:
        assert stale.unreached(s, stats.open_times(s)) == frozenset()
    clock.advance(3 * DAY + HOUR)
    tick_and_send(gw)
    assert len(outbox(gw, "pending_reminder")) == 2  # the new wait's
    assert len(outbox(gw, "stale_reminder")) == before
