"""A reply found by a Message-ID, or sent to someone else's reply address, proves nothing
about who wrote it either.

Anyone who saw one mail of a ticket (a colleague the requester forwarded it to, a
watcher) knows its Message-IDs and the requester's address. Such a person wrote
``From: alice@customer.test`` and ``In-Reply-To: <her request>`` to the support
address, or sent it to a watcher's reply address: the gateway took it for Alice's
reply. It filled the parameter sheet and started the entry's catalog action (an
account made under the user id the forger chose), and reopened a closed ticket. A
subject tag alone was already refused so (tests/test_unverified_tag_reply.py); these
are the same forgery under another way of naming the ticket. Now such a mail is kept,
marked unverified, as the tag's is; the reply address issued to Alice, or a trusted
DKIM or DMARC pass for her domain, still makes it her reply.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.runtime.app import App
from store import ticket_rows
from store.db import transaction
from tests.support.actions import runs
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import all_tickets, deliver, show
from tests.support.scheduling import set_state
from tests.test_actions_pipeline import recorder_app

ALICE = "alice@customer.test"
BOB = "bob@customer.test"  # a watcher of Alice's ticket
MX = "mx.example.test"
REQUEST = "<req-forged@customer.test>"


def _requested(app: App) -> int:
    """Alice's account request, its sheet still missing the user id; Bob watches it."""
    body = "Hello, an account for our new colleague please.\n"
    out = deliver(app, mail(subject="account please", body=body, message_id=REQUEST))
    with transaction(app.sessions) as s:
        ticket_rows.add_participant(s, out.ticket_id or 0, BOB, "watcher")
    return out.ticket_id or 0


def _as_alice(body: str, **kw: Any) -> bytes:
    return mail(subject="Re: account please", body=body, sender=f"Alice <{ALICE}>", **kw)


def _last_in(app: App, tid: int) -> dict[str, Any]:
    return [m for m in show(app, tid)["messages"] if m["direction"] == "in"][-1]


def test_a_forged_reply_by_message_id_fills_no_field_and_starts_nothing(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    app, _ = recorder_app(settings, clock, tmp_path)
    try:
        tid = _requested(app)
        set_state(app, tid, TicketState.PENDING)
        out = deliver(app, _as_alice("User ID: mallory\n/close\n", in_reply_to=REQUEST))
        assert out.ticket_id == tid and "unverified" in out.reason, out.reason
        ticket = show(app, tid)
        assert "user_id" not in ticket["fields"] and runs(app) == []
        assert ticket["state"] == "open"  # words for a person to read, as a tag's
        assert _last_in(app, tid)["kind"] == "unverified"
        [event] = [e for e in ticket["events"] if e["kind"] == "unverified"]
        assert event["actor"] == ALICE and event["detail"]["via"] == "headers"
    finally:
        app.close()


def test_a_forged_reply_to_a_watchers_reply_address_fills_no_field(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    app, _ = recorder_app(settings, clock, tmp_path)
    try:
        tid = _requested(app)
        bobs = reply_address(app, tid, BOB)
        out = deliver(app, _as_alice("User ID: mallory\n", to=bobs), envelope_to=(bobs,))
        assert "unverified" in out.reason, out.reason
        assert "user_id" not in show(app, tid)["fields"] and runs(app) == []
        [event] = [e for e in show(app, tid)["events"] if e["kind"] == "unverified"]
        assert event["detail"]["via"] == "token"
    finally:
        app.close()


def test_a_forged_reply_by_message_id_reopens_no_closed_ticket(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    app, _ = recorder_app(settings, clock, tmp_path)
    try:
        tid = _requested(app)
        set_state(app, tid, TicketState.CLOSED)
        out = deliver(app, _as_alice("Please do it again.\n", in_reply_to=REQUEST))
        assert out.ticket_id not in (None, tid) and show(app, tid)["state"] == "closed"
        assert show(app, out.ticket_id or 0)["linked_ticket"] == tid
        assert len(all_tickets(app)) == 2
    finally:
        app.close()


def test_alices_own_reply_address_or_a_trusted_dmarc_pass_makes_it_her_reply(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    trusting = replace(settings, gateway=replace(settings.gateway, trusted_authserv_ids=(MX,)))
    app, _ = recorder_app(trusting, clock, tmp_path)
    try:
        tid = _requested(app)
        own = reply_address(app, tid, ALICE)
        deliver(app, _as_alice("User ID: taro\n", to=own), envelope_to=(own,))
        assert show(app, tid)["fields"]["user_id"] == "taro" and len(runs(app)) == 1
        passed = {"Authentication-Results": f"{MX}; dmarc=pass header.from=customer.test"}
        deliver(app, _as_alice("User ID: jiro\n", in_reply_to=REQUEST, headers=passed))
        assert show(app, tid)["fields"]["user_id"] == "jiro"
        assert _last_in(app, tid)["kind"] == "reply"
    finally:
        app.close()
