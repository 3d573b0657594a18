"""A server stopped while a client connects must leave no socket open.

On Python 3.11 a connection accepted just before a server's port closes is set up a
turn or two later; if the server's loop stops first, its socket stays open until the
garbage collector finds it, in whatever test runs then (a full run failed an
unrelated chat test that way). :func:`connecting` keeps a client connecting while
the caller stops its server; :func:`none_left` runs such stops and collects what
they left, with each unclosed socket's warning made an error and kept."""

from __future__ import annotations

import gc
import socket
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

CONNECT_WAIT = 0.2  # seconds: a SYN the closing port dropped is retried after 1 s


@contextmanager
def connecting(port: int) -> Iterator[None]:
    """A client connecting to ``port`` again and again, until the port is closed or
    the block ends; the block starts once one connection is made."""
    done = threading.Event()
    opened: list[socket.socket] = []

    def connect() -> None:
        while not done.is_set():
            try:
                opened.append(socket.create_connection(("127.0.0.1", port), CONNECT_WAIT))
            except OSError:
                return

    client = threading.Thread(target=connect)
    client.start()
    try:
        while not opened and client.is_alive():
            done.wait(0.001)
        yield
    finally:
        done.set()
        client.join()
        for sock in opened:
            sock.close()


def none_left(
    monkeypatch: pytest.MonkeyPatch, stop_while_connecting: Callable[[], None], rounds: int
) -> None:
    """Run ``stop_while_connecting`` ``rounds`` times; fail on the first socket left."""
    unclosed: list[str] = []

    def seen(unraisable: Any) -> None:
        unclosed.append(str(unraisable.exc_value))

    monkeypatch.setattr(sys, "unraisablehook", seen)  # the warnings __del__ cannot raise
    for done in range(1, rounds + 1):
        stop_while_connecting()
        if done % 10 == 0 or done == rounds:  # what a stop left open is garbage by now
            with warnings.catch_warnings():
                warnings.simplefilter("error", ResourceWarning)  # raised in __del__: to seen
                gc.collect()
            assert unclosed == [], f"after {done} stops: {unclosed[:2]}"
