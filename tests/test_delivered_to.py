"""A reply address the mail reached only as a Bcc, read from the delivery headers.

A member who answers a customer directly and puts their reply address in Bcc (or whose
mail reaches the support mailbox by an alias) leaves it out of To and Cc. Over SMTP or
LMTP the envelope names it; in a mailbox the poller reads, or a mail piped to
``ingest``, the envelope is gone and only the receiving mail system's note of it is
left: ``Delivered-To`` (Postfix, Dovecot, Exim, qmail, Gmail), ``X-Original-To``
(Postfix, before alias expansion), ``Envelope-To`` (Exim). Zammad reads the same three
as recipients. The token there is read as it is in To: it threads the mail and proves
its member. Where the envelope is known, it is what counts.
"""

from __future__ import annotations

from email.mime.text import MIMEText

import pytest

from gateway.pipeline.parse.message import parse_message
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, words_of

MEMBER = "ops@example.test"


@pytest.fixture
def asked(team: App) -> App:
    deliver(team, mail("VPN", message_id="<req@customer.test>"))
    return team


def _bcc_reply(app: App, header: str, *, source: str, envelope: bool = False) -> None:
    """The member's answer to the customer, their reply address in Bcc: the mailbox
    holds it with the delivery header the receiving server wrote."""
    token_address = reply_address(app, 1, MEMBER)
    msg = MIMEText("Hi Alice, the VPN gateway is fixed.\n", "plain", "utf-8")
    msg[header] = token_address
    msg["From"], msg["To"], msg["Subject"] = MEMBER, "alice@customer.test", "Re: VPN"
    to = (token_address,) if envelope else ()
    deliver(app, msg.as_bytes(), envelope_to=to, source=source)


@pytest.mark.parametrize("header", ["Delivered-To", "X-Original-To", "Envelope-To"])
@pytest.mark.parametrize("source", ["imap", "ingest"])
def test_a_reply_address_in_a_delivery_header_threads_and_proves_the_member(
    asked: App, header: str, source: str
) -> None:
    _bcc_reply(asked, header, source=source)
    [answer] = outbox(asked, "ops_reply")
    assert "the VPN gateway is fixed." in words_of(answer)
    kinds = [e["kind"] for e in show(asked, 1)["events"]]
    assert "command-unverified" not in kinds and "unverified" not in " ".join(kinds)


def test_the_envelope_counts_where_it_is_known(asked: App) -> None:
    """Over SMTP the envelope named the reply address: the header adds nothing."""
    _bcc_reply(asked, "Delivered-To", source="smtp", envelope=True)
    [answer] = outbox(asked, "ops_reply")
    assert "the VPN gateway is fixed." in words_of(answer)


def test_the_delivery_headers_are_read_leniently() -> None:
    raw = (
        b"Delivered-To: Support+1-ABC@Example.test\r\n"
        b"Delivered-To: mailing list dev@lists.customer.test\r\n"
        b"X-Original-To: <help@example.test>\r\n"
        b"Envelope-To: not an address\r\n"
        b"Delivered-To: support+1-abc@example.test\r\n"  # the same, once
        b"From: a@customer.test\r\nSubject: x\r\n\r\nbody\r\n"
    )
    msg = parse_message(raw)
    assert msg.delivered_to == (
        "support+1-abc@example.test",
        "dev@lists.customer.test",
        "help@example.test",
    )
