"""A real aiosmtpd server standing in for the outbound relay: it records what it
accepted and answers what the test tells it to (``250``, ``451``, ``550`` …)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from gateway.config.settings import OutboundSettings, Settings
from tests.support.ports import free_port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes


@dataclass
class SinkHandler:
    answer: str = "250 2.0.0 OK queued"
    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.answer.startswith("250"):
            self.received.append(
                Received(
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    bytes(envelope.original_content or envelope.content),
                )
            )
        return self.answer


def password_checker(user: str, password: str) -> Any:
    """An aiosmtpd authenticator accepting one user (AUTH PLAIN/LOGIN)."""

    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            user.encode(),
            password.encode(),
        )
        return AuthResult(success=ok, handled=False)  # False: aiosmtpd answers 535 itself

    return check


@contextmanager
def sink(port: int, handler: SinkHandler | None = None, **smtp: Any) -> Iterator[SinkHandler]:
    """``smtp``: aiosmtpd options, e.g. ``tls_context=…, require_starttls=True``,
    ``authenticator=…, auth_required=True``, or ``ssl_context=…`` for implicit TLS."""
    handler = handler or SinkHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **smtp)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


def local_relay(settings: Settings) -> OutboundSettings:
    """``settings``' outbound mail through a plain SMTP relay on this machine, on a free
    port (a :func:`sink` started there, or nothing: a relay that is down)."""
    return replace(
        settings.outbound,
        mode="smtp",
        host="127.0.0.1",
        port=free_port(),
        tls="none",
        timeout=timedelta(seconds=5),
    )
