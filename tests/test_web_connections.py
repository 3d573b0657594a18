"""Connections to the pages are file descriptors the mail listener shares: how long one
may be held without a request, and how many one client may hold. Against the daemon's
own server (:class:`gateway.web.server.WebServer`) with raw sockets."""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.web.server import WebServer
from tests.support.config import LOCAL, config_error, load_toml
from tests.support.databases import sqlite_only
from tests.support.waiting import PATIENCE
from tests.support.web import rig

HEAD_WITHIN = timedelta(seconds=0.4)
IDLE = timedelta(seconds=0.6)
# seconds past a timer's end by which the server has closed: its failure is an hour
# (aiohttp's keep-alive), and a loaded machine (pytest -n 4 on two cores) is slow by
# seconds, so the bound between the two is generous
LATE = 10.0
GET = b"GET /static/web.css HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


@contextmanager
def _server(settings: Settings, clock: FakeClock, **web: object) -> Iterator[int]:
    """The daemon's web server on a free loopback port (listening on every loopback
    address, so that a client from 127.0.0.2 is another client); its port."""
    with rig(settings, clock, head_timeout=HEAD_WITHIN, idle_timeout=IDLE, **web) as r:
        server = WebServer(replace(r.ctx), "127.0.0.1", 0)
        server.start()
        try:
            yield server.port
        finally:
            server.stop()


def _connect(port: int, source: str = "127.0.0.1") -> socket.socket:
    # the socket's timeout ends a failing wait only (PATIENCE): never a passing one
    conn = socket.create_connection(
        ("127.0.0.1", port), timeout=PATIENCE, source_address=(source, 0)
    )
    return conn


def _closed_after(conn: socket.socket) -> float:
    """Seconds until the server closes ``conn`` (what it writes is read away); a
    ``TimeoutError`` when it keeps it past the socket's timeout."""
    started = time.monotonic()
    while conn.recv(65_536):
        pass
    return time.monotonic() - started


def _answer(conn: socket.socket) -> bytes:
    """One whole answer to :data:`GET` (its length read from Content-Length)."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(65_536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += conn.recv(65_536)
    return head


def _recv_or_none(conn: socket.socket) -> bytes | None:
    """What the server wrote and nobody read, b"" when it closed, None when neither."""
    if not select.select([conn], [], [], 0)[0]:
        return None
    try:
        return conn.recv(1, socket.MSG_PEEK)
    except ConnectionResetError:
        return b""


@sqlite_only
@pytest.mark.parametrize("sent", [b"", b"GET /bo", b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"])
def test_a_request_head_that_does_not_come_whole_in_time_closes_the_connection(
    settings: Settings, clock: FakeClock, sent: bytes
) -> None:
    """Nothing, half a request line, a head without its blank line: aiohttp kept each
    connection for its keep-alive default, an hour, one file descriptor each."""
    with _server(settings, clock) as port, _connect(port) as conn:
        conn.sendall(sent)
        took = _closed_after(conn)
    assert took < HEAD_WITHIN.total_seconds() + LATE


@sqlite_only
def test_a_head_sent_a_byte_at_a_time_is_bounded_too(settings: Settings, clock: FakeClock) -> None:
    """Slowloris: a header that grows by a byte now and then, never ending; each byte
    in time restarted no clock, and the head as a whole has ``head_timeout``."""
    with _server(settings, clock) as port, _connect(port) as conn:
        conn.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        started = time.monotonic()
        while time.monotonic() - started < 3 * LATE:  # a byte in time restarted the clock
            try:
                conn.sendall(b"a")
            except OSError:  # reset or a broken pipe: closed
                break
            if _recv_or_none(conn) is not None:  # b"": closed
                break
            time.sleep(0.05)
        took = time.monotonic() - started
    assert took < HEAD_WITHIN.total_seconds() + LATE


@sqlite_only
def test_an_idle_kept_alive_connection_is_closed_after_idle_timeout(
    settings: Settings, clock: FakeClock
) -> None:
    """After an answer the connection waits for the next request ``idle_timeout``,
    not an hour; a slow page is not cut by ``head_timeout`` (the answer came whole)."""
    with _server(settings, clock) as port, _connect(port) as conn:
        conn.sendall(GET)
        assert _answer(conn).startswith(b"HTTP/1.1 200")
        took = _closed_after(conn)
    assert HEAD_WITHIN.total_seconds() - 0.1 < took < IDLE.total_seconds() + LATE


@sqlite_only
def test_a_client_holds_no_more_connections_than_connections_per_client(
    settings: Settings, clock: FakeClock
) -> None:
    """One address could open every file descriptor the process has (the mail
    listener's too). Past ``connections_per_client`` a new one is closed at once; one
    closed makes room; another address, and a proxy on this machine (127.0.0.1, whose
    X-Forwarded-For names the client), are not counted with it."""
    with _server(settings, clock, connections_per_client=2) as port, ExitStack() as held:
        first = held.enter_context(_connect(port, "127.0.0.2"))
        held.enter_context(_connect(port, "127.0.0.2"))
        with _connect(port, "127.0.0.2") as third:
            assert _closed_after(third) < LATE  # closed at once, not kept (PATIENCE)
        others = [held.enter_context(_connect(port, "127.0.0.3")) for _ in range(2)]
        proxied = [held.enter_context(_connect(port)) for _ in range(4)]
        time.sleep(0.1)
        assert all(_recv_or_none(c) is None for c in [first, *others, *proxied])
        first.close()
        time.sleep(0.1)
        with _connect(port, "127.0.0.2") as again:
            again.sendall(GET)
            assert _answer(again).startswith(b"HTTP/1.1 200")


def test_the_connection_limits_are_read_from_web(tmp_path: Path) -> None:
    """The three limits are ``[web]`` keys, with defaults that work behind a proxy."""
    written = load_toml(
        tmp_path,
        LOCAL,
        '[web]\nhead_timeout = "10s"\nidle_timeout = "5m"\nconnections_per_client = 8',
    ).web
    assert (written.head_timeout, written.idle_timeout, written.connections_per_client) == (
        timedelta(seconds=10),
        timedelta(minutes=5),
        8,
    )
    default = load_toml(tmp_path, LOCAL, "[web]").web
    assert default.idle_timeout > timedelta(minutes=2)  # Caddy's idle time; nginx's is 60s
    assert "connections_per_client" in str(
        config_error(tmp_path, LOCAL, "[web]\nconnections_per_client = 0")
    )


@sqlite_only
def test_a_body_slower_than_head_timeout_is_read_whole(
    settings: Settings, clock: FakeClock
) -> None:
    """``head_timeout`` is the head's alone: a form whose body comes in slowly after a
    whole head (a phone's upload) is answered, not cut off."""
    body = b"email=ops%40example.test&csrf=" + b"0" * 40
    head = (
        b"POST /sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
    )
    with _server(settings, clock) as port, _connect(port) as conn:
        conn.sendall(head)
        for at in range(0, len(body), 20):
            time.sleep(0.25)
            conn.sendall(body[at : at + 20])
        answer = conn.recv(65_536)
    assert answer.startswith(b"HTTP/1.1 403")  # read whole: the CSRF check answered
