"""The test proxy stopped while a client connects leaves no socket open
(:mod:`tests.support.stop_leaks`)."""

from __future__ import annotations

import pytest

from tests.support.proxy import ProxyServer
from tests.support.stop_leaks import connecting, none_left

ROUNDS = 60  # stops while a client connects


def _stop_while_connecting() -> None:
    proxy = ProxyServer().start()
    with connecting(proxy.port):
        proxy.stop()


def test_a_stop_while_a_client_connects_leaves_no_socket_open(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    none_left(monkeypatch, _stop_while_connecting, ROUNDS)
