"""Every connection the gateway makes to PostgreSQL finds a link that died silently
(packets dropped, no RST) within a minute: libpq's keepalives and TCP_USER_TIMEOUT
are set on the socket, read back here from the kernel, unless the URL sets its own,
which win. (That a dead link then answers 451 is tests/test_smtp.py's outage test.)
The server's side, tcp_keepalives_*, read back with SHOW: every connection too."""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

from sqlalchemy import Connection, make_url, text

from gateway.receive.mailbox_lock import exclusive
from store.db import lock_holder_engine, make_engine
from store.row_claims import RowClaims
from tests.support.databases import postgres_only
from tests.support.waiting import PATIENCE

MINUTE_MS = 60_000


class Tcp(NamedTuple):
    """A socket's TCP settings, as the kernel has them."""

    keepalive: int
    idle: int  # s of silence before the first probe
    interval: int  # s between probes
    count: int  # unanswered probes that end the connection
    user_timeout: int  # ms sent data may stay unacknowledged (0: the kernel's ~15 minutes)

    @property
    def silent_loss_found_in_ms(self) -> int:
        """The longest a dead link goes unnoticed: idle (keepalives) or sending."""
        probing = (self.idle + self.interval * self.count) * 1000 if self.keepalive else 1 << 40
        return max(probing, self.user_timeout or 1 << 40)


def _tcp(sock: socket.socket) -> Tcp:
    return Tcp(
        sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE),
        sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
        sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL),
        sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT),
        sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT),
    )


def _sockets_to(port: int) -> dict[tuple[str, int], Tcp]:
    """Every TCP connection of this process to ``port``, by its local address."""
    found = {}
    for name in os.listdir("/proc/self/fd"):
        try:
            sock = socket.socket(fileno=os.dup(int(name)))
        except OSError:
            continue  # not a socket (or gone meanwhile)
        try:
            tcp = sock.type == socket.SOCK_STREAM and sock.family == socket.AF_INET
            if tcp and sock.getpeername()[1] == port:
                found[sock.getsockname()] = _tcp(sock)
        except OSError:
            pass  # not connected
        finally:
            sock.close()  # the copy only
    return found


@contextmanager
def _mailbox_lock_held(url: str) -> Iterator[None]:
    """An IMAP poller's mailbox lock taken, on its own connection, while inside."""
    engine = make_engine(url)
    held, stop = threading.Event(), threading.Event()

    def poll(stopping: threading.Event) -> None:
        held.set()
        stopping.wait()

    # an account of this test's own: the mailbox lock is the whole database's, and other
    # runs on the same server (pytest -n, a second checkout) may hold theirs meanwhile
    account = f"acct-{uuid.uuid4().hex}"
    serving = threading.Thread(target=exclusive(engine, account, poll), args=(stop,))
    serving.start()
    try:
        assert held.wait(PATIENCE)
        yield
    finally:
        stop.set()
        serving.join(PATIENCE)
        engine.dispose()
    assert not serving.is_alive()


@postgres_only
def test_every_connection_to_postgres_finds_a_silent_loss_within_a_minute(db_url: str) -> None:
    """The pool's (the inbox writer, the runner, the pages), a runner's row locks and a
    poller's mailbox lock: each on a connection of its own."""
    port = make_url(db_url).port or 5432
    before = set(_sockets_to(port))
    engine = make_engine(db_url)
    claims = RowClaims(engine)
    try:
        with engine.connect() as conn, _mailbox_lock_held(db_url):
            conn.execute(text("SELECT 1"))
            assert claims.take([1], 1) == [1]
            ours = {k: v for k, v in _sockets_to(port).items() if k not in before}
    finally:
        claims.close()
        engine.dispose()
    assert len(ours) == 3
    for tcp in ours.values():
        assert tcp.keepalive == 1
        assert tcp.silent_loss_found_in_ms < MINUTE_MS, tcp


@postgres_only
def test_a_urls_own_keepalive_settings_win(db_url: str) -> None:
    port = make_url(db_url).port or 5432
    before = set(_sockets_to(port))
    sep = "&" if "?" in db_url else "?"
    engine = make_engine(f"{db_url}{sep}keepalives_idle=120&tcp_user_timeout=0")
    try:
        with engine.connect() as conn:
            given = conn.connection.dbapi_connection.info.get_parameters()
            [tcp] = [v for k, v in _sockets_to(port).items() if k not in before]
    finally:
        engine.dispose()
    assert (given["keepalives_idle"], given["tcp_user_timeout"]) == ("120", "0")
    assert (tcp.idle, tcp.user_timeout) == (120, 0)  # the URL's
    assert tcp.interval * tcp.count < 60  # and ours where it says nothing


# The server's side: a backend whose client's machine vanished (no FIN) keeps its
# transaction, its row locks (FOR UPDATE) and its advisory locks until it finds out.
SERVER_KEEPALIVES = "tcp_keepalives_idle", "tcp_keepalives_interval", "tcp_keepalives_count"


def _server_keepalives(conn: Connection) -> dict[str, int]:
    return {
        name: int(conn.execute(text(f"SHOW {name}")).scalar_one()) for name in SERVER_KEEPALIVES
    }


def _with_options(url: str, extra: str) -> str:
    """``url`` with ``extra`` added to its ``options`` (the tests' URLs set search_path)."""
    parsed = make_url(url)
    options = " ".join(filter(None, [str(parsed.query.get("options", "")), extra]))
    return parsed.update_query_dict({"options": options}).render_as_string(hide_password=False)


@postgres_only
def test_the_server_finds_a_vanished_client_within_a_minute_on_every_connection(
    db_url: str,
) -> None:
    """The pool's connections hold row locks (FOR UPDATE) too, not only the lock holders'."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as pooled, lock_holder_engine(engine).connect() as holder:
            seen = [_server_keepalives(pooled), _server_keepalives(holder)]
    finally:
        engine.dispose()
    for found in seen:
        idle, interval, count = (found[name] for name in SERVER_KEEPALIVES)
        assert idle > 0 and interval > 0 and count > 0, found
        assert idle + interval * count <= 60, found


@postgres_only
def test_a_urls_own_options_are_kept_and_its_server_keepalives_win(db_url: str) -> None:
    url = _with_options(db_url, "-c statement_timeout=5000 -c tcp_keepalives_idle=120")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            found = _server_keepalives(conn)
            timeout = conn.execute(text("SHOW statement_timeout")).scalar_one()
            path = conn.execute(text("SHOW search_path")).scalar_one()
    finally:
        engine.dispose()
    assert timeout == "5s"
    assert path == make_url(db_url).query["options"].split("=", 1)[1]  # the test's schema
    assert found["tcp_keepalives_idle"] == 120  # the URL's
    assert found["tcp_keepalives_interval"] * found["tcp_keepalives_count"] < 60  # ours
