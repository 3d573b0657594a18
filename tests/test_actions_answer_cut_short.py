"""A 2xx whose body never arrives whole is no success: a body sent a byte now and then
past the timeout, or a connection closed before the Content-Length's bytes came, is
tried again as an answer cut off in chunks is, never recorded as a whole answer (its
JSON, short of its end, would be the success mail's ``result``). A real socket server
of our own writes exactly the bytes each case needs."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator

import pytest

from gateway.actions.outcome import Verdict
from gateway.actions.webhook import deliver
from gateway.core.proxies import ProxySetting
from tests.support.raw_http import Script, raw_targets

BODY = b'{"account": "taro", "ok": true}'
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
TIMEOUT = 1.0
# the trickled body: the JSON and blanks after it, a byte every 0.2 s (each read well
# within the timeout), 30 s in all, so that the whole answer's limit is what ends it
TRICKLED = BODY + b" " * 119


def _trickle(conn: socket.socket) -> None:
    """The whole Content-Length announced, then a byte every 0.2s: 30s for the body."""
    conn.sendall(HEAD + b"Content-Length: %d\r\n\r\n" % len(TRICKLED))
    for byte in TRICKLED:
        conn.sendall(bytes([byte]))
        time.sleep(0.2)


def _short(conn: socket.socket) -> None:
    """Half the announced body, then the close."""
    conn.sendall(HEAD + b"Content-Length: %d\r\n\r\n" % len(BODY) + BODY[: len(BODY) // 2])


@pytest.fixture
def server() -> Iterator[Callable[[Script], str]]:
    with raw_targets() as start:
        yield start


@pytest.mark.parametrize(("script", "error"), [(_trickle, "no answer"), (_short, "connection")])
def test_a_2xx_whose_body_is_cut_short_is_tried_again(
    server: Callable[[Script], str], script: Script, error: str
) -> None:
    started = time.monotonic()
    attempt = deliver(
        server(script),
        b"{}",
        secret=b"hook-secret-0123456789",
        key="k-1",
        timeout=TIMEOUT,
        limit=4096,
        proxies=ProxySetting(""),
    )
    assert attempt.verdict == Verdict.TEMPORARY, (attempt.verdict, attempt.output)
    assert error in str(attempt.error)
    # cut at the timeout, not the body's 30 s: the bound between the two leaves a loaded
    # machine (pytest -n 4 on two cores) its seconds
    assert time.monotonic() - started < TIMEOUT + 10
