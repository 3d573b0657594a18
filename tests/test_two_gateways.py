"""Two ticket-gateways that write to each other: a vendor's helpdesk answering a
customer's helpdesk address. The other gateway's mail carries ``X-Ticket-Gateway`` as
ours does; that header alone does not make it *our* mail coming back. A person's answer
relayed by the other gateway is filed (and, being a gateway's mail, never answered
automatically); its automatic mail is an auto-reply; no mail goes back and forth.
Our own mail stays ours, also when a list sends it back under the list's From."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from tests.support.app import MEMBERS, reply_address
from tests.support.mails import mail
from tests.support.pipeline import all_tickets, deliver, inbox_rows, outbox

HELP = "help@customer-gw.test"  # the customer's own ticket-gateway


@pytest.fixture
def vendor(settings: Settings, clock: FakeClock) -> Iterator[App]:
    app = build(replace(settings, members=MEMBERS), clock)
    yield app
    app.close()


@pytest.fixture
def customer(twin: Settings, clock: FakeClock) -> Iterator[App]:
    app = build(replace(twin, gateway=replace(twin.gateway, address=HELP)), clock)
    yield app
    app.close()


def _vendor_answer(vendor: App) -> tuple[bytes, bytes]:
    """The vendor's acknowledgement and its member's answer, as sent to HELP."""
    out = deliver(vendor, mail(subject="Licence key rejected", sender=f"Helpdesk <{HELP}>"))
    tid = out.ticket_id
    assert tid is not None
    who = "ops@example.test"
    deliver(
        vendor,
        mail(
            subject=f"Re: [#{tid}] Licence key rejected",
            body="Please use the new key ABCD-1234.\n",
            sender=who,
            to=reply_address(vendor, tid, who),
        ),
    )
    [ack] = outbox(vendor, "acknowledgement")
    [answer] = outbox(vendor, "ops_reply")
    assert ack.recipients == [HELP] and answer.recipients == [HELP]
    return ack.raw, answer.raw


def test_the_other_gateways_relayed_answer_is_filed_not_dropped(vendor: App, customer: App) -> None:
    ack, answer = _vendor_answer(vendor)
    deliver(customer, ack)
    deliver(customer, answer)
    [ticket] = all_tickets(customer)
    assert ticket["requester"] == "support@example.test"
    assert [r.state for r in inbox_rows(customer)] == ["ignored", "done"]  # the ack: an
    assert outbox(customer) == []  # auto-reply to no ticket; and nothing goes back


def test_our_own_mail_back_under_a_lists_from_is_still_ours(vendor: App) -> None:
    ack, _ = _vendor_answer(vendor)
    munged = ack.replace(f"To: {HELP}".encode(), b"To: all@lists.customer.test", 1)
    munged = munged.replace(b"From: ", b"X-Original-From: ", 1)
    munged = b"From: all@lists.customer.test\r\nList-Id: <all.lists.customer.test>\r\n" + munged
    before = len(all_tickets(vendor))
    deliver(vendor, munged)
    assert len(all_tickets(vendor)) == before
    assert inbox_rows(vendor)[-1].state == "ignored"


def test_a_gateway_of_the_same_domain_is_not_us(
    vendor: App, twin: Settings, clock: FakeClock
) -> None:
    """An HR helpdesk beside the IT one, both @example.test, each with its own database:
    the IT gateway's Message-IDs carry the HR gateway's domain too, and its member's
    answer is still not the HR gateway's own mail."""
    _, answer = _vendor_answer(vendor)
    assert b"@example.test>" in answer.split(b"Message-ID:", 1)[1][:80]
    hr = build(replace(twin, gateway=replace(twin.gateway, address="hr@example.test")), clock)
    try:
        assert deliver(hr, answer).state == "done"
    finally:
        hr.close()
