"""Answers only a server that does not follow the rules sends, from a target of our own
that writes the bytes. Interim answers (1xx: ``102 Processing`` from a slow WebDAV-style
backend, ``103 Early Hints`` from a CDN in front of the receiver) come before the final
answer on the same connection; the final one is what the attempt ended in (RFC 9110
§15.2: a client reads past them). A Retry-After said twice is read once."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest

from gateway.actions import failures
from gateway.actions.outcome import Verdict
from gateway.actions.webhook import deliver
from gateway.core.proxies import ProxySetting
from tests.support.raw_http import Script, raw_targets
from tests.support.waiting import PATIENCE

FINAL = (
    b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok": "1"}'
)
EARLY = b"HTTP/1.1 103 Early Hints\r\nLink: </app.css>; rel=preload\r\n\r\n"
PROCESSING = b"HTTP/1.1 102 Processing\r\n\r\n"


@pytest.fixture
def server() -> Iterator[Callable[[Script], str]]:
    with raw_targets() as start:
        yield start


def _sends(data: bytes) -> Script:
    def script(conn: socket.socket) -> None:
        conn.sendall(data)

    return script


@pytest.mark.parametrize("interim", [EARLY, PROCESSING, PROCESSING * 3 + EARLY])
def test_interim_answers_are_read_past_to_the_final_one(
    server: Callable[[Script], str], interim: bytes
) -> None:
    attempt = deliver(
        server(_sends(interim + FINAL)),
        b"{}",
        secret=b"hook-secret-0123456789",
        key="k-1",
        timeout=PATIENCE,  # the final answer comes at once: only a failure waits this long
        limit=4096,
        proxies=ProxySetting(""),
    )
    assert (attempt.verdict, attempt.status) == (Verdict.OK, 200), attempt.error
    assert attempt.values() == {"ok": "1"}


def test_interim_answers_without_end_are_cut_at_the_timeout(
    server: Callable[[Script], str],
) -> None:
    def forever(conn: socket.socket) -> None:
        while True:
            conn.sendall(PROCESSING)

    attempt = deliver(
        server(forever),
        b"{}",
        secret=b"hook-secret-0123456789",
        key="k-1",
        timeout=1,
        limit=4096,
        proxies=ProxySetting(""),
    )
    assert attempt.verdict == Verdict.TEMPORARY and attempt.status is None, attempt.error
    # cut by the deadline (said so), not by the target: it would send interim answers on
    assert attempt.error == failures.no_answer(1)


def test_a_retry_after_said_twice_is_read_once(server: Callable[[Script], str]) -> None:
    """A proxy in front of a rate-limited target may add its own Retry-After beside the
    target's: http.client joins them (``120, 120``), which is no number; the first is
    what was asked, not nothing (the run would come back after the backoff's 10s)."""
    busy = (
        b"HTTP/1.1 429 Too Many\r\nRetry-After: 120\r\nRetry-After: 90\r\nContent-Length: 0\r\n\r\n"
    )
    attempt = deliver(
        server(_sends(busy)),
        b"{}",
        secret=b"hook-secret-0123456789",
        key="k-1",
        timeout=PATIENCE,  # the final answer comes at once: only a failure waits this long
        limit=4096,
        proxies=ProxySetting(""),
    )
    assert (attempt.verdict, attempt.retry_after) == (Verdict.TEMPORARY, "120")
