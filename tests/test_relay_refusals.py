"""What a relay's refusal is about decides whether a mail is given up: the envelope
sender is always our address, so a refusal of MAIL FROM (authentication required, our
sender not allowed) is about us and the relay's set-up, the same for every mail; it is
retried until someone fixes ``[outbound]``, not recorded as each mail failing for good.
A refusal of one recipient is that mail's; a message too big is that mail's too."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from gateway.config.settings import OutboundSettings, Settings
from gateway.core.clock import FakeClock
from gateway.outbound.sender import Sender
from gateway.outbound.transport import transport_for
from gateway.runtime.app import App
from store.db import transaction
from store.models import OutboxRow
from tests.support.mails import mail
from tests.support.pipeline import deliver, show
from tests.support.sink import SinkHandler, local_relay, password_checker, sink
from tests.support.smtp import server_context


@pytest.fixture
def relay(settings: Settings) -> OutboundSettings:
    return local_relay(settings)


class Refusing(SinkHandler):
    """Answers MAIL FROM and RCPT TO as told."""

    def __init__(self, mail_from: str = "250 OK", rcpt: str = "250 OK") -> None:
        super().__init__()
        self.mail_from, self.rcpt = mail_from, rcpt

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.mail_from.startswith("250"):
            envelope.mail_from = address
        return self.mail_from

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.rcpt.startswith("250"):
            envelope.rcpt_tos.append(address)
        return self.rcpt


def _requests(app: App, n: int = 3, first: int = 0) -> list[int]:
    ids = []
    for i in range(first, first + n):
        out = deliver(app, mail(sender=f"user{i}@customer.test", message_id=f"<r{i}@c.test>"))
        assert out.ticket_id is not None
        ids.append(out.ticket_id)
    return ids


def _drain(app: App, relay: OutboundSettings) -> Any:
    return Sender(relay, app.clock, app.sessions, lambda: transport_for(relay)).drain()


def _rows(app: App) -> list[OutboxRow]:
    with transaction(app.sessions) as s:
        return list(s.query(OutboxRow).order_by(OutboxRow.id))


@pytest.mark.parametrize(
    "answer",
    [
        "530 5.7.0 Authentication required",
        "550 5.7.1 Sender address rejected: not owned by user",
        "553 5.1.8 Sender address rejected: Domain not found",
    ],
)
def test_a_refused_sender_is_the_relays_set_up_retried_not_failed(
    app: App, relay: OutboundSettings, clock: FakeClock, answer: str
) -> None:
    tids = _requests(app)
    handler = Refusing(mail_from=answer)
    with sink(relay.port, handler):
        report = _drain(app, relay)
        assert report.failed == [] and len(report.retried) == 3
        assert all(answer.split()[0] in r.last_error for r in _rows(app))
        assert all(e["kind"] != "delivery-failed" for t in tids for e in show(app, t)["events"])
        handler.mail_from = "250 OK"  # the relay (or our [outbound]) fixed
        clock.advance(relay.retry_initial)
        assert len(_drain(app, relay).sent) == 3
    assert len(handler.received) == 3


def test_a_relay_that_wants_a_login_we_do_not_give(
    app: App, relay: OutboundSettings, tls_files: tuple[Path, Path]
) -> None:
    """The most common one: a real relay behind STARTTLS asks for AUTH, and [outbound]
    has no username yet (aiosmtpd answers MAIL FROM with 530)."""
    secure = replace(relay, tls="starttls", ca_file=tls_files[0])
    _requests(app, 1)
    with sink(
        relay.port,
        tls_context=server_context(tls_files),
        authenticator=password_checker("gw", "s3cret"),
        auth_required=True,
    ) as got:
        report = _drain(app, secure)
    assert report.failed == [] and len(report.retried) == 1 and got.received == []
    [row] = _rows(app)
    assert row.state == "pending" and "530" in row.last_error and "username" in row.last_error


def test_a_mail_too_big_and_a_refused_recipient_are_that_mails(
    app: App, relay: OutboundSettings
) -> None:
    [tid] = _requests(app, 1)
    with sink(relay.port, Refusing(mail_from="552 5.3.4 Message size exceeds fixed limit")):
        assert len(_drain(app, relay).failed) == 1
    assert [e["kind"] for e in show(app, tid)["events"]].count("delivery-failed") == 1
    [tid] = _requests(app, 1, first=1)
    with sink(relay.port, Refusing(rcpt="550 5.1.1 no such user")):
        assert len(_drain(app, relay).failed) == 1
    assert [e["kind"] for e in show(app, tid)["events"]].count("delivery-failed") == 1
