"""The event loop every door (SMTP/LMTP, web, Slack) serves in, in a thread of its own
(``gateway.core.loop_thread``): a door whose opening fails or takes too long leaves
no thread and no open loop behind, and one that opened runs until it is closed."""

from __future__ import annotations

import asyncio
import threading

import pytest

from gateway.core.loop_thread import LoopThread
from tests.support.waiting import PATIENCE


def _gone(background: LoopThread) -> bool:
    return not background.thread.is_alive() and background.loop.is_closed()


def test_an_opening_that_fails_raises_and_leaves_nothing_running() -> None:
    async def taken() -> None:
        raise OSError(98, "Address already in use")

    background = LoopThread("test-door", "test")
    with pytest.raises(OSError, match="already in use"):
        background.start(taken(), timeout=PATIENCE)  # a hang guard only
    assert _gone(background) and not background.alive()


def test_an_opening_that_takes_too_long_is_given_up() -> None:
    async def slow() -> None:
        await asyncio.sleep(30)

    background = LoopThread("test-door", "test")
    with pytest.raises(TimeoutError):
        background.start(slow(), timeout=0.05)
    assert _gone(background)


def test_an_opened_door_serves_in_its_own_thread_until_closed() -> None:
    where: list[str] = []

    async def opening() -> None:
        where.append(threading.current_thread().name)

    background = LoopThread("test-door", "test")
    background.start(opening(), timeout=PATIENCE)  # a hang guard only
    assert where == ["test-door"] and background.alive() and background.thread.daemon
    background.close()
    assert _gone(background) and not background.alive()
    background.close()  # again: nothing left to close, and no error
