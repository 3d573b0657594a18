"""A mailbox connection whose link dies silently is found out while it idles.

The poller waits in IDLE for up to 5 minutes (``IDLE_RENEW``) without a word from
the server. A firewall or NAT that forgets an idle connection sooner (Azure's load
balancer after 4 minutes, AWS's NAT gateway after 350 seconds) or a server that
vanished leaves no trace on the socket: without keepalives, each renewal then waited
out ``timeout`` and logged an error, and mail that came meanwhile waited for it. TCP
keepalives keep such a mapping alive and find a dead link within two minutes. Read
back from the kernel, on a connection to the real Dovecot of the other IMAP tests.
"""

from __future__ import annotations

import socket

import pytest

from gateway.receive.imap import ImapPoller
from gateway.receive.imap.poller import IDLE_RENEW
from gateway.runtime.app import App
from tests.support.databases import sqlite_only
from tests.support.dovecot import Dovecot

NAT_FORGETS_AFTER = 240  # seconds: the shortest idle timeout of the common clouds


@sqlite_only
@pytest.mark.parametrize("tls", ["implicit", "starttls"])
def test_an_idle_connection_is_kept_alive_and_a_dead_one_found(
    app: App, dovecot: Dovecot, tls: str
) -> None:
    p = ImapPoller(
        dovecot.account(dovecot.add_user(), tls=tls), app.settings, app.sessions, app.clock
    )
    try:
        p.poll_once()
        assert p._client is not None
        sock = p._client.socket()
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
        idle = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE)
        interval = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL)
        count = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT)
    finally:
        p.close()
    assert idle < NAT_FORGETS_AFTER  # a probe before the mapping is forgotten
    assert idle + interval * count <= 120 < IDLE_RENEW.total_seconds()
