"""The SMTP/LMTP listener: accept mail durably, refuse what is not ours.

aiosmtpd owns the protocol; :class:`GatewayHandler` answers the three
questions that are ours: is this recipient ours (``550 5.1.1`` otherwise), may
this peer send (AUTH outside ``trusted_networks``), and is the message stored
(``250`` only after the inbox commit, ``451 4.3.0`` when the database is
locked or gone). Storing happens in :mod:`gateway.receive.writer`, off the
event loop, so one slow commit never stalls the other sessions. Parsing does
not happen here at all: the pipeline runner reads the row afterwards.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import ipaddress
import logging
import os
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from gateway.config.settings import Settings, SmtpSettings
from gateway.core.errors import ConfigError, TransientError
from gateway.receive.writer import Delivery, InboxWriter, Stored

log = logging.getLogger("gateway.receive.smtp")

IDENT = "ticket-gateway"
SHUTTING_DOWN = "421 4.3.2 Service shutting down, try again later"
TOO_BUSY = "421 4.7.0 Too many connections, try again later"
TEMPFAIL = "451 4.3.0 Message not stored, try again later"
# Per session: a few AUTH tries (each can cost an scrypt), and a ceiling on
# everything else that a busy MTA reusing one connection stays far below.
CALL_LIMITS = {"AUTH": 4, "*": 100_000}

# aiosmtpd's own replies, rewritten with the enhanced status codes (RFC 3463)
# senders and their logs expect. Post-DATA ones are repeated per LMTP recipient.
_ENHANCED = {
    "552 Error: Too much mail data": "552 5.3.4 Message too big for this system",
    "552 Error: message size exceeds fixed maximum message size":
        "552 5.3.4 Message size exceeds fixed maximum message size",
    "500 Line too long (see RFC5321 4.5.3.1.6)": "500 5.5.2 Line too long (RFC 5321 4.5.3.1.6)",
}
_AFTER_DATA = frozenset({"552 5.3.4 Message too big for this system",
                         "500 5.5.2 Line too long (RFC 5321 4.5.3.1.6)"})


# ---------------------------------------------------------------- policy


@dataclass(frozen=True, slots=True)
class Recipients:
    """The gateway's address, its ``local+anything`` variants and the aliases."""

    mailboxes: tuple[tuple[str, str], ...]  # (local part, domain), lower case

    @classmethod
    def from_settings(cls, settings: Settings) -> Recipients:
        addresses = (settings.gateway.address, *settings.smtp.aliases)
        return cls(tuple(_split(a) for a in addresses))

    def accepts(self, address: str) -> bool:
        local, domain = _split(address)
        return any(domain == d and _same_mailbox(local, lp) for lp, d in self.mailboxes)


def _same_mailbox(local: str, mailbox: str) -> bool:
    """``support`` or ``support+<anything>``: reply tokens are checked by the pipeline."""
    return local == mailbox or (local.startswith(mailbox + "+") and len(local) > len(mailbox) + 1)


def _split(address: str) -> tuple[str, str]:
    local, _, domain = address.strip().lower().rpartition("@")
    return local, domain


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """A line value for ``auth_users_file``: ``{SCRYPT}<salt>$<key>`` (base64)."""
    salt = salt or os.urandom(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return "{SCRYPT}" + base64.b64encode(salt).decode() + "$" + base64.b64encode(key).decode()


class Users:
    """Who may AUTH. scrypt costs tens of milliseconds on the event loop, so a
    password that was right once is remembered (as a keyed digest, never in
    clear) and a relay reconnecting for every message pays it once."""

    def __init__(self, entries: dict[str, str]) -> None:
        self._entries = entries
        self._pepper = os.urandom(32)
        self._verified: set[tuple[str, bytes]] = set()

    def check(self, login: str, password: bytes) -> bool:
        stored = self._entries.get(login)
        if stored is None:
            return False
        token = (login, hmac.new(self._pepper, password, hashlib.sha256).digest())
        if token in self._verified:
            return True
        if _password_matches(stored, password):
            self._verified.add(token)
            return True
        return False


def _password_matches(stored: str, password: bytes) -> bool:
    if stored.startswith("{PLAIN}"):
        return hmac.compare_digest(stored[len("{PLAIN}"):].encode(), password)
    salt, key = _scrypt_parts(stored)
    return hmac.compare_digest(hashlib.scrypt(password, salt=salt, n=2**14, r=8, p=1), key)


def _scrypt_parts(stored: str) -> tuple[bytes, bytes]:
    salt_b64, _, key_b64 = stored.removeprefix("{SCRYPT}").partition("$")
    return base64.b64decode(salt_b64, validate=True), base64.b64decode(key_b64, validate=True)


def load_users(path: Path, source: str) -> Users:
    """``user:{SCRYPT}…`` (see :func:`hash_password`) or ``user:{PLAIN}password`` lines."""
    entries: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        user, _, secret = line.strip().partition(":")
        if not user or not _valid_secret(secret):
            raise ConfigError(source, "smtp.auth_users_file",
                              f"{path} line {number}: expected user:{{SCRYPT}}salt$key or "
                              "user:{PLAIN}password")
        entries[user] = secret
    return Users(entries)


def _valid_secret(secret: str) -> bool:
    if secret.startswith("{PLAIN}"):
        return len(secret) > len("{PLAIN}")
    try:
        return secret.startswith("{SCRYPT}") and all(_scrypt_parts(secret))
    except ValueError:  # binascii.Error is a ValueError
        return False


def tls_context(cfg: SmtpSettings) -> ssl.SSLContext | None:
    if cfg.tls_cert is None or cfg.tls_key is None:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cfg.tls_cert, cfg.tls_key)
    return context


# ---------------------------------------------------------------- handler


class GatewayHandler:
    """aiosmtpd hooks: recipients, who may send, and the durable ``250``."""

    def __init__(self, settings: Settings, writer: InboxWriter,
                 users: Users | None = None) -> None:
        self.recipients = Recipients.from_settings(settings)
        self.cfg = settings.smtp
        self.writer = writer
        self.users = users
        self.trusted = tuple(ipaddress.ip_network(n) for n in self.cfg.trusted_networks)
        self.draining = False

    async def handle_EHLO(self, server: SMTP, session: Session, envelope: Envelope,
                          hostname: str, responses: list[str]) -> list[str]:
        session.host_name = hostname
        if self.users is None:  # aiosmtpd would advertise AUTH that can never succeed
            responses = [r for r in responses if not r.startswith("250-AUTH")]
        return responses

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, mail_options: list[str]) -> str:
        if self.draining:
            _hang_up_after_reply(server)
            return SHUTTING_DOWN
        if self.users is not None and not session.authenticated and not self._trusted(session):
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        if len(envelope.rcpt_tos) >= self.cfg.max_recipients:
            return "452 4.5.3 Too many recipients"
        if not self.recipients.accepts(address):
            return "550 5.1.1 Recipient address rejected: no such mailbox here"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        status = await self._store(session, envelope)
        count = len(envelope.rcpt_tos) if self.cfg.lmtp else 1
        return "\r\n".join([status] * count)  # LMTP: one reply per recipient

    async def handle_exception(self, error: Exception) -> str:
        log.error("SMTP session error: %r", error, exc_info=error)
        return "451 4.3.0 Internal error, try again later"

    async def _store(self, session: Session, envelope: Envelope) -> str:
        delivery = Delivery(
            raw=envelope.original_content or b"",
            envelope_from="" if envelope.mail_from == "<>" else envelope.mail_from,  # bounce
            envelope_to=tuple(envelope.rcpt_tos),
            source="lmtp" if self.cfg.lmtp else "smtp",
            source_ref=_describe_peer(session),
        )
        try:
            stored: Stored = await asyncio.wrap_future(self.writer.submit(delivery))
        except TransientError as exc:
            log.warning("451 to %s: %s", delivery.source_ref, exc)
            return TEMPFAIL
        except Exception:  # our bug must not bounce mail: the sender retries
            log.exception("451 to %s: unexpected error while storing", delivery.source_ref)
            return TEMPFAIL
        log.info("stored inbox=%s duplicate=%s from=%s to=%s size=%d peer=%s",
                 stored.inbox_id, stored.duplicate, delivery.envelope_from,
                 ",".join(delivery.envelope_to), len(delivery.raw), delivery.source_ref)
        return f"250 2.0.0 OK: stored as inbox #{stored.inbox_id}"

    def _trusted(self, session: Session) -> bool:
        peer = session.peer
        if not isinstance(peer, tuple) or not peer:
            return True  # a unix socket: only local processes reach it
        try:
            ip = ipaddress.ip_address(str(peer[0]).split("%", 1)[0])
        except ValueError:
            return False
        return any(ip in net for net in self.trusted)

    def authenticate(self, server: SMTP, session: Session, envelope: Envelope,
                     mechanism: str, auth_data: Any) -> AuthResult:
        if self.users is None or not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        ok = self.users.check(auth_data.login.decode("utf-8", "replace"), auth_data.password)
        return AuthResult(success=ok, handled=False, auth_data=auth_data.login if ok else None)


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


# ---------------------------------------------------------------- protocol


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


class _Refuse(asyncio.Protocol):
    """Greets with a 421 and hangs up: shutting down, or too many sessions."""

    def __init__(self, reply: str) -> None:
        self._reply = reply.encode() + b"\r\n"

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if isinstance(transport, asyncio.WriteTransport):
            transport.write(self._reply)
        transport.close()


# ---------------------------------------------------------------- listener


class SmtpListener:
    """The listening socket and its event loop, in a thread of their own.

    ``stop`` is the graceful stop: new connections get ``421``, sessions in a
    mail transaction finish it (their ``250`` still waits for the commit),
    idle ones are told ``421`` and closed, and after ``grace`` seconds whatever
    is left is cut off: a message without a ``250`` is resent by its sender.
    """

    def __init__(self, settings: Settings, writer: InboxWriter, *,
                 hostname: str | None = None) -> None:
        self.cfg = settings.smtp
        users = (load_users(self.cfg.auth_users_file, settings.source)
                 if self.cfg.auth_users_file else None)
        self.handler = GatewayHandler(settings, writer, users)
        self._tls = tls_context(self.cfg)
        self._hostname = hostname or socket.getfqdn()  # once, not per connection
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="smtp-listener",
                                        daemon=True)
        self._server: asyncio.Server | None = None
        self._sessions: set[GatewaySMTP] = set()

    @property
    def address(self) -> tuple[str, int] | str:
        """Where it listens: (host, port) with the real port when 0 was asked, or a path."""
        assert self._server is not None and self._server.sockets
        name = self._server.sockets[0].getsockname()
        return name if isinstance(name, str) else (str(name[0]), int(name[1]))

    @property
    def port(self) -> int:
        address = self.address
        return address[1] if isinstance(address, tuple) else 0

    def start(self, timeout: float = 10.0) -> None:
        """Bind (raises OSError when the port is taken) and serve in the background."""
        self._thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self._open(), self._loop).result(timeout)
        except BaseException:
            self._close_loop()
            raise
        log.info("%s listening on %s", "LMTP" if self.cfg.lmtp else "SMTP", self.address)

    def alive(self) -> bool:
        """For the watchdog: the event loop still runs (a dead one takes no mail)."""
        return self._thread.is_alive() and self._loop.is_running()

    def stop(self, grace: float = 10.0) -> None:
        if not self._thread.is_alive():
            return
        try:
            asyncio.run_coroutine_threadsafe(self._drain(grace), self._loop).result(grace + 5)
        finally:
            self._close_loop()

    async def _open(self) -> None:
        if self.cfg.host.startswith("/"):
            self._server = await self._loop.create_unix_server(self._protocol, self.cfg.host)
        else:
            self._server = await self._loop.create_server(
                self._protocol, self.cfg.host, self.cfg.port, reuse_address=True)

    def _protocol(self) -> asyncio.BaseProtocol:
        if self.handler.draining:
            return _Refuse(SHUTTING_DOWN)
        if len(self._sessions) >= self.cfg.max_sessions:
            log.warning("refusing a connection: %d sessions open", len(self._sessions))
            return _Refuse(TOO_BUSY)
        session = (GatewayLMTP if self.cfg.lmtp else GatewaySMTP)(
            self.handler,
            data_size_limit=self.cfg.max_message_size,
            enable_SMTPUTF8=True,
            hostname=self._hostname,
            ident=IDENT,
            tls_context=self._tls,
            require_starttls=self.cfg.require_tls,
            timeout=self.cfg.session_timeout.total_seconds(),
            authenticator=self.handler.authenticate if self.handler.users is not None else None,
            command_call_limit=CALL_LIMITS,
            loop=self._loop,
        )
        session.on_lost = self._sessions.discard
        self._sessions.add(session)
        return session

    async def _drain(self, grace: float) -> None:
        self.handler.draining = True
        deadline = self._loop.time() + grace
        while self._sessions and self._loop.time() < deadline:
            for session in [s for s in self._sessions if not s.in_transaction]:
                _say_goodbye(session)
            await asyncio.sleep(0.05)
        for session in list(self._sessions):
            if session.transport is not None:
                session.transport.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        if self.cfg.host.startswith("/"):
            Path(self.cfg.host).unlink(missing_ok=True)

    def _close_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        if not self._thread.is_alive():
            self._loop.close()


def _say_goodbye(session: GatewaySMTP) -> None:
    """An idle session is told 421 and closed: RFC 5321 4.2.2 allows it at shutdown."""
    transport = session.transport
    if isinstance(transport, asyncio.WriteTransport) and not transport.is_closing():
        transport.write(SHUTTING_DOWN.encode() + b"\r\n")
        transport.close()
