"""A member's answer to someone we cannot write to (``田中@例え.jp``: its part before
``@`` needs SMTPUTF8, which we never send) is not sent, and the member is told.

It was skipped in silence: the reply was "appended", no mail went, nothing in the
ticket's history said so, and the member who wrote it believed the customer had their
answer, exactly as with a mail the relay refused, which is told. Now it is a
``delivery-failed`` event (the answer, to whom, why), and the member who has the
ticket and the one who wrote the answer are told in their next notice, each in their
language. A no-reply or mail-system address (a monitoring alert's) is no person
waiting for an answer: nothing is told of it, as before (real SQLite and PostgreSQL,
the real runner)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from gateway.tickets import relay
from store import tickets
from store.db import transaction
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of
from tests.support.scheduling import send, tick_and_send
from tests.support.unwrap import unwrapped
from tests.test_hostile_addresses import NON_ASCII, raw_request

STORED = "田中@xn--r8jz45g.jp"  # the domain as its A-label, as addresses are kept


def _answer(app: App, ticket_id: int) -> None:
    answer = mail(
        subject=f"Re: [#{ticket_id}] printer jam",
        body="We cleared the jam.\n",
        sender="Ops One <ops@example.test>",
        to=reply_address(app, ticket_id, "ops@example.test"),
    )
    assert deliver(app, answer).state == "done"


def _failed(app: App, ticket_id: int) -> list[dict[str, Any]]:
    return [e for e in show(app, ticket_id)["events"] if e["kind"] == "delivery-failed"]


def test_an_answer_to_a_requester_we_cannot_write_to_is_told(team: App, clock: FakeClock) -> None:
    tid = deliver(team, raw_request(f"田中 <{NON_ASCII}>")).ticket_id
    assert tid is not None
    send(team)
    _answer(team, tid)
    assert outbox(team, "ops_reply") == []
    [failed] = _failed(team, tid)
    assert failed["new"] == "ops_reply"
    detail = failed["detail"]
    assert (detail["recipients"], detail["author"]) == ([STORED], "ops@example.test")
    assert "ASCII" in detail["error"]
    clock.advance(timedelta(hours=1))
    tick_and_send(team)
    notices = {n.recipients[0]: unwrapped(text_of(n)) for n in outbox(team, "ticket_notice")}
    # the author, in English, as their own answer; the fallback's manager, in Japanese
    assert "your answer to 田中@例え.jp could not be delivered" in notices["ops@example.test"]
    assert "ASCII" in notices["ops@example.test"]
    assert "田中@例え.jp 宛てのメールが届きませんでした" in notices["boss@example.test"]


def test_an_answer_leaving_out_a_cc_we_cannot_write_to_says_so(team: App) -> None:
    out = deliver(team, raw_request("Alice <alice@customer.test>", cc=f"田中 <{NON_ASCII}>"))
    assert out.ticket_id is not None
    _answer(team, out.ticket_id)
    assert [m.recipients for m in outbox(team, "ops_reply")] == [["alice@customer.test"]]
    [failed] = _failed(team, out.ticket_id)
    assert failed["detail"]["recipients"] == [STORED]


def test_the_same_answer_given_twice_is_told_once(team: App) -> None:
    """A button pressed twice, a door that gives the same answer again under its key:
    the mail is queued once, and so is what could not be sent."""
    tid = deliver(team, raw_request(f"田中 <{NON_ASCII}>")).ticket_id
    assert tid is not None
    for _ in range(2):
        with transaction(team.sessions) as s:
            ticket, member = tickets.get(s, tid), team.settings.member("ops@example.test")
            assert ticket is not None and member is not None
            relay.relay_answer(
                s, team.settings, ticket, member, "Done.", key="slack:1", now=team.clock.now(),
                channel="slack",
            )  # fmt: skip
    assert len(_failed(team, tid)) == 1


def test_an_answer_to_a_no_reply_requester_tells_nothing(team: App) -> None:
    """A monitoring alert from noreply@: nobody reads that address, nobody waits."""
    tid = deliver(team, raw_request("Monitor <noreply@monitoring.test>")).ticket_id
    assert tid is not None
    _answer(team, tid)
    assert _failed(team, tid) == []
