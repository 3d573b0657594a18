"""A bounce with no Message-ID of its own is still found on its ticket: qmail's "failure
notice" and many Japanese providers' plain notices carry none, so the first Message-ID
in them is the mail of ours that came back. Read as the bounce's own, it was skipped:
the bounce was ignored as one "that belongs to no ticket" and nobody heard that the
customer never got the acknowledgement or the answer (real SQLite and PostgreSQL, the
real runner)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.config.settings import ScheduleSettings, Settings
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.pipeline import loops
from gateway.runtime.app import App
from tests.support import dsn
from tests.support.pipeline import deliver, outbox, show
from tests.support.scheduling import (
    make_app,
    open_ticket,
    scheduled_settings,
    send,
    set_state,
    tick_and_send,
)

HOUR = timedelta(hours=1)
ALICE = "alice@customer.test"
Form = Callable[[str, str], bytes]


@pytest.fixture
def gw(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    app = make_app(scheduled_settings(settings, tmp_path, ScheduleSettings(digest="off")), clock)
    yield app
    app.close()


@pytest.mark.parametrize("form", dsn.NAMELESS_FORMS.values(), ids=dsn.NAMELESS_FORMS.keys())
def test_the_first_message_id_of_a_notice_without_its_own_is_the_returned_one(form: Form) -> None:
    assert loops.returned_message_ids(form("ack.1@example.test", ALICE)) == ["ack.1@example.test"]


@pytest.mark.parametrize("form", dsn.FORMS.values(), ids=dsn.FORMS.keys())
def test_a_notice_s_own_message_id_is_never_among_the_returned(form: Form) -> None:
    assert loops.returned_message_ids(form("ack.1@example.test", ALICE)) == ["ack.1@example.test"]


@pytest.mark.parametrize("form", dsn.NAMELESS_FORMS.values(), ids=dsn.NAMELESS_FORMS.keys())
def test_an_acknowledgement_that_bounces_without_a_message_id_is_told(
    gw: App, clock: FakeClock, form: Form
) -> None:
    tid = open_ticket(gw, "A question", key="ack-1")
    send(gw)
    [ack] = outbox(gw, "acknowledgement")
    clock.advance(HOUR)
    arrived = deliver(gw, form(ack.message_id, ALICE))
    assert (arrived.state, arrived.ticket_id) == ("done", tid)
    [failed] = [e for e in show(gw, tid)["events"] if e["kind"] == "delivery-failed"]
    assert failed["new"] == "acknowledgement"
    assert show(gw, tid)["state"] == "new"  # a bounce changes no state
    clock.advance(HOUR)
    tick_and_send(gw)
    [notice] = outbox(gw, "ticket_notice")
    assert notice.recipients == ["boss@example.test"]


def test_a_global_delivery_status_report_is_a_bounce_and_told(gw: App, clock: FakeClock) -> None:
    """RFC 6533's report of a mail that came back (report-type global-delivery-status):
    it was taken for an auto-reply on the ticket (its Auto-Submitted), attached, and
    nobody heard that the acknowledgement never reached the requester."""
    tid = open_ticket(gw, "A question", key="ack-g")
    send(gw)
    [ack] = outbox(gw, "acknowledgement")
    clock.advance(HOUR)
    arrived = deliver(gw, dsn.microsoft365_global(ack.message_id, ALICE))
    assert arrived.ticket_id == tid and "bounce" in arrived.reason
    [failed] = [e for e in show(gw, tid)["events"] if e["kind"] == "delivery-failed"]
    assert failed["new"] == "acknowledgement"


def test_a_global_read_receipt_is_a_report_that_leaves_a_waiting_ticket_alone(
    gw: App, clock: FakeClock
) -> None:
    """RFC 6533's read receipt (global-disposition-notification) from the requester's
    mail client, no Auto-Submitted: it was a person's reply, and took the ticket out of
    waiting on them as if they had answered."""
    tid = open_ticket(gw, "A question", key="mdn-g")
    set_state(gw, tid, TicketState.PENDING)
    send(gw)
    [status] = outbox(gw, "status_change")
    clock.advance(HOUR)
    receipt = (
        f"From: Alice Example <{ALICE}>\nTo: support@example.test\n"
        "Subject: =?utf-8?b?6ZaL5bCB5riI44G/OiBbIzFd?=\nMessage-ID: <mdn-g1@customer.test>\n"
        "MIME-Version: 1.0\nContent-Type: multipart/report; "
        'report-type=global-disposition-notification; boundary="R"\n\n'
        "--R\nContent-Type: text/plain; charset=utf-8\n\nメールは表示されました。\n"
        "--R\nContent-Type: message/global-disposition-notification\n\n"
        f"Final-Recipient: rfc822; {ALICE}\nOriginal-Message-ID: <{status.message_id}>\n"
        "Disposition: manual-action/MDN-sent-manually; displayed\n"
        "--R--\n"
    ).encode()
    arrived = deliver(gw, receipt)
    assert arrived.ticket_id == tid and "report" in arrived.reason
    assert show(gw, tid)["state"] == "pending"


def _mail_system_notice(sender: str, subject: str, returned: str) -> bytes:
    """A mail system's plain notice under a subject no rule knows (「メール配信失敗の
    お知らせ」, Exchange 5.5's "Nondeliverable mail"), the returned headers inline."""
    return (
        f"Return-Path: <>\nFrom: {sender}\nTo: support@example.test\nSubject: {subject}\n"
        "Message-ID: <n-1@mx.provider.test>\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
        f"次のあて先に配信できませんでした / Could not deliver to:\n  {ALICE}\n\n"
        f"From: support@example.test\nTo: {ALICE}\nMessage-ID: <{returned}>\n"
    ).encode()


@pytest.mark.parametrize(
    ("sender", "subject"),
    [
        (
            "MAILER-DAEMON@mx.provider.test",
            "=?UTF-8?B?44Oh44O844Or6YWN5L+h5aSx5pWX44Gu44GK55+l44KJ44Gb?=",
        ),
        ("Postmaster <postmaster@mx.provider.test>", "Nondeliverable mail"),
    ],
    ids=["japanese", "exchange55"],
)
def test_a_mail_systems_notice_that_returns_our_mail_is_a_bounce_whatever_its_subject(
    gw: App, clock: FakeClock, sender: str, subject: str
) -> None:
    """From MAILER-DAEMON or postmaster and returning a mail we sent: it opened a
    ticket of its own (machine mail, unanswered), and the ticket whose mail came back
    never heard of it."""
    tid = open_ticket(gw, "A question", key="ack-s")
    send(gw)
    [ack] = outbox(gw, "acknowledgement")
    clock.advance(HOUR)
    arrived = deliver(gw, _mail_system_notice(sender, subject, ack.message_id), source="imap")
    assert arrived.ticket_id == tid and "bounce" in arrived.reason
    [failed] = [e for e in show(gw, tid)["events"] if e["kind"] == "delivery-failed"]
    assert failed["new"] == "acknowledgement"


def test_a_mail_systems_notice_about_no_mail_of_ours_is_no_bounce(gw: App) -> None:
    """The same from postmaster about a Message-ID we never sent: machine mail as
    before (a ticket, never answered), not a bounce dropped for belonging nowhere."""
    raw = _mail_system_notice("postmaster@mx.provider.test", "Nondeliverable mail", "x@else.test")
    arrived = deliver(gw, raw, source="imap")
    assert arrived.ticket_id is not None and "bounce" not in arrived.reason
