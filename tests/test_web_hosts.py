"""The pages answer only under the addresses that are theirs: DNS rebinding (a page of
``rebind.evil.test``, whose name is then pointed at the gateway's address, reading our
answers as its own origin, from inside the network or this very machine) gets a 421.
Theirs: ``base_url``'s host, ``localhost``, any IP address written as such (no name
was looked up), and a request with no ``Host`` at all (no browser sends that)."""

from __future__ import annotations

import socket
from dataclasses import replace

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.web.server import WebServer
from tests.support.databases import sqlite_only
from tests.support.web import rig


def _status(port: int, host: str | None) -> bytes:
    said = f"HTTP/1.1\r\nHost: {host}\r\n" if host is not None else "HTTP/1.0\r\n"
    asked = f"GET / {said}Connection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(asked.encode())
        data = b""
        while chunk := conn.recv(65_536):
            data += chunk
    return data.split(b" ", 2)[1]


@sqlite_only
@pytest.mark.parametrize("base_url", ["https://help.example.test", ""])
def test_only_our_host_names_are_answered(
    settings: Settings, clock: FakeClock, base_url: str
) -> None:
    web = {"base_url": base_url} if base_url else {}
    with rig(settings, clock, **web) as r:
        server = WebServer(replace(r.ctx), "127.0.0.1", 0)
        server.start()
        try:
            port = server.port
            hosts = [
                "help.example.test",
                "HELP.example.test.",
                f"help.example.test:{port}",
                "rebind.evil.test",
                f"rebind.evil.test:{port}",
                "localhost",
                f"127.0.0.1:{port}",
                "[::1]:8080",
                "192.0.2.10",
                None,
            ]
            seen = {h: _status(port, h) for h in hosts}
        finally:
            server.stop()
    ours = b"200" if base_url else b"421"
    assert seen == {
        "help.example.test": ours,
        "HELP.example.test.": ours,
        f"help.example.test:{port}": ours,
        "rebind.evil.test": b"421",
        f"rebind.evil.test:{port}": b"421",
        "localhost": b"200",
        f"127.0.0.1:{port}": b"200",
        "[::1]:8080": b"200",
        "192.0.2.10": b"200",
        None: b"200",
    }
