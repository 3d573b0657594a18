"""Helpers that go through the real accept-then-process path, and read back what it
wrote (tickets, inbox rows, outbox mail) the way an operator would see it."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select

from gateway.runner.rows import RowOutcome
from gateway.runtime.app import App
from store import inbox, tickets
from store.db import transaction
from store.models import InboxRaw, InboxRow, OutboxRow
from tests.support.unwrap import unwrapped


def deliver(
    app: App,
    raw: bytes,
    *,
    envelope_to: tuple[str, ...] = (),
    source: str = "test",
    bulk: bool = False,
) -> RowOutcome:
    """Accept ``raw`` into the inbox (rule 1: committed first), then process that row;
    ``bulk``: it arrives as part of an import (an old one is an archive, not answered)."""
    with transaction(app.sessions) as s:
        accepted = inbox.accept(
            s, raw, source=source, now=app.clock.now(), envelope_to=envelope_to, bulk=bulk
        )
    return app.runner.process_one(accepted.inbox_id)


def show(app: App, ticket_id: int) -> dict[str, Any]:
    """What ``tickets show ID --json`` prints."""
    with transaction(app.sessions) as s:
        data = tickets.detail(s, ticket_id)
    assert data is not None
    return data


def all_tickets(app: App) -> list[dict[str, Any]]:
    """What ``tickets list --json`` prints."""
    with transaction(app.sessions) as s:
        return tickets.list_tickets(s)


def inbox_rows(app: App) -> list[InboxRow]:
    """Every inbox row, oldest first."""
    with transaction(app.sessions) as s:
        return list(s.scalars(select(InboxRow).order_by(InboxRow.id)))


def inbox_raw(app: App, inbox_id: int) -> bytes:
    """The bytes an inbox row keeps beside it (``inbox_raw``), as they arrived."""
    with transaction(app.sessions) as s:
        stored = s.get(InboxRaw, inbox_id)
        assert stored is not None, f"inbox #{inbox_id} has no bytes"
        return stored.raw


def sent_for(app: App, ticket_id: int, message_id: str = "sent-1@example.test") -> None:
    """A mail we sent for the ticket (an acknowledgement to Alice), as the sender leaves
    it in the outbox: what a bounce of it names."""
    with transaction(app.sessions) as s:
        s.add(
            OutboxRow(
                idempotency_key=f"ack-{message_id}",
                ticket_id=ticket_id,
                kind="ack",
                message_id=message_id,
                envelope_from="support@example.test",
                recipients=["alice@customer.test"],
                raw=b"",
                created_at=app.clock.now(),
            )
        )


def outbox(app: App, kind: str | None = None) -> list[OutboxRow]:
    """Every mail queued for sending (of one ``kind`` when given), oldest first."""
    with transaction(app.sessions) as s:
        stmt = select(OutboxRow).order_by(OutboxRow.id)
        if kind is not None:
            stmt = stmt.where(OutboxRow.kind == kind)
        return list(s.scalars(stmt))


def parsed(row: OutboxRow) -> EmailMessage:
    """The queued mail as a message object, as the recipient's client would read it."""
    msg = email.message_from_bytes(row.raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def text_of(row: OutboxRow) -> str:
    """The plain-text body of a queued mail."""
    body = parsed(row).get_body(preferencelist=("plain",))
    assert isinstance(body, EmailMessage)
    return str(body.get_content())


def words_of(row: OutboxRow) -> str:
    """The plain-text body with our wrapped paragraphs joined back into one line each
    (:mod:`tests.support.unwrap`): what to look for a sentence of ours in."""
    return unwrapped(text_of(row))


def header_of(row: OutboxRow, name: str) -> str:
    """One decoded header of a queued mail."""
    return str(parsed(row)[name])


def subject_of(row: OutboxRow) -> str:
    return header_of(row, "Subject")


def bounce_of(message_id: str) -> bytes:
    """A delivery status notification for our mail ``message_id`` to Alice: her
    mail server's bounce, with the returned headers that name it."""
    return (
        b"From: Mail Delivery System <MAILER-DAEMON@mx.customer.test>\n"
        b"To: support@example.test\nSubject: Undelivered Mail Returned to Sender\n"
        b"Message-ID: <bounce-" + message_id.encode()[:8] + b"@mx.customer.test>\n"
        b"MIME-Version: 1.0\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n'
        b"--B\nContent-Type: text/plain\n\nUser unknown\n"
        b"--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\n"
        b"Final-Recipient: rfc822; alice@customer.test\nAction: failed\nStatus: 5.1.1\n"
        b"--B\nContent-Type: text/rfc822-headers\n\nFrom: support@example.test\n"
        b"Message-ID: <" + message_id.encode() + b">\nSubject: [#1] reminder\n--B--\n"
    )
