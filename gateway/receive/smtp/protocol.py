"""aiosmtpd's SMTP and LMTP, as our listener speaks them.

Two things differ from aiosmtpd's own: every reply carries an enhanced status
code (RFC 3463), which senders and their logs expect, and a session tells the
listener when it ends, so the listener can count sessions and drain them at
shutdown. A connection that cannot be served at all gets :class:`Refuse`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP

SHUTTING_DOWN = "421 4.3.2 Service shutting down, try again later"
TOO_BUSY = "421 4.7.0 Too many connections, try again later"

# aiosmtpd's own replies, rewritten with the enhanced status codes (RFC 3463)
# senders and their logs expect. Post-DATA ones are repeated per LMTP recipient.
_ENHANCED = {
    "552 Error: Too much mail data": "552 5.3.4 Message too big for this system",
    "552 Error: message size exceeds fixed maximum message size": (
        "552 5.3.4 Message size exceeds fixed maximum message size"
    ),
    "500 Line too long (see RFC5321 4.5.3.1.6)": "500 5.5.2 Line too long (RFC 5321 4.5.3.1.6)",
}
_AFTER_DATA = frozenset(
    {"552 5.3.4 Message too big for this system", "500 5.5.2 Line too long (RFC 5321 4.5.3.1.6)"}
)


class GatewaySMTP(SMTP):
    """aiosmtpd's SMTP with enhanced status codes and a hook when the session ends."""

    on_lost: Callable[[GatewaySMTP], None] = staticmethod(lambda _: None)

    async def push(self, status: Any) -> None:
        if not isinstance(status, str):  # AUTH challenges: nothing to rewrite
            await super().push(status)
            return
        text = _ENHANCED.get(status, status)
        envelope = self.envelope
        if text in _AFTER_DATA and isinstance(self, LMTP) and envelope is not None:
            text = "\r\n".join([text] * max(1, len(envelope.rcpt_tos)))
        await super().push(text)

    def connection_lost(self, error: Exception | None) -> None:
        try:
            super().connection_lost(error)
        finally:
            self.on_lost(self)

    @property
    def in_transaction(self) -> bool:
        return self.envelope is not None and self.envelope.mail_from is not None


class GatewayLMTP(GatewaySMTP, LMTP):
    """LMTP (RFC 2033) for delivery from Postfix or Dovecot: one reply per recipient."""


class Refuse(asyncio.Protocol):
    """Greets with a 421 and hangs up: shutting down, or too many sessions."""

    def __init__(self, reply: str) -> None:
        self._reply = reply.encode() + b"\r\n"

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if isinstance(transport, asyncio.WriteTransport):
            transport.write(self._reply)
        transport.close()


def say_goodbye(session: GatewaySMTP) -> None:
    """An idle session is told 421 and closed: RFC 5321 4.2.2 allows it at shutdown."""
    transport = session.transport
    if isinstance(transport, asyncio.WriteTransport) and not transport.is_closing():
        transport.write(SHUTTING_DOWN.encode() + b"\r\n")
        transport.close()
