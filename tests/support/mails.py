"""Builders for small test messages, as raw bytes the way a mail client sends them."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid


def mail(
    subject: str = "VPN does not connect",
    body: str = "Hello,\nmy VPN client fails since this morning.\n",
    *,
    sender: str = "Alice Example <alice@customer.test>",
    to: str = "support@example.test",
    cc: str | None = None,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
    headers: dict[str, str] | None = None,
    date: datetime | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date or datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    msg["Message-ID"] = message_id or make_msgid(domain="customer.test")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    for key, value in (headers or {}).items():
        msg[key] = value
    msg.set_content(body)
    return bytes(msg)
