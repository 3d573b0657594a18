"""Mail to ``postmaster`` (RFC 5321 4.5.1): accepted at RCPT, kept, never a ticket.

Every SMTP server must take mail for ``postmaster`` at the domains it serves, and
the bare ``<postmaster>`` without a domain. What comes there is bounces, complaints
and notes from other sites' administrators: it is no customer's request (Zammad and
RT do not open one from it), it must not be lost, and answering it could start a
loop with another site's mail system. So it is stored, kept in the inbox for the
administrator (``inbox list``), and nothing is sent about it.
"""

from __future__ import annotations

import smtplib

import pytest

from gateway.config.settings import Settings
from gateway.core.postmaster import is_postmaster
from gateway.runtime.app import App
from tests.support.databases import sqlite_only
from tests.support.mails import mail
from tests.support.pipeline import all_tickets, deliver, inbox_rows, outbox
from tests.support.smtp import listening, smtp_settings

OWN = frozenset({"support@example.test", "help@example.com"})


@sqlite_only  # the listener's answer, not the database
def test_postmaster_at_our_domains_and_bare_is_accepted_at_rcpt(
    app: App, settings: Settings
) -> None:
    cfg = smtp_settings(settings, aliases=("help@example.com",))
    ours = ["postmaster@example.test", "PostMaster@EXAMPLE.com", "postmaster"]
    with (
        listening(cfg, app.sessions, app.clock) as srv,
        smtplib.SMTP("127.0.0.1", srv.port) as client,
    ):
        client.ehlo("mx.other.test")
        assert client.mail("<>")[0] == 250
        for rcpt in ours:
            assert client.rcpt(rcpt)[0] == 250, rcpt
        assert client.rcpt("postmaster@elsewhere.test")[0] == 550
        assert client.data(mail(sender="MAILER-DAEMON@other.test", to="postmaster"))[0] == 250
    [row] = inbox_rows(app)
    assert row.envelope_to == ours


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("postmaster", True),
        ("Postmaster", True),
        ("postmaster@example.test", True),
        ("POSTMASTER@example.com", True),
        ("postmaster@example.test.", False),  # not how an envelope names it
        ("postmaster@elsewhere.test", False),
        ("postmaster+x@example.test", False),
        ("postmasterx@example.test", False),
        ("support@example.test", False),
        ("", False),
    ],
)
def test_which_addresses_are_our_postmaster(address: str, expected: bool) -> None:
    assert is_postmaster(address, OWN) is expected


def test_mail_to_postmaster_is_kept_for_the_administrator_never_a_ticket_nor_answered(
    app: App,
) -> None:
    sent = [
        # a customer who writes to postmaster with a ticket's tag
        mail(subject="[#1] my VPN", sender="alice@customer.test", to="postmaster@example.test"),
        # a bounce from another site's MAILER-DAEMON, null sender
        mail(
            subject="Undelivered Mail Returned to Sender",
            sender="MAILER-DAEMON@other.test",
            to="postmaster",
        ),
        # an auto-reply to postmaster
        mail(
            subject="Out of office",
            sender="bob@other.test",
            to="postmaster@example.test",
            headers={"Auto-Submitted": "auto-replied"},
        ),
    ]
    tos = ("postmaster@example.test", "postmaster", "POSTMASTER@example.test")
    for raw, to in zip(sent, tos, strict=True):
        outcome = deliver(app, raw, envelope_to=(to,), source="smtp")
        assert outcome.ticket_id is None and outcome.state is not None
        assert outcome.state.value == "ignored" and "postmaster" in outcome.reason
    assert all_tickets(app) == []
    assert outbox(app) == []
    assert [r.state for r in inbox_rows(app)] == ["ignored"] * 3


def test_mail_to_postmaster_and_to_support_is_a_request_as_ever(app: App) -> None:
    outcome = deliver(
        app,
        mail(to="support@example.test, postmaster@example.test"),
        envelope_to=("postmaster@example.test", "support@example.test"),
        source="smtp",
    )
    assert outcome.ticket_id is not None
    assert [t["id"] for t in all_tickets(app)] == [outcome.ticket_id]


@sqlite_only
def test_mail_with_the_null_sender_over_smtp_is_never_answered(
    app: App, settings: Settings
) -> None:
    """MAIL FROM:<> says "do not answer" (RFC 5321 4.5.5), whatever the From says: a
    ticket may open, but no acknowledgement goes out (it would be a loop's first turn)."""
    with (
        listening(smtp_settings(settings), app.sessions, app.clock) as srv,
        smtplib.SMTP("127.0.0.1", srv.port) as client,
    ):
        client.sendmail("<>", ["support@example.test"], mail(subject="Hello there"))
        client.sendmail(
            "", ["support@example.test"], mail(subject="Hi", sender="MAILER-DAEMON@other.test")
        )
    for outcome in app.runner.process_pending():
        assert outcome.state is not None and outcome.state.value in ("done", "ignored")
    assert outbox(app, "acknowledgement") == []
