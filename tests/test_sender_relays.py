"""The sender against relays that do what real ones do (aiosmtpd on a loopback port): an
internationalised address (SMTPUTF8), a limit of mails per connection (421), a relay
that answers too slowly, one that hangs up in the middle of DATA."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from gateway.config.settings import OutboundSettings, Settings
from gateway.core.i18n import translate
from gateway.outbound.sender import Sender
from gateway.outbound.transport import transport_for
from gateway.runtime.app import App
from store import outbox
from store.db import transaction
from store.models import OutboxRow
from tests.support.sink import SinkHandler, local_relay, sink

JAPANESE = "山田@例え.jp"
RAW = (
    "From: support@example.test\r\nTo: =?utf-8?b?5bGx55SwIOWkqumDjg==?= <{to}>\r\n"
    "Subject: hi\r\nMessage-ID: <{n}@example.test>\r\n\r\nhello\r\n"
)


@pytest.fixture
def relay(settings: Settings) -> OutboundSettings:
    return replace(local_relay(settings), timeout=timedelta(seconds=1))


def _queue(app: App, *to: str) -> list[int]:
    """One mail to each of ``to`` (a member's mail: no ticket), in this order."""
    ids = []
    with transaction(app.sessions) as s:
        for n, address in enumerate(to):
            raw = RAW.format(to=address, n=n).encode()
            mail = outbox.NewMail(
                f"k{n}", "weekly_digest", f"{n}@example.test", "support@example.test", (address,), raw
            )
            found = outbox.enqueue(s, mail, app.clock.now())
            assert found is not None
            ids.append(found)
    return ids


def _drain(app: App, relay: OutboundSettings) -> Any:
    return Sender(relay, app.clock, app.sessions, lambda: transport_for(relay)).drain()


def _row(app: App, outbox_id: int) -> OutboxRow:
    with transaction(app.sessions) as s:
        row = s.get(OutboxRow, outbox_id)
        assert row is not None
        return row


@pytest.mark.parametrize("offered", [True, False])
def test_an_internationalised_address_fails_that_mail_alone_and_says_why(
    app: App, relay: OutboundSettings, offered: bool
) -> None:
    """Not an exception out of the sender (smtplib's encoding error), which left the
    row leased and the rest of its batch waiting, every five minutes for ever, and the
    relay in the middle of a MAIL command for the next mail. A relay that offers
    SMTPUTF8 does not make it sendable: our headers would need it too."""
    first, second = _queue(app, JAPANESE, "bob@customer.test")
    with sink(relay.port, enable_SMTPUTF8=offered) as got:
        report = _drain(app, relay)
    assert report.failed == [first] and report.sent == [second]
    assert [r.rcpt_tos for r in got.received] == [["bob@customer.test"]]
    row = _row(app, first)
    assert row.state == "failed" and "SMTPUTF8" in row.last_error
    said = outbox.said_error(row)
    assert JAPANESE in translate(said, "ja") and "SMTPUTF8" in translate(said, "ja")
    assert translate(said, "ja") != translate(said, "en")
