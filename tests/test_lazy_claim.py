"""A big inbox row is claimed without its bytes (:attr:`store.inbox.PendingRow.raw`):
processing it with a parse made ahead never reads them, and a stage that needs
them (a bounce's returned Message-IDs) reads them in the row's transaction, once."""

from __future__ import annotations

import dataclasses

from gateway.core.model import InboxState
from gateway.pipeline.parse.message import parse_message
from gateway.runner.arrival import Arrival
from gateway.runner.chain import CHAIN, Link
from gateway.runtime.app import App
from store import inbox
from store.db import transaction
from store.inbox import LAZY_ABOVE, PendingRow
from tests.support.mails import mail
from tests.support.pipeline import sent_for

PADDING = "padding line of a long report, to make the message big\n" * (LAZY_ABOVE // 50)


def _stored(app: App, raw: bytes) -> int:
    with transaction(app.sessions) as s:
        return inbox.accept(s, raw, source="test", now=app.clock.now()).inbox_id


def test_a_big_row_is_read_only_when_asked(app: App) -> None:
    big = mail(subject="big", body=PADDING)
    small = mail(subject="small")
    assert len(big) > LAZY_ABOVE >= len(small)
    big_id, small_id = _stored(app, big), _stored(app, small)
    with transaction(app.sessions) as s:
        row = inbox.claim_row(s, big_id)
        assert row is not None and not isinstance(row.held, bytes)
        assert row.raw == big and row.held == big  # read once, then kept
        other = inbox.claim_row(s, small_id)
        assert other is not None and other.held == small


def _spied(app: App, seen: list[PendingRow]) -> App:
    def spy(a: Arrival) -> Arrival:
        seen.append(a.row)
        return a

    runner = dataclasses.replace(app.runner, chain=(Link("spy", spy), *CHAIN))
    return dataclasses.replace(app, runner=runner)


def test_processing_a_big_row_parsed_ahead_never_reads_its_bytes(app: App) -> None:
    raw = mail(subject="big request", body=PADDING)
    seen: list[PendingRow] = []
    out = _spied(app, seen).runner.process_one(_stored(app, raw), parse_message(raw))
    assert out.state == InboxState.DONE and out.ticket_id is not None, out.reason
    [row] = seen
    assert not isinstance(row.held, bytes)  # no stage asked for them


def test_a_big_bounce_reads_its_bytes_to_find_the_ticket(app: App) -> None:
    first = _stored(app, mail(subject="printer"))
    ticket = app.runner.process_one(first).ticket_id
    assert ticket is not None
    sent_for(app, ticket)  # a mail we sent for that ticket
    bounce = (
        b"From: Mail Delivery System <MAILER-DAEMON@mx.customer.test>\n"
        b"To: support@example.test\nSubject: Undelivered Mail Returned to Sender\n"
        b"Message-ID: <bounce-1@mx.customer.test>\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n'
        b"--B\nContent-Type: text/plain\n\nUser unknown\n" + PADDING.encode() + b"--B\n"
        b"Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\n"
        b"Final-Recipient: rfc822; alice@customer.test\nAction: failed\nStatus: 5.1.1\n"
        b"--B\nContent-Type: text/rfc822-headers\n\nFrom: support@example.test\n"
        b"Message-ID: <sent-1@example.test>\nSubject: [#1] ack\n--B--\n"
    )
    assert len(bounce) > LAZY_ABOVE
    seen: list[PendingRow] = []
    out = _spied(app, seen).runner.process_one(_stored(app, bounce), parse_message(bounce))
    assert out.ticket_id == ticket, out.reason
    assert seen[0].held == bounce  # read by the thread stage, in the row's transaction


def test_a_big_reply_proves_its_sender_from_its_header_block_alone(app: App) -> None:
    """Whether a customer's reply proves its sender is asked of every reply, and reads
    only the header block (:meth:`PendingRow.head`): a reply found by its In-Reply-To with
    a 25 MB file had the whole message read for it, the peak of a batch ingest."""
    first = mail(subject="printer", message_id="<ask-1@customer.test>")
    ticket = app.runner.process_one(_stored(app, first)).ticket_id
    assert ticket is not None
    raw = mail(subject="Re: printer", body=PADDING, in_reply_to="<ask-1@customer.test>")
    seen: list[PendingRow] = []
    out = _spied(app, seen).runner.process_one(_stored(app, raw), parse_message(raw))
    assert out.ticket_id == ticket and "unverified" in out.reason, out.reason  # no proof
    [row] = seen
    assert not isinstance(row.held, bytes)  # the header block was enough


def test_the_head_of_a_row_claimed_without_its_bytes(app: App) -> None:
    raw = mail(subject="big", body=PADDING)
    with transaction(app.sessions) as s:
        row = inbox.claim_row(s, _stored(app, raw))
        assert row is not None and row.head(100) == raw[:100]
        assert row.head(len(raw) + 10) == raw  # no more than there is
        assert not isinstance(row.held, bytes)  # still not read whole
        assert row.raw == raw and row.head(7) == raw[:7]  # once read, cut from what is held
