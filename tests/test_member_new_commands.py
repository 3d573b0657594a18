"""Commands in a member's mail that opens a ticket (#7): "/priority high" above a
customer's mail the member forwards, or above a request of their own. They act on the
new ticket when the mail proves the member (trusted DKIM/DMARC: a new ticket has no reply
address yet), with one transcript; unproven, they change nothing and the member is told.
Either way nothing of the member's words goes to the customer: a forward is filed, not
answered. They were read as the request's text and dropped unsaid."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from tests.support.app import MEMBERS
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of

DKIM = "mx.example.test; dkim=pass header.d=example.test"
FORWARD = (
    "/priority high\n/assign ops2\n\n"
    "---------- Forwarded message ---------\n"
    "From: Alice Example <alice@customer.test>\n"
    "Date: Mon, 2 Mar 2026 09:00:00 +0900\n"
    "Subject: VPN down\n"
    "To: <ops@example.test>\n\n"
    "My VPN client fails since this morning.\n"
)


@pytest.fixture
def desk(settings: Settings, clock: FakeClock) -> Iterator[App]:
    gw = replace(
        settings.gateway,
        trusted_authserv_ids=("mx.example.test",),
        per_person_domains=("example.test",),
    )
    app = build(replace(settings, gateway=gw, members=MEMBERS), clock)
    yield app
    app.close()


def _forward(headers: dict[str, str]) -> bytes:
    return mail("Fwd: VPN down", body=FORWARD, sender="Ops One <ops@example.test>", headers=headers)


def test_a_verified_members_forward_with_commands(desk: App) -> None:
    out = deliver(desk, _forward({"Authentication-Results": DKIM}))
    t = show(desk, out.ticket_id or 0)
    assert (t["requester"], t["priority"], t["assignee"]) == (
        "alice@customer.test",
        "high",
        "ops2@example.test",
    )
    [transcript] = outbox(desk, "command_result")
    assert transcript.recipients == ["ops@example.test"]
    assert "priority set to high" in text_of(transcript)
    assert outbox(desk, "ops_reply") == []  # the forward is filed, not relayed


def test_an_unproven_members_forward_changes_nothing_and_the_member_is_told(desk: App) -> None:
    out = deliver(desk, _forward({}))
    t = show(desk, out.ticket_id or 0)
    assert (t["requester"], t["priority"]) == ("alice@customer.test", "normal")
    assert t["assignee"] != "ops2@example.test"
    [refused] = outbox(desk, "command_refused")
    assert refused.recipients == ["ops@example.test"] and "/priority high" in text_of(refused)
    assert [e["kind"] for e in t["events"]].count("security") == 1
    assert outbox(desk, "ops_reply") == []


def test_a_members_own_request_with_commands(desk: App) -> None:
    body = "/priority urgent\n\nThe printer on 3F is on fire.\n"
    raw = mail(
        "Printer", body=body, sender="ops@example.test", headers={"Authentication-Results": DKIM}
    )
    out = deliver(desk, raw)
    assert show(desk, out.ticket_id or 0)["priority"] == "urgent"
    assert len(outbox(desk, "command_result")) == 1


def test_a_members_request_about_a_path_is_a_request(desk: App) -> None:
    """ "/var is full on db1" reads like a command line but names none of ours."""
    raw = mail("db1", body="/var is full on db1.\n\nPlease extend it.\n", sender="ops@example.test")
    out = deliver(desk, raw)
    assert "/var is full" in show(desk, out.ticket_id or 0)["messages"][0]["text"]
    assert outbox(desk, "command_result") == outbox(desk, "command_refused") == []
