"""HTTP mode: the Slack app stopped while Slack connects leaves no socket open.

Slack calls the endpoint whenever someone presses or types; a daemon stopping then
may accept a connection just before its port closes. On Python 3.11 that connection
is set up after aiohttp's shutdown has closed the ones it knew, and its socket stayed
open when the app's loop stopped, found later by the garbage collector (``unclosed
transport``), as the web server's once was (:mod:`gateway.web.server`). The app now
stops accepting first (:func:`gateway.core.loop_thread.stop_accepting`)."""

from __future__ import annotations

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import build
from tests.support import chat as c
from tests.support.slack_fake import FakeSlack
from tests.support.stop_leaks import connecting, none_left

ROUNDS = 60  # stops while Slack connects (every one of the first 10 left sockets before)


def test_a_stop_while_slack_connects_leaves_no_socket_open(
    settings: Settings, clock: FakeClock, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = c.chat_settings(settings, fake, mode="http", signing_secret=c.SIGNING, http_port=0)

    def stop_while_connecting() -> None:
        app = build(cfg, clock)
        try:
            with c.slack_app(app, fake) as listener, connecting(listener.port):
                listener.stop()
        finally:
            app.close()

    none_left(monkeypatch, stop_while_connecting, ROUNDS)
