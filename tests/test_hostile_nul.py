"""A byte 0x00 anywhere in a mail's headers never keeps it out, on either database.

PostgreSQL's text cannot hold NUL, and psycopg refused the whole statement: a
Message-ID with one could not even be accepted (rule 1 broken: every delivery attempt
failed, the mail was never stored), one in In-Reply-To or in an attachment's
Content-Type shunted the row. SQLite stored them. Now every string sent to PostgreSQL
has NUL as U+FFFD, and the raw bytes are kept as they came.
"""

from __future__ import annotations

import pytest

from gateway.core.model import InboxState
from gateway.core.sniff import not_mail_reason
from gateway.runtime.app import App
from store import inbox
from store.db import transaction
from tests.support.pipeline import inbox_raw, show

HEAD = b"From: alice@customer.test\r\nTo: support@example.test\r\nSubject: printer\r\n"
PART = b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
PART += b"Content-Type: text/plain\r\n\r\nThe printer jams.\r\n--b\r\n"

NUL_HEADERS = {
    "message-id": b"Message-ID: <a\x00b@customer.test>\r\n\r\nThe printer jams.\r\n",
    "in-reply-to": b"Message-ID: <m2@c.test>\r\nIn-Reply-To: <x\x00y@c.test>\r\n"
    b"References: <r\x00@c.test>\r\n\r\nThe printer jams.\r\n",
    "content-type": b"Message-ID: <m3@c.test>\r\n" + PART + b"Content-Type: appli\x00cation/x\r\n"
    b'Content-Disposition: attachment; filename="a\x00b.txt"\r\n\r\nAAAA\r\n--b--\r\n',
    "address": b"Message-ID: <m4@c.test>\r\n"
    b"Cc: c\x00c@customer.test, =?utf-8?q?d=00?= <d@x.test>\r\n\r\nThe printer jams.\r\n",
}


@pytest.mark.parametrize("where", list(NUL_HEADERS))
def test_a_nul_in_a_header_is_accepted_and_processed(app: App, where: str) -> None:
    raw = HEAD + NUL_HEADERS[where]
    with transaction(app.sessions) as s:
        accepted = inbox.accept(
            s,
            raw,
            source="smtp",
            now=app.clock.now(),
            envelope_to=("support@example.test",),
            envelope_from="bounce\x00@customer.test",
        )
    out = app.runner.process_one(accepted.inbox_id)
    assert out.state == InboxState.DONE, out.reason
    assert out.ticket_id is not None
    assert show(app, out.ticket_id)["requester"] == "alice@customer.test"
    assert inbox_raw(app, accepted.inbox_id) == raw  # byte for byte


FIRST_LINE_NUL = [
    b"From: alice\x00 <alice@customer.test>\r\nTo: support@example.test\r\n",
    b"Subject: prin\x00ter\r\nFrom: alice@customer.test\r\n",
    b"Received: from mx.customer.test by relay\x00; Mon, 2 Mar 2026 09:00:00 +0000\r\n" + HEAD,
]


@pytest.mark.parametrize("head", FIRST_LINE_NUL, ids=["from", "subject", "received"])
def test_a_nul_in_the_first_header_line_is_mail_not_binary(app: App, head: bytes) -> None:
    """The sniff took any NUL on the first line for a binary file: such a mail was
    stored by SMTP and then ignored as "not an e-mail message", and the MTA pipe
    answered 65, so the MTA bounced it. A line that starts as a header is a header;
    a NUL after its colon is one stray byte, as anywhere else in the header block."""
    raw = head + b"Subject: printer\r\n\r\nThe printer jams.\r\n"
    assert not_mail_reason(raw) is None
    with transaction(app.sessions) as s:
        accepted = inbox.accept(s, raw, source="smtp", now=app.clock.now())
    out = app.runner.process_one(accepted.inbox_id)
    assert out.state == InboxState.DONE, out.reason
    assert out.ticket_id is not None


@pytest.mark.parametrize(
    "raw",
    [
        b"\x00\x00Subject: x\r\n\r\n",  # NUL before any field name
        b"name:" + b"\x00" * 95 + b"0000644\x00" + b"\x00" * 400,  # a tar file named "name:"
        b"Subject\x00: x\r\n\r\n",  # NUL inside the field name
    ],
    ids=["leading", "tar-like", "in-name"],
)
def test_nul_bytes_where_no_header_can_be_are_still_not_mail(raw: bytes) -> None:
    assert not_mail_reason(raw) is not None
