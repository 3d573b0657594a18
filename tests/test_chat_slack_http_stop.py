"""HTTP mode: the Slack app stopped while Slack connects leaves no socket open.

Slack calls the endpoint whenever someone presses or types; a daemon stopping (or
reloading) then may accept a connection just before its port closes. On Python 3.11
that connection is set up after aiohttp's shutdown has closed the ones it knew, and
its socket stayed open when the app's loop stopped, found later by the garbage
collector (``unclosed transport``), as the web server's once was
(:mod:`gateway.web.server`). The app now stops accepting first
(:func:`gateway.core.loop_thread.stop_accepting`)."""

from __future__ import annotations

import gc
import socket
import sys
import threading
import warnings
from typing import Any

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import build
from tests.support import chat as c
from tests.support.slack_fake import FakeSlack

ROUNDS = 60  # stops while a client connects


def _stop_while_connecting(settings: Settings, clock: FakeClock, fake: FakeSlack) -> None:
    cfg = c.chat_settings(settings, fake, mode="http", signing_secret=c.SIGNING, http_port=0)
    app = build(cfg, clock)
    stopped = threading.Event()
    opened: list[socket.socket] = []
    try:
        with c.slack_app(app, fake) as listener:

            def connect() -> None:  # until the port is closed
                while not stopped.is_set():
                    try:
                        address = ("127.0.0.1", listener.port)
                        opened.append(socket.create_connection(address, timeout=0.2))
                    except OSError:
                        return

            client = threading.Thread(target=connect)
            client.start()
            while not opened and client.is_alive():
                stopped.wait(0.001)  # the client is connecting before the stop
    finally:
        stopped.set()
        client.join()
        for sock in opened:
            sock.close()
        app.close()


def test_a_stop_while_slack_connects_leaves_no_socket_open(
    settings: Settings, clock: FakeClock, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    unclosed: list[str] = []

    def seen(unraisable: Any) -> None:
        unclosed.append(str(unraisable.exc_value))

    monkeypatch.setattr(sys, "unraisablehook", seen)  # the warnings __del__ cannot raise
    for done in range(1, ROUNDS + 1):
        _stop_while_connecting(settings, clock, fake)
        if done % 10 == 0:  # what a stop left open is garbage now: found, or never
            with warnings.catch_warnings():
                warnings.simplefilter("error", ResourceWarning)  # raised in __del__: to ``seen``
                gc.collect()
            assert unclosed == [], f"after {done} stops"
