"""A member who writes on a ticket they asked for, given to someone else: a customer
who joined the team since (their old tickets' reply addresses were issued to them as
the requester), or a member whose own request went to a colleague. Their mail there
was a member's: their "any news?" reached nobody (a member's words are not news to the
assignee), a pending ticket stayed pending (the no-response close went on counting),
and a `/assign` or `/priority urgent` in it acted with a member's rights on their own
request. On such a ticket they are its customer, as in Zammad: the assignee hears of
it, the state machine reads it, and only a requester's commands apply. Where they hold
the ticket themselves (a member's own request given to them) nothing changes."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from gateway.config.settings import Member, ScheduleSettings, Settings
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of
from tests.support.scheduling import make_app, open_ticket, scheduled_settings, set_state

ALICE = "alice@customer.test"
JOINED = Member(email=ALICE, name="Alice Example", role="ops", locale="en")


def test_a_customer_who_joined_writes_on_their_old_ticket_as_its_requester(
    settings: Settings, tmp_path: Path, clock: FakeClock
) -> None:
    base = scheduled_settings(settings, tmp_path, ScheduleSettings(digest="off"))
    first = make_app(base, clock)
    try:
        tid = open_ticket(first, "VPN drops every hour", key="joined-1")
        set_state(first, tid, TicketState.PENDING)  # ops asked her something
        address = reply_address(first, tid, ALICE)
    finally:
        first.close()
    app = make_app(replace(base, members=(*base.members, JOINED)), clock)
    try:
        clock.advance(timedelta(hours=2))
        before = len(outbox(app))
        body = "/assign alice@customer.test\n/priority urgent\nStill broken, any news?\n"
        out = deliver(
            app,
            mail(subject=f"Re: [#{tid}] VPN drops every hour", body=body, to=address),
            envelope_to=(address,),
        )
        assert out.ticket_id == tid and "from ops" not in out.reason, out.reason
        ticket = show(app, tid)
        assert ticket["state"] == "open"  # her answer reopens it, as a requester's does
        assert ticket["assignee"] == "ops@example.test"  # no member's /assign
        assert ticket["priority"] == "normal"  # a requester may not raise it
        clock.advance(timedelta(minutes=30))  # past the notices' coalescing window
        told = [r.recipients for r in outbox(app)[before:] if r.kind == "ticket_notice"]
        assert told == [["ops@example.test"]]
        # on the open ticket, words alone: news to its assignee all the same
        more = "It drops at 10:00 and 11:00, after the backup starts.\n"
        again = mail(subject=f"Re: [#{tid}] VPN drops every hour", body=more, to=address)
        deliver(app, again, envelope_to=(address,))
        clock.advance(timedelta(minutes=30))
        told = [r for r in outbox(app)[before:] if r.kind == "ticket_notice"]
        assert [r.recipients for r in told] == [["ops@example.test"]] * 2
        assert "after the backup starts" in text_of(told[-1])
    finally:
        app.close()


def test_a_member_on_their_own_request_they_hold_still_acts_as_a_member(
    settings: Settings, tmp_path: Path, clock: FakeClock
) -> None:
    app = make_app(scheduled_settings(settings, tmp_path, ScheduleSettings(digest="off")), clock)
    try:
        tid = open_ticket(
            app, "purchase a monitor", key="own-1", sender="Ops Two <ops2@example.test>"
        )
        assert show(app, tid)["assignee"] == "ops2@example.test"
        address = reply_address(app, tid, "ops2@example.test")
        body = "/priority urgent\n"
        deliver(
            app,
            mail(
                subject=f"Re: [#{tid}] purchase a monitor",
                body=body,
                sender="Ops Two <ops2@example.test>",
                to=address,
            ),
            envelope_to=(address,),
        )
        assert show(app, tid)["priority"] == "urgent"
    finally:
        app.close()
