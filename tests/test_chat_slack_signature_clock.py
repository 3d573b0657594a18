"""Slack's five minutes are counted on the gateway's clock (the injected one), not on
the machine's wall time: a request signed at the clock's now is taken, one signed at a
wall time the clock does not share is refused, and the window ends where the clock says
five minutes have passed. Both checks of a request (the endpoint's, bolt's) agree."""

from __future__ import annotations

import hashlib
import hmac
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from tests.support import chat as c
from tests.support.slack_fake import FakeSlack

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
COMMAND = c.form(c.command()).encode()


@pytest.fixture
def http_app(settings: Settings, clock: FakeClock, fake: FakeSlack) -> Iterator[App]:
    cfg = c.chat_settings(settings, fake, mode="http", signing_secret=c.SIGNING, http_port=0)
    application = build(cfg, clock)
    yield application
    application.close()


def _post(port: int, body: bytes, stamp: int) -> int:
    base = b"v0:" + str(stamp).encode() + b":" + body
    signature = "v0=" + hmac.new(c.SIGNING.encode(), base, hashlib.sha256).hexdigest()
    headers = {**FORM, "X-Slack-Request-Timestamp": str(stamp), "X-Slack-Signature": signature}
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/slack/events", data=body, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _command(n: int) -> bytes:
    """A /ticket command of its own (a trigger of its own: not a replay of another)."""
    return c.form(c.command(trigger=f"trigger-{n}")).encode()


def test_a_request_signed_at_the_clocks_now_is_taken(
    http_app: App, clock: FakeClock, fake: FakeSlack
) -> None:
    assert abs(clock.now().timestamp() - time.time()) > 3600  # the clock is not wall time
    with c.slack_app(http_app, fake) as listener:
        assert _post(listener.port, COMMAND, int(clock.now().timestamp())) == 200
        fake.wait_for("views.open")


def test_a_request_signed_at_wall_time_the_clock_does_not_share_is_refused(
    http_app: App, clock: FakeClock, fake: FakeSlack
) -> None:
    assert abs(clock.now().timestamp() - time.time()) > 3600
    with c.slack_app(http_app, fake) as listener:
        assert _post(listener.port, COMMAND, int(time.time())) == 401
    assert fake.of("views.open") == []


@pytest.mark.parametrize(
    ("later", "status"),
    [
        (timedelta(minutes=4, seconds=59), 200),
        (timedelta(minutes=5), 200),
        (timedelta(minutes=5, seconds=1), 401),
        (-timedelta(minutes=4, seconds=59), 200),  # signed "in the future" of the clock
        (-timedelta(minutes=5, seconds=1), 401),
    ],
    ids=["4m59s", "5m", "5m01s", "ahead-4m59s", "ahead-5m01s"],
)
def test_the_five_minutes_are_the_clocks(
    http_app: App, clock: FakeClock, fake: FakeSlack, later: timedelta, status: int
) -> None:
    stamp = int(clock.now().timestamp())
    clock.advance(later)
    with c.slack_app(http_app, fake) as listener:
        assert _post(listener.port, _command(1), stamp) == status
        if status == 200:
            fake.wait_for("views.open")
        else:
            assert fake.of("views.open") == []
