"""A member taken out of ``[[members]]`` is on no ticket any more.

A member who works a ticket joins it (a participant of role ``ops``), and every notice
they got carries the reply address issued to them. Once they leave the team (the
restart that reads the configuration without them), that row and those addresses made
them a customer of every ticket they had touched: their mail to an old reply address
reopened the ticket, filled its sheet and started its catalog action, and every answer
a member sent the requester was relayed to them too. They joined as a member: without
that they are nobody's participant. Their mail is kept as a stranger's (attached, the
assignee told, nothing carried out), member answers are no longer sent to them, and
``tickets add-participant`` lets one in as themselves.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from gateway.tickets import changes
from store import tickets
from store.db import transaction
from tests.support.actions import runs
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show
from tests.test_actions_pipeline import member_mail, recorder_app

LEAVER = "ops2@example.test"


def _worked_by_the_leaver(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> tuple[int, str, Settings]:
    """A pending account request the leaver took and answered while a member; the
    ticket, the reply address issued to them, and the configuration without them."""
    app, _ = recorder_app(settings, clock, tmp_path)
    try:
        tid = deliver(app, mail(subject="account please", body="Hi!\n")).ticket_id or 0
        said = "/assign ops2@example.test\n/pending\nWhich user id would you like?\n"
        deliver(app, member_mail(app, tid, LEAVER, said))
        assert show(app, tid)["state"] == "pending"
        address = reply_address(app, tid, LEAVER)
        without = tuple(m for m in app.settings.members if m.email != LEAVER)
        return tid, address, replace(app.settings, members=without)
    finally:
        app.close()


def _from_the_leaver(to: str, body: str, tid: int) -> bytes:
    return mail(
        subject=f"Re: [#{tid}] account please", body=body, sender=f"Ops Two <{LEAVER}>", to=to
    )


def test_an_old_reply_address_of_a_former_member_changes_nothing(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    tid, address, without = _worked_by_the_leaver(settings, clock, tmp_path)
    app = build(without, clock)
    try:
        body = "/close\nUser ID: mallory\nI left the team, but I still write.\n"
        out = deliver(app, _from_the_leaver(address, body, tid), envelope_to=(address,))
        assert out.ticket_id == tid and "who left the team" in out.reason  # a stranger now
        ticket = show(app, tid)
        assert ticket["state"] == "pending"  # neither reopened nor closed
        assert "user_id" not in ticket["fields"] and runs(app) == []  # no sheet, no action
        assert _last_in(ticket)["kind"] == "outsider"
        assert [e["actor"] for e in ticket["events"] if e["kind"] == "outsider"] == [LEAVER]
    finally:
        app.close()


def test_a_former_members_tag_opens_a_ticket_of_their_own(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    tid, _, without = _worked_by_the_leaver(settings, clock, tmp_path)
    app = build(without, clock)
    try:
        out = deliver(app, _from_the_leaver("support@example.test", "User ID: mallory\n", tid))
        assert out.ticket_id not in (None, tid)
        assert show(app, out.ticket_id or 0)["linked_ticket"] == tid
        assert "user_id" not in show(app, tid)["fields"]
    finally:
        app.close()


def test_a_former_member_is_sent_no_more_answers(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    tid, _, without = _worked_by_the_leaver(settings, clock, tmp_path)
    app = build(without, clock)
    try:
        before = len(outbox(app))
        answer = "/assign ops@example.test\nYour new password is in the attached letter.\n"
        deliver(app, member_mail(app, tid, "ops@example.test", answer))
        relayed = [r.recipients for r in outbox(app)[before:] if r.kind == "ops_reply"]
        assert relayed == [["alice@customer.test"]]
    finally:
        app.close()


def test_add_participant_lets_a_former_member_in_as_themselves(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    tid, address, without = _worked_by_the_leaver(settings, clock, tmp_path)
    app = build(without, clock)
    try:
        _let_in(app, tid, LEAVER)
        deliver(app, _from_the_leaver(address, "User ID: ops2\n", tid), envelope_to=(address,))
        ticket = show(app, tid)
        assert ticket["fields"]["user_id"] == "ops2" and ticket["state"] == "open"
        assert _last_in(ticket)["kind"] == "reply"
    finally:
        app.close()


def _last_in(ticket: dict[str, Any]) -> dict[str, Any]:
    return [m for m in ticket["messages"] if m["direction"] == "in"][-1]


def _let_in(app: App, tid: int, email: str) -> None:
    """What ``tickets add-participant`` does (gateway.runtime.cli.tickets)."""
    with transaction(app.sessions) as s:
        ticket = tickets.get_to_change(s, tid)
        assert ticket is not None
        now = app.clock.now()
        assert changes.add_participant(s, ticket, email, "cc", now, actor="cli", channel="cli")
