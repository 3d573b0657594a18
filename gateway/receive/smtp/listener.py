"""The SMTP/LMTP listener: accept mail durably, refuse what is not ours.

The listening socket and its own event loop run in a thread beside the
daemon's others; each connection gets a :class:`~.protocol.GatewaySMTP` (or
LMTP) session that asks :class:`~.handler.GatewayHandler` what to answer.
This module owns what spans sessions: the TLS context, the session count and
its ceiling, and the graceful stop that lets a mail transaction finish.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import ssl
from collections import Counter
from pathlib import Path

from gateway.config.settings import Settings, SmtpSettings
from gateway.core.hosts import client_of
from gateway.core.loop_thread import LoopThread, stop_accepting
from gateway.receive.smtp.auth import load_users
from gateway.receive.smtp.handler import GatewayHandler
from gateway.receive.smtp.limits import session_limits
from gateway.receive.smtp.protocol import (
    SHUTTING_DOWN,
    TOO_BUSY,
    TOO_BUSY_FROM_YOU,
    GatewayLMTP,
    GatewaySMTP,
    Refuse,
    say_goodbye,
)
from gateway.receive.writer import InboxWriter

log = logging.getLogger("gateway.receive.smtp")

IDENT = "ticket-gateway"
SOCKET_MODE = 0o666  # a unix socket (LMTP from Postfix): see _open


def tls_context(cfg: SmtpSettings) -> ssl.SSLContext | None:
    """STARTTLS when both files are configured (TLS 1.2 at least), else none."""
    if cfg.tls_cert is None or cfg.tls_key is None:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cfg.tls_cert, cfg.tls_key)
    return context


class SmtpListener:
    """The listening socket and its event loop, in a thread of their own.

    ``stop`` is the graceful stop: new connections get ``421``, sessions in a
    mail transaction finish it (their ``250`` still waits for the commit),
    idle ones are told ``421`` and closed, and after ``grace`` seconds whatever
    is left is cut off: a message without a ``250`` is resent by its sender.
    """

    def __init__(
        self, settings: Settings, writer: InboxWriter, *, hostname: str | None = None
    ) -> None:
        self.cfg = settings.smtp
        users = (
            load_users(self.cfg.auth_users_file, settings.source)
            if self.cfg.auth_users_file
            else None
        )
        self.handler = GatewayHandler(settings, writer, users)
        self._tls = tls_context(self.cfg)
        self._hostname = hostname or socket.getfqdn()  # once, not per connection
        self._background = LoopThread("smtp-listener", "LMTP" if self.cfg.lmtp else "SMTP")
        self._loop, self._thread = self._background.loop, self._background.thread
        self._server: asyncio.Server | None = None
        self._sessions: set[GatewaySMTP] = set()
        self._per_client: Counter[str] = Counter()  # open sessions by peer address
        self._client_of: dict[GatewaySMTP, str] = {}

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
        self._background.start(self._open(), timeout)
        log.info("%s listening on %s", "LMTP" if self.cfg.lmtp else "SMTP", self.address)

    def alive(self) -> bool:
        """For the watchdog: the event loop still runs (a dead one takes no mail)."""
        return self._background.alive()

    def stop(self, grace: float = 10.0) -> None:
        if not self._thread.is_alive():
            return
        try:
            asyncio.run_coroutine_threadsafe(self._drain(grace), self._loop).result(grace + 5)
        finally:
            self._background.close()

    async def _open(self) -> None:
        if self.cfg.host.startswith("/"):
            self._server = await self._loop.create_unix_server(self._protocol, self.cfg.host)
            # for the MTA's own user (Postfix's lmtp runs as postfix), whatever our umask
            # (the unit's is 0077): who may connect is the folder's business, as for
            # Dovecot's LMTP socket
            os.chmod(self.cfg.host, SOCKET_MODE)
        else:
            self._server = await self._loop.create_server(
                self._protocol, self.cfg.host, self.cfg.port, reuse_address=True
            )

    def _protocol(self) -> asyncio.BaseProtocol:
        if self.handler.draining:
            return Refuse(SHUTTING_DOWN)
        if len(self._sessions) >= self.cfg.max_sessions:
            log.warning("refusing a connection: %d sessions open", len(self._sessions))
            return Refuse(TOO_BUSY)
        session = (GatewayLMTP if self.cfg.lmtp else GatewaySMTP)(
            self.handler,
            enable_SMTPUTF8=True,
            hostname=self._hostname,
            ident=IDENT,
            tls_context=self._tls,
            require_starttls=self.cfg.require_tls,
            authenticator=self.handler.authenticate if self.handler.users is not None else None,
            loop=self._loop,
            **session_limits(self.cfg),  # every cap of a session: see limits
        )
        session.on_lost = self._lost
        session.admit = self._admit
        self._sessions.add(session)
        return session

    def _admit(self, session: GatewaySMTP) -> str | None:
        """One address may hold ``max_sessions_per_client`` sessions; a unix socket (only
        local processes reach it: Postfix's LMTP) is not capped. None: welcome."""
        peer = session.session.peer if session.session is not None else None
        if not isinstance(peer, tuple) or not peer:
            return None
        client = client_of(str(peer[0]))
        if self._per_client[client] >= self.cfg.max_sessions_per_client:
            log.warning(
                "refusing a connection from %s: %d sessions open", client, self._per_client[client]
            )
            return TOO_BUSY_FROM_YOU
        self._per_client[client] += 1
        self._client_of[session] = client
        return None

    def _lost(self, session: GatewaySMTP) -> None:
        self._sessions.discard(session)
        client = self._client_of.pop(session, None)
        if client is not None:
            self._per_client[client] -= 1
            if self._per_client[client] <= 0:
                del self._per_client[client]

    async def _drain(self, grace: float) -> None:
        self.handler.draining = True
        deadline = self._loop.time() + grace
        while self._sessions and self._loop.time() < deadline:
            for session in [s for s in self._sessions if not s.in_transaction]:
                say_goodbye(session)
            await asyncio.sleep(0.05)
        # a connection accepted just before the close is a session only a turn later: the
        # port closed first, it is one of those closed below (else its socket stayed open)
        await stop_accepting(self._server)
        for session in list(self._sessions):
            if session.transport is not None:
                session.transport.close()
        if self._server is not None:
            await self._server.wait_closed()
        if self.cfg.host.startswith("/"):
            Path(self.cfg.host).unlink(missing_ok=True)
