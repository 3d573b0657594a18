"""An address with nothing before or after its ``@`` is no mailbox (found by the
exploratory round over intake): ``From: evil@evil.test@boss@example.test`` was read as
``@example.test``, which became the ticket's requester and got our acknowledgement (a
mail the relay can only refuse). Such an address is now not read, and said so; the
requester is then the envelope's sender, as for a From that names nobody."""

from __future__ import annotations

import pytest

from gateway.pipeline.parse.message import parse_message
from gateway.runtime.app import App
from tests.support.pipeline import deliver, outbox, show

BROKEN = [
    b"@example.test",
    b"evil@evil.test@boss@example.test",
    b"a@b@c",
    b"boss@example.test\x00@evil.test",
    b"Name <@customer.test>",
    b"Name <user@customer.test@>",
]


def _raw(sender: bytes, field: bytes = b"From") -> bytes:
    return (
        field + b": " + sender + b"\nTo: support@example.test\nSubject: hello\n"
        b"Date: Mon, 02 Mar 2026 09:30:00 +0900\nMessage-ID: <e1@customer.test>\n\nhello\n"
    )


@pytest.mark.parametrize("sender", BROKEN)
def test_an_address_without_a_local_part_or_domain_is_not_read(sender: bytes) -> None:
    msg = parse_message(_raw(sender))
    assert msg.from_ is None
    assert any("no mailbox" in d or "invalid-angle-address" in d for d in msg.defects)


@pytest.mark.parametrize("sender", BROKEN)
def test_nobody_is_answered_at_such_an_address(app: App, sender: bytes) -> None:
    outcome = deliver(app, _raw(sender), envelope_to=("support@example.test",))
    assert outcome.ticket_id is not None
    assert show(app, outcome.ticket_id)["requester"] == "unknown@invalid"
    assert outbox(app, "acknowledgement") == []


@pytest.mark.parametrize("cc", [b"@x.test, bob@customer.test", b"bob@customer.test, a@b@c"])
def test_the_good_addresses_beside_one_are_kept(cc: bytes) -> None:
    msg = parse_message(_raw(cc, b"Cc").replace(b"Cc:", b"From: alice@customer.test\nCc:", 1))
    assert [a.email for a in msg.cc] == ["bob@customer.test"]


@pytest.mark.parametrize("sender", [b"root", b"user@[127.0.0.1]", b'"a.b"@customer.test'])
def test_what_has_both_parts_or_no_at_is_read_as_before(sender: bytes) -> None:
    msg = parse_message(_raw(sender))
    assert msg.from_ is not None and msg.from_.email
