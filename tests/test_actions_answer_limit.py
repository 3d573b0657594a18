"""A webhook's answer is kept up to ``[actions] output_limit`` bytes: one of exactly that
many bytes is whole (nothing cut), one byte more is cut, however the answer is framed:
a Content-Length, chunks (whose end is a last empty chunk, after the limit's bytes), or
the connection's close. A real HTTP server of our own sends each answer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gateway.actions.outcome import NOT_READ, Verdict
from gateway.actions.webhook import deliver
from gateway.core.proxies import ProxySetting
from tests.support.hooks import CHUNK, CHUNKED, CLOSE, LENGTH, HookServer

LIMIT = 4096
assert LIMIT % CHUNK != 0  # the limit falls inside a chunk, not on a chunk's end


@pytest.fixture
def hooks() -> Iterator[HookServer]:
    server = HookServer().start()
    yield server
    server.stop()


def _answer(hooks: HookServer, body: bytes, framing: str, limit: int = LIMIT) -> tuple[str, int]:
    hooks.body, hooks.framing = body, framing
    attempt = deliver(
        hooks.url(),
        b"{}",
        secret=b"hook-secret-0123456789",
        key="k-1",
        timeout=30,  # a hang guard only: the answer comes at once
        limit=limit,
        proxies=ProxySetting(""),
    )
    assert attempt.verdict == Verdict.OK, attempt.error
    return attempt.output, attempt.cut


def _body(size: int) -> bytes:
    """``size`` bytes, each position told apart (a byte lost or doubled shows)."""
    return bytes(ord("a") + i % 26 for i in range(size))


@pytest.mark.parametrize("framing", [LENGTH, CHUNKED, CLOSE])
@pytest.mark.parametrize("size", [LIMIT - 1, LIMIT])
def test_an_answer_up_to_the_limit_is_kept_whole(
    hooks: HookServer, framing: str, size: int
) -> None:
    output, cut = _answer(hooks, _body(size), framing)
    assert output.encode() == _body(size)
    assert cut == 0


@pytest.mark.parametrize(
    ("framing", "cut"),
    [
        (LENGTH, 1),  # its Content-Length says how much was left
        (CHUNKED, NOT_READ),  # how much more might come is not known, and not read on
        (CLOSE, NOT_READ),
    ],
)
def test_one_byte_past_the_limit_is_cut(hooks: HookServer, framing: str, cut: int) -> None:
    output, kept_cut = _answer(hooks, _body(LIMIT + 1), framing)
    assert output.encode() == _body(LIMIT)
    assert kept_cut == cut


@pytest.mark.parametrize("framing", [LENGTH, CHUNKED, CLOSE])
def test_a_larger_answer_is_cut_at_the_limit_and_counted_when_its_length_says(
    hooks: HookServer, framing: str
) -> None:
    size = 3 * LIMIT + 7
    output, cut = _answer(hooks, _body(size), framing)
    assert output.encode() == _body(LIMIT)
    assert cut == (size - LIMIT if framing == LENGTH else NOT_READ)


@pytest.mark.parametrize("framing", [LENGTH, CHUNKED, CLOSE])
def test_an_empty_answer_is_whole(hooks: HookServer, framing: str) -> None:
    assert _answer(hooks, b"", framing) == ("", 0)
