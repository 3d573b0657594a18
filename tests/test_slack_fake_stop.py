"""The fake Slack leaves no socket open when it stops while a client is connecting.

A full run (``pytest -n 4``) once failed the setup of an unrelated chat test with
``unclosed transport <_SelectorSocketTransport fd=17>`` and its socket (a loopback
connection accepted by a server of ours whose loop was closed): the fake had stopped
while the gateway still called it (its Socket Mode client reconnects as soon as the
fake closes the WebSocket). On Python 3.11 a connection accepted just before the
port closes is set up after aiohttp's shutdown has closed the connections it knew,
and nothing closes it before the loop stops; the garbage collector finds it later, in
whatever test runs then. Before the fix about one stop in 25 here left one.
"""

from __future__ import annotations

import gc
import socket
import sys
import threading
import warnings
from typing import Any

import pytest

from tests.support.slack_fake import FakeSlack

ROUNDS = 120  # stops while a client connects (one in 25 left a socket before the fix)


def _stop_while_connecting() -> None:
    fake = FakeSlack()
    fake.start()
    stopped = threading.Event()
    opened: list[socket.socket] = []

    def connect() -> None:  # until the port is closed
        while not stopped.is_set():
            try:
                opened.append(socket.create_connection(("127.0.0.1", fake.port), timeout=0.2))
            except OSError:
                return

    client = threading.Thread(target=connect)
    client.start()
    try:
        while not opened and client.is_alive():
            stopped.wait(0.001)  # the client is connecting before the stop
        fake.stop()
    finally:
        stopped.set()
        client.join()
        for sock in opened:
            sock.close()


def test_a_stop_while_a_client_connects_leaves_no_socket_open(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    unclosed: list[str] = []

    def seen(unraisable: Any) -> None:
        unclosed.append(str(unraisable.exc_value))

    monkeypatch.setattr(sys, "unraisablehook", seen)  # the warnings __del__ cannot raise
    for done in range(1, ROUNDS + 1):
        _stop_while_connecting()
        if done % 10 == 0:  # what a stop left open is garbage now: found, or never
            with warnings.catch_warnings():
                warnings.simplefilter("error", ResourceWarning)  # raised in __del__: to ``seen``
                gc.collect()
            assert unclosed == [], f"after {done} stops"
