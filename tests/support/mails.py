"""Builders for small test messages, as raw bytes the way a mail client sends them."""

from __future__ import annotations

import base64
import quopri
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


def client_reply(
    body: str,
    *,
    sender: str,
    to: str,
    subject: str = "RE: [#1] VPN",
    charset: str = "utf-8",
    cte: str = "base64",
    flowed: str | None = None,
    html: str | None = None,
    html_only: bool = False,
    crlf: bool = False,
) -> bytes:
    """A reply as a mail client writes it: ``body`` in ``charset`` (ISO-2022-JP as 7bit
    escape sequences, as the Japanese desktop clients send it), with ``cte`` (``base64``,
    ``quoted-printable`` or ``7bit``/``8bit``), ``flowed`` (``"yes"``, or ``"delsp"`` for
    ``format=flowed; delsp=yes``, Thunderbird's for Japanese), beside an HTML
    alternative or (``html_only``, new Outlook) as HTML alone; ``crlf``: Windows line ends."""
    from email.mime.multipart import MIMEMultipart
    from email.mime.nonmultipart import MIMENonMultipart

    def part(text: str, subtype: str) -> MIMENonMultipart:
        p = MIMENonMultipart("text", subtype, charset=charset)
        data = (text.replace("\n", "\r\n") if crlf else text).encode(charset)
        if cte == "base64":
            p.set_payload(base64.encodebytes(data).decode("ascii"))
        elif cte == "quoted-printable":
            p.set_payload(quopri.encodestring(data).decode("ascii"))
        else:
            p.set_payload(data.decode("latin-1"))
        p["Content-Transfer-Encoding"] = cte
        if flowed and subtype == "plain":
            p.set_param("format", "flowed")
            if flowed == "delsp":
                p.set_param("delsp", "yes")
        return p

    msg: MIMENonMultipart | MIMEMultipart
    if html is None:
        msg = part(body, "plain")
    elif html_only:
        msg = part(html, "html")
    else:
        msg = MIMEMultipart("alternative", _subparts=[part(body, "plain"), part(html, "html")])
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    msg["Message-ID"] = make_msgid(domain="example.test")
    return msg.as_bytes()
