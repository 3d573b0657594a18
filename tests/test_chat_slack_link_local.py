"""The Slack app's own calls (Bolt's Web API client: who asked, the form; a command's
``response_url``) never dial a link-local address, as the chat poster's and the webhook
actions' never do: whatever name led there, the cloud's metadata service at
169.254.169.254 is never called. HTTP mode, Slack's requests signed as Slack signs
them; a resolver stand-in at the lookup edge sends the fake Slack's name there."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from gateway.actions.dial import LinkLocal, Lookup
from gateway.chat.slack.answers import usable
from gateway.chat.slack.door import WRITE_WAIT_MS
from gateway.chat.slack.listener import SlackListener
from gateway.chat.slack.resolving import NoLinkLocal
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from store.accept.generic import open_inbox
from tests.support import chat as c
from tests.support.resolver import Resolver
from tests.support.slack_fake import FakeSlack

HOST = "slack.example.test"  # known to the stand-ins only


@pytest.fixture
def http_app(settings: Settings, clock: FakeClock, fake: FakeSlack) -> Iterator[App]:
    cfg = c.chat_settings(settings, fake, mode="http", signing_secret=c.SIGNING, http_port=0)
    assert cfg.chat.slack is not None
    named = replace(cfg.chat.slack, api_url=f"http://{HOST}:{fake.port}/api/")
    cfg = replace(cfg, chat=replace(cfg.chat, slack=named))
    application = build(cfg, clock)
    yield application
    application.close()


def _metadata(host: str, port: int) -> list[tuple[Any, ...]]:
    """Every name leads to the cloud's metadata service."""
    return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", port))]


def _ticket_command(app: App, lookup: Lookup) -> SlackListener:
    listener = SlackListener(
        app.settings,
        app.clock,
        app.catalog,
        app.sessions,
        open_inbox(app.settings.database.url, app.sessions, wait_ms=WRITE_WAIT_MS),
        lookup=lookup,
    )
    listener.start()
    body = c.form(c.command())
    c.signed_post(listener.port, "/slack/events", body, c.SIGNING, now=app.clock.now())
    return listener


@pytest.mark.parametrize("family", [socket.AF_INET, socket.AF_INET6])
def test_the_apps_resolver_keeps_only_addresses_that_may_be_dialled(
    family: socket.AddressFamily,
) -> None:
    """A name with a link-local address beside another is dialled at the other only; a
    name with nothing else is refused, saying which address (as the poster says it)."""
    local = "169.254.169.254" if family == socket.AF_INET else "fe80::1"
    usual = "127.0.0.1" if family == socket.AF_INET else "::1"

    def both(host: str, port: int) -> list[tuple[Any, ...]]:
        return [
            (family, socket.SOCK_STREAM, 6, "", (local, port)),
            (family, socket.SOCK_STREAM, 6, "", (usual, port)),
        ]

    def only(host: str, port: int) -> list[tuple[Any, ...]]:
        return both(host, port)[:1]

    kept = asyncio.run(NoLinkLocal(both).resolve(HOST, 443, socket.AF_UNSPEC))
    assert [row["host"] for row in kept] == [usual]
    with pytest.raises(LinkLocal) as refused:
        asyncio.run(NoLinkLocal(only).resolve(HOST, 443, socket.AF_UNSPEC))
    assert (refused.value.host, refused.value.address) == (HOST, local)


def test_a_name_that_leads_only_to_a_link_local_address_reaches_nobody(
    http_app: App, fake: FakeSlack
) -> None:
    listener = _ticket_command(http_app, _metadata)
    listener.stop()
    assert fake.calls == []  # neither auth.test, users.info, views.open nor an answer


def test_the_lookup_edge_is_the_one_the_apps_calls_use(http_app: App, fake: FakeSlack) -> None:
    resolver = Resolver(names={HOST})
    listener = _ticket_command(http_app, resolver)
    try:
        [opened] = fake.wait_for("views.open")
    finally:
        listener.stop()
    assert opened["trigger_id"] == "trigger-1" and HOST in resolver.asked


@pytest.mark.parametrize(
    "url", ["https://169.254.169.254/commands/1", "https://[fe80::1]/commands/1"]
)
def test_a_response_url_at_a_link_local_address_is_not_used(url: str) -> None:
    """aiohttp connects to an address written as such without asking any resolver."""
    assert not usable(url)
    assert usable("https://hooks.slack.com/commands/T0/1/abc")
