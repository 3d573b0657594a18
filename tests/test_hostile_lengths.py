"""No header is too long for the database: on PostgreSQL a ``varchar(n)`` refuses a
longer value, and a display name over 512 characters, an address over 320, a part's
Content-Type over 255 shunted the row; an envelope sender over 512 failed the accept
itself (the mail was never stored, the sending MTA retried for days). SQLite never
checked. An address longer than RFC 5321 lets a path be (254) reaches nobody and is
not read, a name is cut to 250 characters, a type to 255, an envelope sender to 512.
"""

from __future__ import annotations

import pytest

from gateway.core.model import InboxState
from gateway.core.title import TITLE_MAX
from gateway.pipeline.parse.headers import MAX_ADDRESS
from gateway.pipeline.parse.message import parse_message
from gateway.runtime.app import App
from store import inbox
from store.db import transaction
from tests.support.pipeline import inbox_rows, show

LONG = "a" * 600


def _raw(head: str, body: str = "The printer jams.\r\n") -> bytes:
    base = "To: support@example.test\r\nSubject: printer\r\nMessage-ID: <len@c.test>\r\n"
    return (head + base + "\r\n" + body).encode()


PART = (
    "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n"
    "From: alice@customer.test\r\n"
)
ATTACHED = (
    "--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: application/"
    + "x" * 400
    + '\r\nContent-Disposition: attachment; filename="a.txt"\r\n\r\nAAAA\r\n--b--\r\n'
)

LONG_HEADERS = {
    "name": (_raw(f'From: "{LONG}" <alice@customer.test>\r\n'), "alice@customer.test"),
    "address": (_raw(f"From: {LONG}@customer.test\r\n"), "bounce@customer.test"),
    "domain": (_raw(f"From: alice@{LONG}.test\r\n"), "bounce@customer.test"),
    "cc": (
        _raw(f"From: alice@customer.test\r\nCc: {LONG}@customer.test\r\n"),
        "alice@customer.test",
    ),
    "content-type": (_raw(PART, ATTACHED), "alice@customer.test"),
}


@pytest.mark.parametrize("where", list(LONG_HEADERS))
def test_a_long_header_value_is_processed_on_either_database(app: App, where: str) -> None:
    raw, requester = LONG_HEADERS[where]
    with transaction(app.sessions) as s:
        accepted = inbox.accept(
            s, raw, source="smtp", now=app.clock.now(), envelope_from="bounce@customer.test"
        )
    out = app.runner.process_one(accepted.inbox_id)
    assert out.state == InboxState.DONE, out.reason
    assert out.ticket_id is not None
    assert show(app, out.ticket_id)["requester"] == requester


def test_a_long_envelope_sender_is_accepted(app: App) -> None:
    raw = _raw("")  # no From: the envelope sender is all there is, and it is too long
    with transaction(app.sessions) as s:
        accepted = inbox.accept(s, raw, source="smtp", now=app.clock.now(), envelope_from=LONG)
    out = app.runner.process_one(accepted.inbox_id)
    assert out.state == InboxState.DONE, out.reason
    assert [len(row.envelope_from or "") for row in inbox_rows(app)] == [512]
    assert out.ticket_id is not None
    assert show(app, out.ticket_id)["requester"] == "unknown@invalid"


def test_what_is_read_of_long_addresses_and_names() -> None:
    parsed = parse_message(_raw(f'From: "{LONG}" <alice@customer.test>\r\nCc: {LONG}@x.test\r\n'))
    assert parsed.from_ is not None
    assert len(parsed.from_.name) == TITLE_MAX and parsed.from_.name.endswith("…")
    assert parsed.cc == ()
    assert any("longer than any mailbox's" in d for d in parsed.defects)
    fits = "b" * (MAX_ADDRESS - len("@x.test")) + "@x.test"
    assert [a.email for a in parse_message(_raw(f"From: {fits}\r\n")).cc] == []
    assert parse_message(_raw(f"From: {fits}\r\n")).from_ is not None
