"""The null envelope sender (``MAIL FROM:<>``) marks machine mail at every door.

A server that delivers into a mailbox writes ``Return-Path: <>`` on a bounce or an
auto-reply sent with the null sender, and the poller reads it there; a server that hands
the mail on to our listener over SMTP or LMTP writes nothing, and the envelope is all
that says so. The loop rules read only the header, so the same mail was machine mail by
IMAP and a person's by SMTP: another helpdesk's acknowledgement of our status mail took
a waiting ticket out of ``pending`` (and told the member the requester had answered), and
a provider's bounce from an address that is no mailer-daemon opened a ticket of its own
instead of being told on the ticket whose mail came back (real SMTP listener and
smtplib, real SQLite and PostgreSQL, the real runner)."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.config.settings import ScheduleSettings, Settings
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.runtime.app import App
from tests.support.pipeline import all_tickets, deliver, outbox, show
from tests.support.scheduling import make_app, open_ticket, scheduled_settings, send, set_state
from tests.support.smtp import listening, smtp_settings

HOUR = timedelta(hours=1)
HELPDESK = "helpdesk@customer.test"


@pytest.fixture
def gw(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    app = make_app(scheduled_settings(settings, tmp_path, ScheduleSettings(digest="off")), clock)
    yield app
    app.close()


def _by_smtp(app: App, raw: bytes) -> None:
    """``raw`` sent to the support address with ``MAIL FROM:<>``, then processed."""
    with (
        listening(smtp_settings(app.settings), app.sessions, app.clock) as srv,
        smtplib.SMTP("127.0.0.1", srv.port) as client,
    ):
        client.sendmail("<>", ["support@example.test"], raw)
    for outcome in app.runner.process_pending():
        assert outcome.state is not None and outcome.state.value == "done", outcome


def _their_acknowledgement(our_mail: str) -> bytes:
    """Another ticket system's first answer to our mail: sent with the null sender as
    RFC 3834 asks of automatic answers, but with no Auto-Submitted header."""
    return (
        f"From: Customer Helpdesk <{HELPDESK}>\nTo: support@example.test\n"
        f"Subject: [CUST#77] Re: [#1] VPN down\nMessage-ID: <cust77@customer.test>\n"
        f"In-Reply-To: <{our_mail}>\nReferences: <{our_mail}>\n"
        "Content-Type: text/plain; charset=utf-8\n\n"
        "Your request has been received and given the number CUST#77.\n"
        "A member of our staff will contact you shortly.\n"
    ).encode()


def _waiting_ticket(app: App) -> tuple[int, str]:
    """A ticket of the customer's helpdesk address, set pending; our status mail's id."""
    tid = open_ticket(app, "VPN down", key="ping-1", sender=f"Helpdesk <{HELPDESK}>")
    set_state(app, tid, TicketState.PENDING)
    send(app)
    [status] = outbox(app, "status_change")
    return tid, status.message_id


@pytest.mark.parametrize("door", ["smtp", "mailbox"])
def test_another_helpdesks_acknowledgement_leaves_a_waiting_ticket_waiting(
    gw: App, clock: FakeClock, door: str
) -> None:
    tid, status = _waiting_ticket(gw)
    clock.advance(HOUR)
    raw = _their_acknowledgement(status)
    if door == "smtp":
        _by_smtp(gw, raw)
    else:  # what the mailbox's delivery wrote, read by the poller
        assert deliver(gw, b"Return-Path: <>\n" + raw, source="imap").ticket_id == tid
    ticket = show(gw, tid)
    assert ticket["state"] == "pending"
    assert ticket["message_count"] == 2  # attached all the same
    send(gw)
    assert [r.recipients for r in outbox(gw, "ticket_notice")] == []  # nobody "answered"


def test_a_bounce_from_no_mailer_daemon_is_told_on_the_ticket_whose_mail_came_back(
    gw: App, clock: FakeClock
) -> None:
    """A Japanese provider's notice from its mail system's own address (no
    MAILER-DAEMON, no report, no Auto-Submitted), the returned headers inline."""
    tid, status = _waiting_ticket(gw)
    clock.advance(HOUR)
    notice = (
        "From: =?UTF-8?B?44Oh44O844Or566h55CG44K344K544OG44Og?= <mail-admin@provider.test>\n"
        "To: support@example.test\n"
        "Subject: =?UTF-8?B?44Oh44O844Or6YWN5L+h44Ko44Op44O844Gu44GK55+l44KJ44Gb?=\n"
        "Message-ID: <err-7@provider.test>\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
        f"以下のあて先へのメールは配信できませんでした。\n  {HELPDESK}\n\n"
        "----- 送信されたメールのヘッダー -----\n"
        f"From: support@example.test\nTo: {HELPDESK}\nMessage-ID: <{status}>\n"
    ).encode()
    _by_smtp(gw, notice)
    assert [t["id"] for t in all_tickets(gw)] == [tid]  # no ticket of its own
    [failed] = [e for e in show(gw, tid)["events"] if e["kind"] == "delivery-failed"]
    assert failed["new"] == "status_change"
