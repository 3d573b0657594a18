"""Who may hold a connection to the pages, and for how long without a request.

A connection is a file descriptor of the daemon's, the mail listener's as much as the
pages'. aiohttp keeps one that sends nothing, or half a request line, for its
keep-alive time (an hour), and lets one address open as many as it likes: a single
client could hold every descriptor the process has. So:

- a request's head (its line and headers) must come whole within ``[web] head_timeout``
  of the connection's opening, or of its first byte on a kept-alive connection,
  however slowly it trickles in (a byte in time restarts no clock);
- between requests a connection waits ``[web] idle_timeout`` (aiohttp's keep-alive,
  set by :mod:`gateway.web.server`);
- one client (an address; an IPv6 /64, handed whole to one customer line or server)
  holds at most ``[web] connections_per_client`` at once; the next
  is closed unanswered, as nginx's ``limit_conn`` refuses. A reverse proxy on this
  machine (127.0.0.1, ::1: whose ``X-Forwarded-For`` names the client, as
  :func:`gateway.web.guard.client_ip` reads it) is not counted: its connections carry
  everyone's requests, and its own limits apply per client before ours.

The body's time is :func:`gateway.web.guard._sent_token`'s (``body_within``).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from gateway.core.hosts import client_of

log = logging.getLogger("gateway.web")

# The peers whose connections are not counted per client: a reverse proxy on this
# machine (the addresses guard.client_ip reads X-Forwarded-For behind).
PROXY_PEERS = frozenset({"127.0.0.1", "::1"})


def peer_of(transport: asyncio.BaseTransport) -> str:
    """The client address of a connection ("" when the socket has none: a Unix one)."""
    name = transport.get_extra_info("peername")
    return str(name[0]) if isinstance(name, tuple) and name else ""


@dataclass
class Doorman:
    """The connection rules of one server, kept on its event loop's thread only.
    Keyed by the connection's handler (aiohttp's ``RequestHandler``, whose slots hold
    no room of ours)."""

    head_within: float  # seconds
    per_client: int
    held: Counter[str] = field(default_factory=Counter)
    _peers: dict[Any, str] = field(default_factory=dict)
    _heads: dict[Any, asyncio.TimerHandle] = field(default_factory=dict)

    def admit(self, conn: Any, peer: str) -> bool:
        """Count a new connection from ``peer``; False when its client (the address, an
        IPv6 peer's /64: :func:`gateway.core.hosts.client_of`) holds :attr:`per_client`
        already (the caller closes it)."""
        if peer not in PROXY_PEERS:
            client = client_of(peer)
            if self.held[client] >= self.per_client:
                log.warning(
                    "web: %s holds %d connections already: one more refused",
                    client,
                    self.per_client,
                )
                return False
            self.held[client] += 1
        self._peers[conn] = peer
        return True

    def wait_for_head(self, conn: Any, loop: asyncio.AbstractEventLoop) -> None:
        """Start the head's clock, unless it runs: at the connection's opening, or at the
        first byte of a kept-alive connection's next request."""
        if conn not in self._heads and conn in self._peers:
            self._heads[conn] = loop.call_later(self.head_within, self._late, conn)

    def head_came(self, conn: Any) -> None:
        """A whole head was read: its clock stops (the body has its own)."""
        timer = self._heads.pop(conn, None)
        if timer is not None:
            timer.cancel()

    def _late(self, conn: Any) -> None:
        self._heads.pop(conn, None)
        log.info("web: no whole request from %s in time: closed", self._peers.get(conn, "?"))
        conn.force_close()

    def left(self, conn: Any) -> None:
        """The connection closed, whoever closed it: its count and clock go."""
        self.head_came(conn)
        peer = self._peers.pop(conn, None)
        if peer is not None and peer not in PROXY_PEERS:
            client = client_of(peer)
            self.held[client] -= 1
            if self.held[client] <= 0:
                del self.held[client]
