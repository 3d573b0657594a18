"""The chat poster's host name lookups are bounded by the [chat] timeout, like the rest
of each call (Slack's Web API, an incoming webhook, a command's response_url).

The system's ``getaddrinfo`` takes no timeout: a name server that never answered held
the poster's thread, and every card behind it, for as long as it liked. Here a resolver
stand-in that never answers is put at the lookup edge: the call ends at the timeout
while the stand-in still hangs, and says why in each reader's language; a stand-in
that knows the fake Slack's name shows the edge is the one the calls use.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from gateway.chat import failures
from gateway.chat.transport import ChatDown, ChatRefused, SlackApi, Webhook
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.i18n import translate
from gateway.runtime.app import build
from tests.support import chat as c
from tests.support.mails import mail
from tests.support.pipeline import deliver, show
from tests.support.resolver import Resolver
from tests.support.slack_fake import FakeSlack

HOST = "chat.example.test"  # known to the stand-ins only
SHORT = timedelta(milliseconds=300)  # the [chat] timeout here: far below HANG_LIMIT


# every test names its own proxy (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("no_proxy_environment")


@pytest.fixture
def hanging() -> Iterator[Resolver]:
    resolver = Resolver(hang=True)
    yield resolver
    resolver.release.set()


def test_a_web_api_call_whose_lookup_hangs_ends_at_the_timeout(hanging: Resolver) -> None:
    api = SlackApi("xoxb-test", f"https://{HOST}/api/", SHORT, lookup=hanging)
    with pytest.raises(ChatDown) as raised:
        api.post("C0123", {"text": "hello"})
    assert hanging.asked == [HOST] and hanging.answered == []  # still no answer
    assert raised.value.said == failures.lookup_timed_out(HOST, 0.3)
    said = translate(raised.value.said, "ja")
    assert said == f"{HOST} の名前解決で、ネームサーバーが 0.3 秒以内に応答しませんでした"
    assert str(raised.value) == f"the name server did not answer for {HOST} within 0.3s"


def test_a_webhook_whose_lookup_hangs_ends_at_the_timeout(hanging: Resolver) -> None:
    hook = Webhook(f"https://{HOST}/workflows/1", SHORT, lookup=hanging)
    with pytest.raises(ChatDown) as raised:
        hook.post({"text": "hello"})
    assert hanging.asked == [HOST] and hanging.answered == []
    assert raised.value.said == failures.lookup_timed_out(HOST, 0.3)


def test_a_response_url_whose_lookup_hangs_is_not_waited_for(hanging: Resolver) -> None:
    api = SlackApi("xoxb-test", f"https://{HOST}/api/", SHORT, lookup=hanging)
    assert api.respond(f"https://{HOST}/commands/1", "hello") is False
    assert hanging.asked == [HOST] and hanging.answered == []


def test_the_lookup_edge_is_the_one_the_web_api_uses(fake: FakeSlack) -> None:
    resolver = Resolver(names={HOST})
    api = SlackApi("xoxb-test", f"http://{HOST}:{fake.port}/api/", timedelta(seconds=5), resolver)
    assert api.post("C0123", {"text": "hello"}) == "1772413200.000001"
    assert resolver.asked == [HOST]
    [call] = fake.of("chat.postMessage")
    assert call["channel"] == "C0123"


def _metadata(
    host: str, port: int
) -> list[tuple[socket.AddressFamily, socket.SocketKind, int, str, Any]]:
    """A stand-in resolver whose every name leads to the cloud's metadata service."""
    return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", port))]


@pytest.mark.parametrize("kind", ["api", "webhook"])
def test_a_post_refused_at_a_link_local_address_says_why_in_the_readers_language(
    kind: str,
) -> None:
    """The dialer never calls a link-local address; the reason kept on the post is a
    Msg each reader reads in their language, as a webhook action's is, not the
    exception's English text; and, as for the action, for good: tried again, it would be
    refused again (a refusal, never a 'try later')."""
    with pytest.raises(ChatRefused) as raised:
        if kind == "api":
            SlackApi("xoxb-test", f"https://{HOST}/api/", SHORT, lookup=_metadata).post(
                "C0123", {"text": "hello"}
            )
        else:
            Webhook(f"https://{HOST}/workflows/1", SHORT, lookup=_metadata).post({"text": "x"})
    assert raised.value.said == failures.link_local(HOST, "169.254.169.254")
    said = translate(raised.value.said, "ja")
    assert "169.254.169.254" in said and "link-local" not in said


def test_a_post_refused_at_a_link_local_address_fails_once_and_is_not_retried(
    settings: Settings, clock: FakeClock, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """The poster marks it failed at once (a ``chat-failed`` event, one error line for
    the operator), as the webhook action's run fails at once: never a retry every few
    minutes for days, each a warning, until ``give_up_after``."""
    app = build(c.chat_settings(settings, fake), clock)
    try:
        outcome = deliver(app, mail("VPN does not connect", "since this morning"))
        poster = c.poster(app)
        poster.slack = SlackApi("xoxb-test", f"https://{HOST}/api/", SHORT, lookup=_metadata)
        with caplog.at_level(logging.WARNING, logger="gateway.chat.poster"):
            first = poster.drain()
            clock.advance(timedelta(days=3))
            again = poster.drain()
        events = show(app, outcome.ticket_id or 0)["events"]
    finally:
        app.close()
    assert first.failed and not first.retried and not again.failed and not again.retried
    failed = [e for e in events if e["kind"] == "chat-failed"]
    assert len(failed) == len(first.failed)
    assert all("169.254.169.254" in e["detail"]["error"] for e in failed)
    said = [r for r in caplog.records if r.name == "gateway.chat.poster"]  # not the SDK's
    assert [r.levelno for r in said] == [logging.ERROR] * len(first.failed)
