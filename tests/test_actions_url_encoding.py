"""A webhook URL as a person writes it in the catalog, with Japanese in its path or query
(``/hooks/アカウント?部署=総務``, which ``catalog check`` accepts) or a space, is sent as
a browser or curl sends it: its UTF-8 percent-encoded, what was already encoded left as
it is. A real HTTP server of our own records the path it got."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import unquote

import pytest

from gateway.actions.outcome import Verdict
from gateway.actions.webhook import deliver
from gateway.core.proxies import ProxySetting
from tests.support.hooks import HookServer


@pytest.fixture
def hooks() -> Iterator[HookServer]:
    server = HookServer().start()
    yield server
    server.stop()


@pytest.mark.parametrize(
    ("written", "sent"),
    [
        (
            "/hooks/アカウント?部署=総務&id=1",
            "/hooks/%E3%82%A2%E3%82%AB%E3%82%A6%E3%83%B3%E3%83%88"
            "?%E9%83%A8%E7%BD%B2=%E7%B7%8F%E5%8B%99&id=1",
        ),
        ("/hooks/new account", "/hooks/new%20account"),
        ("/hooks/a%2Fb?q=%E5%80%A4", "/hooks/a%2Fb?q=%E5%80%A4"),  # already encoded: as is
    ],
)
def test_a_url_with_japanese_or_a_space_is_sent_percent_encoded(
    hooks: HookServer, written: str, sent: str
) -> None:
    attempt = deliver(
        hooks.url(written),
        b"{}",
        secret=b"hook-secret-0123456789",
        key="k-1",
        timeout=30,  # a hang guard only: the answer comes at once
        limit=4096,
        proxies=ProxySetting(""),
    )
    assert attempt.verdict == Verdict.OK, attempt.error
    [delivery] = hooks.deliveries
    assert delivery.path == sent
    assert unquote(delivery.path) == unquote(written)
