"""An auto-reply that says so only in its subject never changes its ticket's state
(found by the exploratory round over intake): Apple's "Auto reply:", Japanese
auto-responders' 【自動返信】 and 件名【不在通知】, a plain "Out of Office:" set no header,
so the requester's out-of-office on the reply-token address read as their answer and
turned a `pending` ticket back to `open`. On a ticket it is now what an auto-reply with
headers is (attached, the state kept, never answered); for no ticket it still opens one,
unanswered, since a person may write such words in a new request."""

from __future__ import annotations

import pytest

from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show

SUBJECTS = [
    "Auto reply: VPN does not connect",
    "Automatic reply: Re: [#1] VPN does not connect",
    "Out of Office: VPN does not connect",
    "自動応答: VPN に接続できません",
    "【自動返信】Re: VPN does not connect",
    "Re: [#1] VPN does not connect【不在通知】",
    "［自動送信］受付のお知らせ",
]


def _pending_ticket(app: App, n: int) -> int:
    first = deliver(app, mail(message_id=f"<r{n}@customer.test>"))
    assert first.ticket_id is not None
    ops = reply_address(app, first.ticket_id, "ops@example.test")
    asked = mail(
        subject=f"Re: [#{first.ticket_id}] VPN",
        body="/pending\n\nPlease send the log.\n",
        sender="ops@example.test",
        to=ops,
    )
    deliver(app, asked, envelope_to=(ops,))
    assert show(app, first.ticket_id)["state"] == "pending"
    return first.ticket_id


@pytest.mark.parametrize("subject", SUBJECTS)
def test_an_out_of_office_on_the_reply_address_keeps_the_ticket_pending(
    team: App, subject: str
) -> None:
    ticket_id = _pending_ticket(team, 1)
    address = reply_address(team, ticket_id, "alice@customer.test")
    before = len(outbox(team))
    away = mail(subject=subject, body="I am away until Monday.\n", to=address)
    outcome = deliver(team, away, envelope_to=(address,))
    assert outcome.ticket_id == ticket_id
    ticket = show(team, ticket_id)
    assert ticket["state"] == "pending"
    assert ticket["messages"][-1]["text"] == "I am away until Monday."
    assert [o.kind for o in outbox(team)[before:] if "alice@customer.test" in o.recipients] == []


def test_the_requesters_real_answer_still_reopens(team: App) -> None:
    ticket_id = _pending_ticket(team, 2)
    address = reply_address(team, ticket_id, "alice@customer.test")
    answer = mail(subject=f"Re: [#{ticket_id}] VPN", body="Here is the log.\n", to=address)
    deliver(team, answer, envelope_to=(address,))
    assert show(team, ticket_id)["state"] == "open"


@pytest.mark.parametrize("subject", SUBJECTS)
def test_for_no_ticket_it_still_opens_one_unanswered(team: App, subject: str) -> None:
    outcome = deliver(team, mail(subject=subject, sender="someone@customer.test"))
    assert outcome.ticket_id is not None
    assert outbox(team, "acknowledgement") == []
