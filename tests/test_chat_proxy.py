"""The Slack Web API client takes the environment's proxy as webhook actions do
(gateway.core.proxies), not as slack_sdk would alone: lower-case names before upper-case
(curl), the variable of the URL's scheme, ``no_proxy``, never a proxy to this machine,
Basic credentials from the URL. Against the local fake of Slack, behind a real proxy of
our own (tests/support/proxy.py) that alone resolves ``slack.example.test``."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest

from gateway.chat.transport import ChatDown, SlackApi, Webhook
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import build
from tests.support import chat as c
from tests.support.databases import sqlite_only
from tests.support.proxy import ProxyServer
from tests.support.slack_fake import FakeSlack

NAME = "slack.example.test"
DEAD = "http://127.0.0.1:9"  # nothing listens: a call through it fails
TIMEOUT = timedelta(seconds=5)


# every test names its own proxy (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("no_proxy_environment")


@pytest.fixture
def proxy(fake: FakeSlack) -> Iterator[ProxyServer]:
    server = ProxyServer(routes={NAME: fake.port}).start()
    yield server
    server.stop()


def test_the_web_api_goes_through_the_lower_case_proxy_with_its_credentials(
    fake: FakeSlack, proxy: ProxyServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """slack_sdk alone takes HTTP_PROXY first (here a dead one) and sends no credentials
    it was not given; curl, urllib and our webhooks take http_proxy first."""
    proxy.credentials = ("taro", "p@ss")
    monkeypatch.setenv("HTTP_PROXY", DEAD)
    monkeypatch.setenv("http_proxy", proxy.url("taro", "p%40ss"))
    api = SlackApi("xoxb-test", f"http://{NAME}:{fake.port}/api/", TIMEOUT)
    assert api.post("C0123", {"text": "hello"}) == "1772413200.000001"
    [passage] = proxy.passages
    assert (passage.method, passage.target) == (
        "POST",
        f"http://{NAME}:{fake.port}/api/chat.postMessage",
    )
    assert passage.headers["Proxy-Authorization"] == "Basic " + base64.b64encode(
        b"taro:p@ss"
    ).decode("ascii")
    assert [c.method for c in fake.calls] == ["chat.postMessage"]


def test_the_proxy_is_the_one_of_the_urls_scheme_unless_no_proxy_says_otherwise(
    proxy: ProxyServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """slack_sdk alone would take http_proxy for Slack's https URL and keep it whatever
    no_proxy says (its aiohttp clients, the Slack app's, never look at no_proxy)."""
    monkeypatch.setenv("http_proxy", proxy.url())
    monkeypatch.setenv("no_proxy", "*")
    assert SlackApi("xoxb-test", "https://slack.com/api/", TIMEOUT).client.proxy is None
    monkeypatch.delenv("no_proxy")
    assert SlackApi("xoxb-test", "https://slack.com/api/", TIMEOUT).client.proxy is None
    monkeypatch.setenv("https_proxy", proxy.url())
    monkeypatch.setenv("no_proxy", ".slack.com")
    assert SlackApi("xoxb-test", "https://slack.com/api/", TIMEOUT).client.proxy is None
    monkeypatch.setenv("no_proxy", ".corp")
    assert SlackApi("xoxb-test", "https://slack.com/api/", TIMEOUT).client.proxy == proxy.url()


def test_an_unusable_proxy_in_the_environment_is_a_reason_to_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("https_proxy", "socks5://proxy.corp:1080")
    api = SlackApi("xoxb-test", "https://slack.com/api/", TIMEOUT)
    with pytest.raises(ChatDown, match=r"proxy cannot be used: \$https_proxy: only http://"):
        api.post("C0123", {"text": "hello"})


def test_all_proxy_is_taken_where_the_schemes_own_variable_is_not_set(
    proxy: ProxyServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As curl and webhook actions: ``all_proxy`` (or ``ALL_PROXY``) for either scheme,
    the scheme's own variable first, ``no_proxy`` still bypassing."""
    monkeypatch.setenv("ALL_PROXY", proxy.url())
    assert SlackApi("xoxb-test", "https://slack.com/api/", TIMEOUT).client.proxy == proxy.url()
    monkeypatch.setenv("https_proxy", DEAD)
    assert SlackApi("xoxb-test", "https://slack.com/api/", TIMEOUT).client.proxy == DEAD
    monkeypatch.delenv("https_proxy")
    monkeypatch.setenv("no_proxy", "slack.com")
    assert SlackApi("xoxb-test", "https://slack.com/api/", TIMEOUT).client.proxy is None


def test_a_chat_webhook_takes_the_proxy_as_the_web_api_does(
    fake: FakeSlack, proxy: ProxyServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Teams or Slack-format webhook: ``all_proxy`` where the scheme's own is unset
    (urllib alone does not read it), never a proxy to this machine (urllib alone would
    send a loopback URL to the proxy unless no_proxy named it)."""
    monkeypatch.setenv("all_proxy", proxy.url())
    Webhook(f"http://{NAME}:{fake.port}/hooks/teams", TIMEOUT).post({"text": "hello"})
    assert [p.target for p in proxy.passages] == [f"http://{NAME}:{fake.port}/hooks/teams"]
    monkeypatch.setenv("http_proxy", DEAD)  # nothing listens there: only loopback is spared
    Webhook(fake.hook_url("webhook"), TIMEOUT).post({"text": "here"})
    assert fake.hooks == {"teams": [{"text": "hello"}], "webhook": [{"text": "here"}]}
    assert len(proxy.passages) == 1


def test_a_chat_webhook_with_an_unusable_proxy_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Named in the environment, a proxy that cannot be spoken is a reason to try again
    later, naming the variable, never a direct call."""
    monkeypatch.setenv("ALL_PROXY", "socks5://proxy.corp:1080")
    with pytest.raises(ChatDown, match=r"proxy cannot be used: \$ALL_PROXY: only http://"):
        Webhook("https://hooks.example.test/workflows/1", TIMEOUT).post({"text": "hello"})


@sqlite_only
def test_the_slack_app_connects_through_the_proxy_as_the_poster_does(
    settings: Settings,
    clock: FakeClock,
    fake: FakeSlack,
    proxy: ProxyServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Socket Mode: apps.connections.open and the WebSocket it names both go through the
    proxy (slack_sdk alone would take the dead HTTP_PROXY)."""
    proxy.routes["127.0.0.1"] = fake.port  # the fake's WebSocket URL, behind the proxy too
    monkeypatch.setenv("HTTP_PROXY", DEAD)
    monkeypatch.setenv("http_proxy", proxy.url())
    monkeypatch.setenv("no_proxy", ".corp,localhost")
    configured = c.chat_settings(settings, fake)
    assert configured.chat.slack is not None
    slack = replace(configured.chat.slack, api_url=f"http://{NAME}:{fake.port}/api/")
    app = build(replace(configured, chat=replace(configured.chat, slack=slack)), clock)
    try:
        with c.slack_app(app, fake):
            targets = [p.target for p in proxy.passages]
            assert f"http://{NAME}:{fake.port}/api/apps.connections.open" in targets
            assert any(p.headers.get("Upgrade") == "websocket" for p in proxy.passages)
    finally:
        app.close()
