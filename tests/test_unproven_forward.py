"""A forward that claims a member's From but proves nothing grants no member standing.

Anyone can write ``From: ops@example.test`` above a made-up "Forwarded message". That
may open a ticket for the forwarded sender, as that sender's own mail (forged or not)
would: nothing more. The claimed member is not made a participant of the ticket, the
``created`` event says the forward is unverified (``forward_verified``), an
``unverified`` event tells the team why, and their commands stay refused
(tests/test_member_new_commands.py). A proven forward files it in the member's name.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from tests.support.app import MEMBERS
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show

DKIM = "mx.example.test; dkim=pass header.d=example.test"
FORWARD = (
    "Please look at this one.\n\n"
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


def _forwarded(app: App, headers: dict[str, str]) -> dict[str, Any]:
    raw = mail("Fwd: VPN down", body=FORWARD, sender="Ops One <ops@example.test>", headers=headers)
    out = deliver(app, raw)
    assert out.ticket_id is not None
    return show(app, out.ticket_id)


def _created(ticket: dict[str, Any]) -> dict[str, Any]:
    [created] = [e for e in ticket["events"] if e["kind"] == "created"]
    return created


def test_an_unproven_forward_opens_the_ticket_but_the_member_gets_no_standing(desk: App) -> None:
    t = _forwarded(desk, {})
    assert t["requester"] == "alice@customer.test"
    assert "ops@example.test" not in t["participants"]
    created = _created(t)
    assert created["detail"]["forward_verified"] is False
    [unverified] = [e for e in t["events"] if e["kind"] == "unverified"]
    assert unverified["detail"]["via"] == "forward"
    assert "ops@example.test" in unverified["detail"]["reason"]
    # answered as the forwarded sender's own mail would be; the member is not answered
    assert [m.recipients for m in outbox(desk, "acknowledgement")] == [["alice@customer.test"]]


def test_a_proven_forward_is_filed_in_the_members_name(desk: App) -> None:
    t = _forwarded(desk, {"Authentication-Results": DKIM})
    assert t["requester"] == "alice@customer.test"
    assert "ops@example.test" in t["participants"]
    created = _created(t)
    assert created["actor"] == "ops@example.test"
    assert created["detail"]["forwarded_by"] == "ops@example.test"
    assert created["detail"]["forward_verified"] is True
    assert not [e for e in t["events"] if e["kind"] == "unverified"]


def test_a_flood_of_unproven_forwards_under_a_members_from_is_braked(desk: App) -> None:
    """Each names another customer, so no requester opened more than one ticket: it is
    the claimed member whose unverified mails count, as a bare tag's sender's do."""
    for i in range(12):
        body = FORWARD.replace("alice@customer.test", f"c{i}@customer.test")
        raw = mail(f"Fwd: VPN down {i}", body=body, sender="Ops One <ops@example.test>")
        assert deliver(desk, raw).ticket_id is not None
    assert len(outbox(desk, "new_ticket")) == 10  # [limits] ops_notices_per_hour
