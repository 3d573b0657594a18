"""HTTP mode against requests Slack never sends: one that cannot be verified (no
timestamp, one that is not a number, one from the future, a body altered after
signing) is refused 401 before anything reads it; a signed one whose body is not a
payload (not JSON, JSON of another type, not UTF-8) is a 400, not a server error; a
body past the endpoint's limit (32 MiB: a big form's page is megabytes) a 413; the
same signed press again (a retry, a replay) is answered and acts once."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from urllib.parse import urlencode

import pytest

from gateway.chat.slack.listener import MAX_BODY
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.runtime.app import App, build
from gateway.tickets import changes
from store import tickets
from store.db import transaction
from tests.support import chat as c
from tests.support.mails import mail
from tests.support.pipeline import deliver, show
from tests.support.slack_fake import FakeSlack
from tests.support.waiting import eventually

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def http_app(settings: Settings, clock: FakeClock, fake: FakeSlack) -> Iterator[App]:
    cfg = c.chat_settings(settings, fake, mode="http", signing_secret=c.SIGNING, http_port=0)
    application = build(cfg, clock)
    yield application
    application.close()


def _post(port: int, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/slack/events", data=body, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _signature(body: bytes, stamp: str) -> str:
    base = b"v0:" + stamp.encode() + b":" + body
    return "v0=" + hmac.new(c.SIGNING.encode(), base, hashlib.sha256).hexdigest()


def _signed(body: bytes, stamp: str | int) -> dict[str, str]:
    """Headers signing ``body`` at ``stamp`` (the app's clock: its five minutes count
    on it, not on the machine's wall time)."""
    stamp = str(stamp)
    signature = _signature(body, stamp)
    return {**FORM, "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}


COMMAND = c.form(c.command()).encode()
# Each request is signed when its test runs, not when the module is imported: a test
# run minutes after the collection (pytest -n on a loaded machine) sent stamps that had
# aged meanwhile, so "altered" was refused as too old, and "in the future" (10 minutes
# ahead at import) came within Slack's 5 minutes and was taken.
# Each is given the app's clock's now (Unix seconds) when its test runs.
UNVERIFIABLE: dict[str, Callable[[int], tuple[bytes, dict[str, str]]]] = {
    "no timestamp": lambda now: (
        COMMAND,
        {**FORM, "X-Slack-Signature": _signature(COMMAND, str(now))},
    ),
    "no signature": lambda now: (COMMAND, {**FORM, "X-Slack-Request-Timestamp": str(now)}),
    "timestamp not a number": lambda now: (COMMAND, _signed(COMMAND, "soon")),
    "timestamp in the future": lambda now: (COMMAND, _signed(COMMAND, now + 600)),
    "timestamp six minutes old": lambda now: (COMMAND, _signed(COMMAND, now - 360)),
    "timestamp six minutes ahead": lambda now: (COMMAND, _signed(COMMAND, now + 360)),
    # the same HMAC under another version's name: only v0 is Slack's
    "signed as v1": lambda now: (
        COMMAND,
        {**_signed(COMMAND, now), "X-Slack-Signature": "v1=" + _signature(COMMAND, str(now))[3:]},
    ),
    # more digits than Python's int() reads from a string (4300): no server error
    "timestamp of 5000 digits": lambda now: (COMMAND, _signed(COMMAND, "9" * 5000)),
    "body altered after signing": lambda now: (COMMAND + b"&text=more", _signed(COMMAND, now)),
}
NOT_A_PAYLOAD = {
    "not JSON": urlencode({"payload": "{not json"}).encode(),
    "a JSON list": urlencode({"payload": "[1, 2]"}).encode(),
    "a JSON string": urlencode({"payload": '"view_submission"'}).encode(),
    "not UTF-8": b"payload=\xff\xfe",
}


@pytest.mark.parametrize("name", list(UNVERIFIABLE))
def test_a_request_that_cannot_be_verified_is_refused(
    http_app: App, fake: FakeSlack, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    body, headers = UNVERIFIABLE[name](_now(http_app))
    with c.slack_app(http_app, fake) as listener:
        assert _post(listener.port, body, headers) == 401
    assert fake.of("views.open") == []
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []  # no alarm raised


@pytest.mark.parametrize("name", list(NOT_A_PAYLOAD))
def test_a_signed_body_that_is_not_a_payload_is_a_bad_request(
    http_app: App, fake: FakeSlack, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    body = NOT_A_PAYLOAD[name]
    with c.slack_app(http_app, fake) as listener:
        assert _post(listener.port, body, _signed(body, _now(http_app))) == 400
        # and the door still works after it
        assert _post(listener.port, COMMAND, _signed(COMMAND, _now(http_app))) == 200
        fake.wait_for("views.open")
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_a_form_whose_values_have_the_wrong_shape_is_answered_in_the_form(
    http_app: App, fake: FakeSlack
) -> None:
    view = {
        "callback_id": "ticket_fields",
        "private_metadata": json.dumps({"entry": "vpn", "locale": "ja"}),
    }
    payload = c.submission(view, {"subject": "件名", "text": ["本文"], "field:os": None})
    body = urlencode({"payload": json.dumps(payload, ensure_ascii=False)}).encode()
    with c.slack_app(http_app, fake) as listener:
        request = urllib.request.Request(
            f"http://127.0.0.1:{listener.port}/slack/events",
            data=body,
            headers=_signed(body, _now(http_app)),
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            said = json.loads(answer.read() or b"{}")
    assert said["response_action"] == "errors"
    assert "件名" in said["errors"]["subject"]  # read as empty: "please write a subject", in ja


def test_a_press_slack_sends_again_or_anyone_replays_acts_once(
    http_app: App, fake: FakeSlack
) -> None:
    """The same signed request twice — Slack sending it again (``X-Slack-Retry-Num``), a
    proxy repeating a POST, or someone replaying the bytes within Slack's five minutes —
    is answered 200 and acts once: a member's "Set pending", pressed once, does not set
    the ticket pending again after it was taken back to open."""
    ticket_id = deliver(http_app, mail("VPN がつながりません", "昨日から")).ticket_id
    assert ticket_id is not None
    pending = _payload(c.press("ticket_pending", ticket_id, c.OPS))
    with c.slack_app(http_app, fake) as listener:
        first = _signed(pending, _now(http_app))
        assert _post(listener.port, pending, first) == 200
        assert eventually(lambda: show(http_app, ticket_id)["state"] == "pending")
        with transaction(http_app.sessions) as s:
            ticket = tickets.get_to_change(s, ticket_id)
            assert ticket is not None
            changes.change_state(s, ticket, TicketState.OPEN, http_app.clock.now(),
                                 actor="ops@example.test", channel="web")  # fmt: skip
        again = {
            **_signed(pending, _now(http_app)),
            "X-Slack-Retry-Num": "1",
            "X-Slack-Retry-Reason": "timeout",
        }
        assert _post(listener.port, pending, again) == 200
        assert _post(listener.port, pending, first) == 200  # the very bytes, replayed
        mine = c.press("ticket_assign_me", ticket_id, c.OPS)  # then another press: in order
        assert _post(listener.port, _payload(mine), _signed(_payload(mine), _now(http_app))) == 200
        assert eventually(lambda: show(http_app, ticket_id)["assignee"] == "ops@example.test")
    assert show(http_app, ticket_id)["state"] == "open"
    states = [e for e in show(http_app, ticket_id)["events"] if e["kind"] == "state"]
    assert [e["new"] for e in states] == ["pending", "open"]


def _now(app: App) -> int:
    return int(app.clock.now().timestamp())


def _payload(payload: dict[str, object]) -> bytes:
    return urlencode({"payload": json.dumps(payload, ensure_ascii=False)}).encode()


def test_a_body_over_the_size_limit_is_refused_and_the_door_goes_on(
    http_app: App, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """A press or a command is a few kilobytes, a big form's page megabytes; a signed
    body past the endpoint's limit is refused 413 without being read whole (and the log
    says so), and the next request is served."""
    big = c.form({**c.command(), "text": "x" * MAX_BODY}).encode()
    with c.slack_app(http_app, fake) as listener:
        assert _post(listener.port, big, _signed(big, _now(http_app))) == 413
        assert _post(listener.port, COMMAND, _signed(COMMAND, _now(http_app))) == 200
        [opened] = fake.wait_for("views.open")
    assert opened["trigger_id"] == "trigger-1"
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert any("refused" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
