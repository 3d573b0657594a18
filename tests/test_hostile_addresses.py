"""Addresses we cannot write in a mail: an internationalised one (``田中@例え.jp``,
RFC 6531) needs SMTPUTF8 end to end, which we do not send. Such a sender still gets a
ticket, and anyone else on it still hears from us; they are simply not answered.

It once shunted the request (composing the acknowledgement raised
``UnicodeEncodeError``), and a member's answer on a ticket where such an address was
Cc'd was shunted too: anyone could stop a ticket being worked by one Cc line.
"""

from __future__ import annotations

from typing import Any

import pytest

from gateway.core.model import InboxState
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show

NON_ASCII = "田中@例え.jp"


def raw_request(sender: str, cc: str = "") -> bytes:
    head = f"From: {sender}\r\nTo: support@example.test\r\n"
    head += f"Cc: {cc}\r\n" if cc else ""
    head += "Subject: printer jam\r\nMessage-ID: <req-1@customer.test>\r\n"
    head += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
    return (head + "\r\n3階のプリンタが詰まりました。\r\n").encode()


def no_answer_reasons(app: App, ticket_id: int) -> list[Any]:
    return [e["detail"] for e in show(app, ticket_id)["events"] if e["kind"] == "no-auto-answer"]


# (``tanaka@例え.jp`` was here: its A-label form is answered, tests/test_address_forms.py)
@pytest.mark.parametrize("sender", [f"田中 <{NON_ASCII}>", NON_ASCII, "田中@example.jp"])
def test_a_sender_we_cannot_write_to_gets_a_ticket_and_no_answer(team: App, sender: str) -> None:
    out = deliver(team, raw_request(sender))
    assert out.state == InboxState.DONE, out.reason
    assert out.ticket_id is not None
    assert [m.recipients for m in outbox(team, "acknowledgement")] == []
    [why] = no_answer_reasons(team, out.ticket_id)
    assert why["mail"] == "acknowledgement"
    assert "ASCII" in why["reason"]
    assert outbox(team, "new_ticket")  # the team hears of it as of any request


def test_an_answer_still_reaches_the_requester_when_a_cc_cannot_be_written_to(team: App) -> None:
    out = deliver(team, raw_request("Alice <alice@customer.test>", cc=f"田中 <{NON_ASCII}>"))
    ticket_id = out.ticket_id
    assert ticket_id is not None
    to = reply_address(team, ticket_id, "ops@example.test")
    answer = mail(
        subject=f"Re: [#{ticket_id}] printer jam",
        body="We cleared the jam.\n",
        sender="Ops One <ops@example.test>",
        to=to,
    )
    relayed = deliver(team, answer)
    assert relayed.state == InboxState.DONE, relayed.reason
    assert [m.recipients for m in outbox(team, "ops_reply")] == [["alice@customer.test"]]


@pytest.mark.parametrize(
    "never",
    [
        "noreply@vendor.test",
        "no-reply@vendor.test",
        "DoNotReply@vendor.test",
        "notifications-noreply@vendor.test",
        "MAILER-DAEMON@mx.customer.test",
        "postmaster@customer.test",
    ],
)
def test_an_answer_skips_a_cc_that_never_reads_answers(team: App, never: str) -> None:
    """A Cc'd no-reply or mail-system address got each member's answer (and bounced it,
    or filed it where nobody reads); the acknowledgement already skipped such an address
    (gateway.pipeline.loops.never_answered). The answer now skips it too, and still
    reaches the requester and the other Cc."""
    cc = f"Vendor <{never}>, Bob <bob@customer.test>"
    out = deliver(team, raw_request("Alice <alice@customer.test>", cc=cc))
    ticket_id = out.ticket_id
    assert ticket_id is not None
    answer = mail(
        subject=f"Re: [#{ticket_id}] printer jam",
        body="We cleared the jam.\n",
        sender="Ops One <ops@example.test>",
        to=reply_address(team, ticket_id, "ops@example.test"),
    )
    relayed = deliver(team, answer)
    assert relayed.state == InboxState.DONE, relayed.reason
    sent = sorted(r for m in outbox(team, "ops_reply") for r in m.recipients)
    assert sent == ["alice@customer.test", "bob@customer.test"]


def test_an_answer_to_a_no_reply_requester_is_still_the_first_response(team: App) -> None:
    """A monitoring alert from noreply@: a member's answer reaches no one (nobody reads
    that address), but it is the team's response, so the first-response SLA stops and
    no overdue notice follows."""
    out = deliver(team, raw_request("Monitor <noreply@monitoring.test>"))
    ticket_id = out.ticket_id
    assert ticket_id is not None
    assert show(team, ticket_id)["first_response_at"] is None
    answer = mail(
        subject=f"Re: [#{ticket_id}] printer jam",
        body="Restarted the spooler.\n",
        sender="Ops One <ops@example.test>",
        to=reply_address(team, ticket_id, "ops@example.test"),
    )
    assert deliver(team, answer).state == InboxState.DONE
    assert outbox(team, "ops_reply") == []
    assert show(team, ticket_id)["first_response_at"] is not None


def test_their_own_reply_with_a_command_is_processed_without_mailing_them(team: App) -> None:
    out = deliver(team, raw_request(f"田中 <{NON_ASCII}>"))
    reply = (
        f"From: 田中 <{NON_ASCII}>\r\nTo: support@example.test\r\n"
        f"Subject: Re: [#{out.ticket_id}] printer jam\r\nMessage-ID: <re-1@customer.test>\r\n"
        "In-Reply-To: <req-1@customer.test>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "\r\n/close\r\n直りました。\r\n"
    ).encode()
    again = deliver(team, reply)
    assert again.state == InboxState.DONE, again.reason
    assert all(m.recipients != [NON_ASCII] for m in outbox(team))


LONG_NAME = "迷惑" * 300  # 600 characters: more than a name column holds


@pytest.mark.parametrize(
    ("sender", "cc"),
    [
        (f"{LONG_NAME} <long@customer.test>", ""),
        (f"X <{'a' * 400}@customer.test>", ""),
        (f"X <a@{'b' * 400}.test>", ""),
        ("A <a@customer.test>", f"C <{'c' * 400}@customer.test>"),
    ],
    ids=["long-name", "long-local-part", "long-domain", "long-cc"],
)
def test_names_and_addresses_of_any_length_still_open_a_ticket(
    team: App, sender: str, cc: str
) -> None:
    # PostgreSQL refuses a value longer than its column (SQLite keeps it): such a request
    # was shunted there, with no ticket and no answer
    out = deliver(team, raw_request(sender, cc))
    assert out.state == InboxState.DONE, out.reason
    assert out.ticket_id is not None
    ticket = show(team, out.ticket_id)
    assert len(ticket["requester_name"]) <= 250 and len(ticket["requester"]) <= 254
    assert all(len(p) <= 254 for p in ticket["participants"])
