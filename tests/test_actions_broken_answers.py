"""A target whose answer is no HTTP as it must be (no status line, a head line past 64 KiB,
a body cut short, a close without a word): tried again, and said in the reader's words.
It was said as the library's class name, "system error BadStatusLine", in Japanese too,
and a close without an answer as a reset. A real socket server of our own writes the
exact bytes."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest

from gateway.actions.outcome import Verdict
from gateway.actions.webhook import deliver
from gateway.core.i18n import translate
from gateway.core.proxies import ProxySetting
from tests.support.raw_http import Script, raw_targets
from tests.support.waiting import PATIENCE

HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"


def _sends(data: bytes) -> Script:
    def script(conn: socket.socket) -> None:
        conn.sendall(data)

    return script


@pytest.fixture
def server() -> Iterator[Callable[[Script], str]]:
    with raw_targets() as start:
        yield start


@pytest.mark.parametrize(
    ("answer", "english", "japanese"),
    [
        (b"", "it closed the connection without an answer", "応答せずに接続を閉じました"),
        (b"SSH-2.0-OpenSSH_9.6\r\n\r\n", "does not begin with an HTTP status line", "HTTP"),
        (HEAD + b"X-Long: " + b"a" * 70_000 + b"\r\n\r\n", "is too long", "長すぎ"),
        (HEAD + b"X: a\r\n" * 150 + b"\r\n", "is not HTTP as it should be", "HTTP"),
        # a Content-Length that says no one length: the body was read by guess, a success
        (HEAD + b"Content-Length: -5\r\n\r\n{}", "Content-Length is not one", "Content-Length"),
        (HEAD + b"Content-Length: abc\r\n\r\n{}", "Content-Length is not one", "Content-Length"),
        (
            HEAD + b"Content-Length: 2\r\nContent-Length: 4\r\n\r\n{}{}",
            "Content-Length is not one",
            "Content-Length",
        ),
        (
            HEAD + b'Transfer-Encoding: chunked\r\n\r\n40\r\n{"a":',
            "broke off before its end",
            "途中で切れ",
        ),
    ],
)
def test_an_answer_that_is_not_http_is_said_so_and_tried_again(
    server: Callable[[Script], str], answer: bytes, english: str, japanese: str
) -> None:
    attempt = deliver(
        server(_sends(answer)),
        b"{}",
        secret=b"hook-secret-0123456789",
        key="k-1",
        timeout=PATIENCE,  # the target answers at once: only a failure waits this long
        limit=4096,
        proxies=ProxySetting(""),
    )
    assert (attempt.verdict, attempt.status) == (Verdict.TEMPORARY, None)
    said_en, said_ja = translate(attempt.error, "en"), translate(attempt.error, "ja")
    assert said_en.startswith("connection failed: ") and english in said_en, said_en
    assert japanese in said_ja and "system error" not in said_en, said_ja
    assert not any(word in said_ja for word in ("Read", "Line", "Exception", "Disconnected"))


@pytest.mark.parametrize(
    "length", [b"Content-Length: 2, 2", b"Content-Length: 2\r\nContent-Length: 2"]
)
def test_a_content_length_said_twice_alike_is_one_length(
    server: Callable[[Script], str], length: bytes
) -> None:
    """RFC 9110 allows the same length twice (a proxy that joined two headers)."""
    answer = HEAD + length + b"\r\n\r\n{}"
    attempt = deliver(
        server(_sends(answer)),
        b"{}",
        secret=b"hook-secret-0123456789",
        key="k-1",
        timeout=PATIENCE,  # the target answers at once: only a failure waits this long
        limit=4096,
        proxies=ProxySetting(""),
    )
    assert (attempt.verdict, attempt.status, attempt.output) == (Verdict.OK, 200, "{}")
