"""The answers that are ours in an SMTP/LMTP session (aiosmtpd's handler hooks).

aiosmtpd owns the protocol; :class:`GatewayHandler` answers the three
questions that are ours: is this recipient ours (``550 5.1.1`` otherwise), may
this peer send (AUTH outside ``trusted_networks``), can this envelope address be
taken in this transaction (one not in ASCII only after ``SMTPUTF8`` on MAIL, RFC
6531; ``553 5.6.7`` otherwise), and is the message stored
(``250`` only after the inbox commit, ``451 4.3.0`` when the database is
locked or gone). Storing happens in :mod:`gateway.receive.writer`, off the
event loop, so one slow commit never stalls the other sessions. Parsing does
not happen here at all: the pipeline runner reads the row afterwards.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import AbstractContextManager
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from gateway.config.settings import Settings
from gateway.core.errors import TransientError
from gateway.core.hosts import client_of
from gateway.receive.smtp.auth import Users
from gateway.receive.smtp.auth_brake import BRAKED, LoginBrake
from gateway.receive.smtp.policy import (
    Recipients,
    TrustedNetworks,
    distinct_recipients,
    envelope_form,
)
from gateway.receive.smtp.protocol import SHUTTING_DOWN
from gateway.receive.smtp.refusals import log_refusal
from gateway.receive.writer import Delivery, InboxWriter, Stored

log = logging.getLogger("gateway.receive.smtp")

TEMPFAIL = "451 4.3.0 Message not stored, try again later"
# RFC 6531 3.4: an address not in ASCII in MAIL or RCPT only when MAIL said SMTPUTF8
# (which we advertise); 5.6.7 is RFC 6531's "non-ASCII addresses not permitted"
NEEDS_SMTPUTF8 = (
    "553 5.6.7 Address not in ASCII: say SMTPUTF8 on MAIL FROM (RFC 6531), or use an ASCII address"
)
# The line per stored message is DEBUG, not INFO (issue #18): formatting and writing
# it cost the event loop about 25 µs of every message under a flood, and at INFO
# it said nothing that is not kept elsewhere: the sender's log has our reply
# ("stored as inbox #N"), the row keeps the envelope and the peer, and the runner
# logs one INFO line per row when it is processed. A 451 is still a WARNING.
STORED_LEVEL = logging.DEBUG


class GatewayHandler:
    """aiosmtpd hooks: recipients, who may send, and the durable ``250``."""

    def __init__(self, settings: Settings, writer: InboxWriter, users: Users | None = None) -> None:
        self.recipients = Recipients.from_settings(settings)
        self.cfg = settings.smtp
        self.writer = writer
        self.users = users
        self.brake = LoginBrake(writer.clock)  # failed AUTHs per client, across sessions
        self.trusted = TrustedNetworks(self.cfg.trusted_networks)
        self.draining = False

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        session.host_name = hostname
        if self.users is None:  # aiosmtpd would advertise AUTH that can never succeed
            responses = [r for r in responses if not r.startswith("250-AUTH")]
        # RFC 2920: aiosmtpd answers a group of commands in order (and we keep what came
        # after the final dot: protocol._unread); RFC 2033 5 requires it of LMTP.
        # RFC 2034: every reply carries an X.Y.Z code (protocol.push, .replies)
        return [*responses[:-1], "250-PIPELINING", "250-ENHANCEDSTATUSCODES", *responses[-1:]]

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        if self.draining:
            _hang_up_after_reply(server)
            return SHUTTING_DOWN
        if (
            self.users is not None
            and not session.authenticated
            and not self.trusted.trusts(session.peer)
        ):
            return _refused("530 5.7.0 Authentication required", session, envelope, address)
        if not address.isascii() and not envelope.smtp_utf8:  # aiosmtpd set it from the options
            return _refused(NEEDS_SMTPUTF8, session, envelope, address)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if len(envelope.rcpt_tos) >= self.cfg.max_recipients:
            return "452 4.5.3 Too many recipients"
        if not address.isascii() and not envelope.smtp_utf8:  # said (or not) on this MAIL
            return _refused(NEEDS_SMTPUTF8, session, envelope, recipient=address)
        address = envelope_form(address)  # an IDN domain as the config keeps ours
        if not self.recipients.accepts(address):
            refusal = "550 5.1.1 Recipient address rejected: no such mailbox here"
            return _refused(refusal, session, envelope, recipient=address)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    def expecting(self) -> AbstractContextManager[None]:
        """Held from DATA to the reply (gateway.receive.smtp.protocol)."""
        return self.writer.expecting()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        status = await self._store(session, envelope)
        count = len(envelope.rcpt_tos) if self.cfg.lmtp else 1
        return "\r\n".join([status] * count)  # LMTP: one reply per recipient

    async def handle_exception(self, error: Exception) -> str:
        if isinstance(error, TransientError):  # the database unavailable: no bug of ours
            log.warning("451: %s", error)
            return TEMPFAIL
        log.error("SMTP session error: %r", error, exc_info=error)
        return "451 4.3.0 Internal error, try again later"

    async def _store(self, session: Session, envelope: Envelope) -> str:
        delivery = Delivery(
            raw=envelope.original_content or b"",
            envelope_from="" if envelope.mail_from == "<>" else envelope.mail_from,  # bounce
            envelope_to=distinct_recipients(envelope.rcpt_tos),  # one mailbox named twice: once
            source="lmtp" if self.cfg.lmtp else "smtp",
            source_ref=_describe_peer(session),
            # only our MTA writes (and strips forged copies of) the Authentication-Results
            # authz believes: a peer in trusted_networks, the unix socket, or one that
            # logged in with a relay's password (RFC 8601 section 5)
            untrusted_peer=not (session.authenticated or self.trusted.trusts(session.peer)),
        )
        try:
            stored: Stored = await asyncio.wrap_future(self.writer.submit(delivery))
        except TransientError as exc:
            log.warning("451 to %s: %s", delivery.source_ref, exc)
            return TEMPFAIL
        except Exception:  # our bug must not bounce mail: the sender retries
            log.exception("451 to %s: unexpected error while storing", delivery.source_ref)
            return TEMPFAIL
        if log.isEnabledFor(STORED_LEVEL):  # the arguments cost too
            log.log(
                STORED_LEVEL,
                "stored inbox=%s duplicate=%s from=%s to=%s size=%d peer=%s",
                stored.inbox_id,
                stored.duplicate,
                delivery.envelope_from,
                ",".join(delivery.envelope_to),
                len(delivery.raw),
                delivery.source_ref,
            )
        return f"250 2.0.0 OK: stored as inbox #{stored.inbox_id}"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if self.users is None or not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        client = _client(session)
        if self.brake.closed(client):  # no scrypt, and nothing learnt: see auth_brake
            log.info("AUTH from %s refused: too many failed logins this hour", client)
            return AuthResult(success=False, handled=False, message=BRAKED)
        ok = self.users.check(auth_data.login.decode("utf-8", "replace"), auth_data.password)
        if not ok:
            self.brake.failed(client)
        return AuthResult(success=ok, handled=False, auth_data=auth_data.login if ok else None)


def _refused(
    reply: str,
    session: Session,
    envelope: Envelope,
    sender: str | None = None,
    *,
    recipient: str | None = None,
) -> str:
    """``reply``, logged (:mod:`.refusals`); ``sender``: a MAIL FROM refused, not yet in
    the envelope."""
    if sender is not None:
        shown = Envelope()
        shown.mail_from = sender
        envelope = shown
    log_refusal(reply, session, envelope, recipient)
    return reply


def _client(session: Session) -> str:
    """Whom the AUTH brake counts: the peer's address or IPv6 /64 ("local": a unix socket)."""
    peer = session.peer
    return client_of(str(peer[0])) if isinstance(peer, tuple) and peer else "local"


def _describe_peer(session: Session) -> str:
    peer = session.peer
    if isinstance(peer, tuple) and len(peer) >= 2:
        host = f"[{peer[0]}]" if ":" in str(peer[0]) else str(peer[0])
        where = f"{host}:{peer[1]}"
    else:
        where = "local"  # a unix socket
    return f"{where} helo={session.host_name or '-'}"


def _hang_up_after_reply(server: SMTP) -> None:
    """Close once the reply is written (the transport flushes before closing)."""
    transport = server.transport
    if transport is not None:
        server.loop.call_soon(transport.close)
