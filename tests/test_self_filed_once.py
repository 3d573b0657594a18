"""A member who files their own request is its requester and its assignee at once: each
event that tells both (a state change, a member's answer relayed to the requester, the
scheduler's no-response close, the pending reminder beside the stale one) reaches them
in one mail, not one as requester and one as member."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.config.settings import ScheduleSettings, Settings
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.runtime.app import App
from gateway.scheduling import scheduler
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, parsed, show
from tests.support.scheduling import (
    make_app,
    open_ticket,
    scheduled_settings,
    set_state,
    tick_and_send,
)

DAY, MINUTE = timedelta(days=1), timedelta(minutes=1)
OPS, OPS2 = "ops@example.test", "ops2@example.test"  # ops2 has the purchase entry


@pytest.fixture
def gw(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    app = make_app(scheduled_settings(settings, tmp_path, ScheduleSettings(digest="off")), clock)
    yield app
    app.close()


def _own_request(app: App) -> int:
    """ops2 asks for a purchase of their own: the entry gives the ticket to ops2."""
    tid = open_ticket(app, "Purchase: a headset", key="own-1", sender=f"Ops Two <{OPS2}>")
    t = show(app, tid)
    assert (t["requester"], t["assignee"]) == (OPS2, OPS2)
    return tid


def _mails_to(app: App, after: int) -> Counter[str]:
    """How many mails each address got since the first ``after`` rows (held ones too)."""
    return Counter(r for row in outbox(app)[after:] for r in row.recipients)


def test_a_state_change_reaches_a_self_filed_requester_once(gw: App) -> None:
    tid = _own_request(gw)
    before = len(outbox(gw))
    set_state(gw, tid, TicketState.PENDING)  # ops (not ops2) sets it pending
    assert _mails_to(gw, before)[OPS2] == 1


def test_the_no_response_close_reaches_a_self_filed_requester_once(
    gw: App, clock: FakeClock
) -> None:
    tid = _own_request(gw)
    set_state(gw, tid, TicketState.PENDING)
    clock.advance(3 * DAY)
    tick_and_send(gw)  # the reminder leaves: its grace starts
    clock.advance(4 * DAY)
    before = len(outbox(gw))
    scheduler.tick(gw)
    assert show(gw, tid)["close_reason"] == "no-response"
    assert _mails_to(gw, before)[OPS2] == 1


def test_an_answer_relayed_to_a_self_filed_requester_reaches_them_once(gw: App) -> None:
    tid = _own_request(gw)
    before = len(outbox(gw))
    deliver(
        gw,
        mail(
            subject=f"Re: [#{tid}] Purchase: a headset",
            body="Ordered, it comes on Friday.\n",
            sender=f"Ops One <{OPS}>",
            to=reply_address(gw, tid, OPS),
        ),
    )
    assert _mails_to(gw, before)[OPS2] == 1, [(r.kind, r.recipients) for r in outbox(gw)]
    [answer] = outbox(gw, "ops_reply")
    assert answer.recipients == [OPS2]  # as the requester: the answer itself
    assert show(gw, tid)["first_response_at"] is not None  # it went out: answered
    before = len(outbox(gw))
    deliver(  # ops2's own words on their own request go to nobody
        gw,
        mail(
            subject=f"Re: [#{tid}] Purchase: a headset",
            body="Thanks, Friday is fine.\n",
            sender=f"Ops Two <{OPS2}>",
            to=reply_address(gw, tid, OPS2),
            message_id="<own-2@example.test>",
        ),
    )
    assert _mails_to(gw, before)[OPS2] == 0


def test_the_pending_reminder_and_the_stale_one_reach_a_self_filed_requester_once(
    gw: App, clock: FakeClock
) -> None:
    tid = _own_request(gw)
    set_state(gw, tid, TicketState.PENDING)
    clock.advance(3 * DAY)  # pending_reminder_after and the entry's stale_after at once
    before = len(outbox(gw))
    scheduler.tick(gw)
    assert _mails_to(gw, before)[OPS2] == 1


def test_a_self_filed_request_is_acknowledged_once(gw: App) -> None:
    """The acknowledgement, not a new-ticket notice beside it: the reply address in it is
    the one the member's commands are taken from (a token is the ticket's and the
    recipient's, whichever mail carried it)."""
    tid = _own_request(gw)
    [ack] = outbox(gw)
    assert (ack.kind, ack.recipients) == ("acknowledgement", [OPS2])
    assert parsed(ack)["Reply-To"].addresses[0].addr_spec == reply_address(gw, tid, OPS2)
    # a request filed for someone else still brings its assignee the notice
    other = open_ticket(gw, "Purchase: a desk", key="own-3", sender=f"Ops One <{OPS}>")
    assert [r.recipients for r in outbox(gw, "new_ticket") if r.ticket_id == other] == [[OPS2]]
    assert tid != other


def test_the_notice_stays_when_the_requester_mail_is_withheld(
    settings: Settings, tmp_path: Path, clock: FakeClock
) -> None:
    """Status mails turned off: the member notice is then the one mail of the change."""
    base = scheduled_settings(settings, tmp_path, ScheduleSettings(digest="off"))
    app = make_app(replace(base, mail=replace(base.mail, off=("status_change",))), clock)
    try:
        tid = _own_request(app)
        before = len(outbox(app))
        set_state(app, tid, TicketState.PENDING)
        assert [(r.kind, r.recipients) for r in outbox(app)[before:]] == [("ticket_notice", [OPS2])]
    finally:
        app.close()


def test_the_inventory_close_reaches_a_self_filed_requester_once(
    settings: Settings, tmp_path: Path, clock: FakeClock
) -> None:
    schedule = ScheduleSettings(digest="off", inventory=True, inventory_after=30 * DAY)
    app = make_app(scheduled_settings(settings, tmp_path, schedule), clock)
    try:
        tid = _own_request(app)
        clock.advance(30 * DAY)
        before = len(outbox(app))
        scheduler.tick(app)
        assert show(app, tid)["close_reason"] == "stale"
        assert _mails_to(app, before)[OPS2] == 1
    finally:
        app.close()
