"""The SMTP listener stopped while a client connects leaves no socket open: a
connection accepted just before the port closed was set up after the stop had
closed the sessions it knew, and stayed open when the loop stopped (Python 3.11),
for the garbage collector to find later (:mod:`tests.support.stop_leaks`)."""

from __future__ import annotations

import pytest

from gateway.config.settings import Settings
from gateway.receive.smtp import SmtpListener
from gateway.receive.writer import InboxWriter
from gateway.runtime.app import App
from store.accept.generic import SessionInbox
from tests.support.smtp import smtp_settings
from tests.support.stop_leaks import connecting, none_left

ROUNDS = 60  # stops while a client connects


def test_a_stop_while_a_client_connects_leaves_no_socket_open(
    app: App, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = InboxWriter(SessionInbox(app.sessions), app.clock)
    writer.start()

    def stop_while_connecting() -> None:
        srv = SmtpListener(smtp_settings(settings), writer, hostname="gateway.test")
        srv.start()
        with connecting(srv.port):
            srv.stop(grace=0.5)

    try:
        none_left(monkeypatch, stop_while_connecting, ROUNDS)
    finally:
        writer.stop()
