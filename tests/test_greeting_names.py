"""Whom an acknowledgement greets: the sender's name as they wrote it, unless that
"name" cannot be one. A display name that is itself an address (often another one
than the sender's) or that did not decode (raw bytes, a cut character) would put
someone else's address or "�" in "Dear …"; the address the mail came from is then
what the greeting says. The ticket keeps the name as it came."""

from __future__ import annotations

import pytest

from gateway.runtime.app import App
from tests.support.pipeline import deliver, outbox, show, text_of


def _raw(from_line: bytes) -> bytes:
    return (
        from_line + b"\nTo: support@example.test\nSubject: VPN does not connect\n"
        b"Message-ID: <greet-1@customer.test>\n\nMy VPN fails since this morning.\n"
    )


@pytest.mark.parametrize(
    ("from_line", "greeting"),
    [
        (b"From: Bob Smith <bob@customer.test>", "Dear Bob Smith,"),
        # a name that is an address, another one than the sender's
        (b"From: alice@example.test <bob@customer.test>", "Dear bob@customer.test,"),
        # a name that merely mentions an address is still a name
        (
            b'From: "Alice (alice@example.test)" <bob@customer.test>',
            "Dear Alice (alice@example.test),",
        ),
        # raw UTF-8 cut in the middle of a character: the name ends in U+FFFD
        (
            "From: Тестовый пользователь".encode() + b"\xf1 <bob@customer.test>",
            "Dear bob@customer.test,",
        ),
    ],
)
def test_the_acknowledgement_greets_a_name_or_the_address(
    app: App, from_line: bytes, greeting: str
) -> None:
    out = deliver(app, _raw(from_line))
    [ack] = outbox(app, "acknowledgement")
    assert text_of(ack).splitlines()[0] == greeting
    assert show(app, out.ticket_id or 0)["requester"] == "bob@customer.test"
