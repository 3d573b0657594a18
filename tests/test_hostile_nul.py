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
