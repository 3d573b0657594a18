"""A sheet value given again is no change, at every door (as in RT or Zammad): no
``field`` event in the history, no notice to the members, no ``updated_at`` bump; the
member who gave ``/field`` is told the field already had that value. "Again" is after
the field type's normalisation: a number typed full width, an address with its domain
in capitals or as its Unicode form (stored as the A-label), a choice by its label."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from gateway.tickets import changes
from store import tickets
from store.db import transaction
from tests.support.actions import action_app
from tests.support.app import MEMBERS, reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of

# the sheet completes with the request; its action waits for an approval nobody gives
WAITS = 'type: command\nargv: ["true"]\nwhen: approved'
REQUEST = mail(
    subject="New account please",
    body="Please create an account.\nUser ID: taro.yamada\nContact: Taro@Faß.DE\nPlan: pro\n",
)


def _filed(settings: Settings, clock: FakeClock, tmp_path: Path) -> tuple[App, int]:
    app = action_app(settings, clock, tmp_path, WAITS)
    ticket_id = deliver(app, REQUEST).ticket_id or 0
    t = show(app, ticket_id)
    assert t["catalog"] == "account" and t["assignee"] == "ops@example.test", t
    assert t["fields"]["contact"] == "taro@xn--fa-hia.de"
    return app, ticket_id


def _member_mail(app: App, ticket_id: int, body: str, member: str) -> bytes:
    name = {m.email: m.name for m in MEMBERS}[member]
    to = reply_address(app, ticket_id, member)
    return mail(subject=f"Re: [#{ticket_id}]", body=body, sender=f"{name} <{member}>", to=to)


def _field_events(app: App, ticket_id: int) -> list[dict[str, Any]]:
    return [e for e in show(app, ticket_id)["events"] if e["kind"] == "field"]


def test_a_field_command_giving_the_stored_value_changes_nothing(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    app, ticket_id = _filed(settings, clock, tmp_path)
    try:
        clock.advance(timedelta(minutes=5))
        deliver(app, _member_mail(app, ticket_id, "/field seats 2\n", "ops2@example.test"))
        assert [e["new"] for e in _field_events(app, ticket_id)][-1] == "2"
        before = (len(_field_events(app, ticket_id)), [r.kind for r in outbox(app)])
        assert "notice" in " ".join(before[1][-3:]), before  # the assignee heard of that one
        for body, member in [
            ("/field seats ２\n", "ops2@example.test"),  # full width: the number 2
            ("/field contact taro@FAẞ.de\n", "ops@example.test"),  # the A-label's domain
            ("/field plan pro\n", "ops@example.test"),
        ]:
            clock.advance(timedelta(minutes=5))
            deliver(app, _member_mail(app, ticket_id, body, member))
            assert len(_field_events(app, ticket_id)) == before[0], body
        kinds = [r.kind for r in outbox(app)]
        assert kinds[: len(before[1])] == before[1]
        assert kinds[len(before[1]) :] == ["command_result"] * 3, kinds  # transcripts only
        said = [" ".join(text_of(r).split()) for r in outbox(app, "command_result")[-3:]]
        assert "台数（seats）はすでに 2 です（変更はありません）" in said[0], said[0]
        assert "field Contact (contact) already had the value taro@faß.de: nothing" in said[1]
        assert "field Plan (plan) already had the value" in said[2], said[2]
        assert show(app, ticket_id)["fields"]["seats"] == "2"
    finally:
        app.close()


def test_the_service_writes_nothing_for_the_value_it_holds(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """What every door calls (a script, the CLI's ``tickets`` commands, the runner): an
    equal value returns False and leaves the ticket as it was, updated_at included."""
    app, ticket_id = _filed(settings, clock, tmp_path)
    who = {"actor": "ops@example.test", "channel": "cli"}
    entry = app.catalog.current.entry("account")
    try:
        clock.advance(timedelta(hours=1))
        with transaction(app.sessions) as s:
            ticket = tickets.get(s, ticket_id)
            assert ticket is not None
            kept = ticket.updated_at
            assert not changes.set_field(s, ticket, "plan", "pro", clock.now(), **who, entry=entry)
            # an address an older release kept as typed is its A-label all the same
            assert not changes.set_field(
                s, ticket, "contact", "taro@xn--fa-hia.de", clock.now(), **who, entry=entry
            )
            assert ticket.updated_at == kept
        assert len(_field_events(app, ticket_id)) == 3  # the request's three
        with transaction(app.sessions) as s:
            ticket = tickets.get(s, ticket_id)
            assert ticket is not None
            assert changes.set_field(s, ticket, "plan", "basic", clock.now(), **who, entry=entry)
            assert ticket.updated_at == clock.now()
        assert [e["new"] for e in _field_events(app, ticket_id)][-1] == "basic"
    finally:
        app.close()


def test_a_requester_giving_a_value_again_by_reply_changes_nothing(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    app, ticket_id = _filed(settings, clock, tmp_path)
    try:
        events = len(_field_events(app, ticket_id))
        sent = len(outbox(app))
        clock.advance(timedelta(minutes=5))
        to = reply_address(app, ticket_id, "alice@customer.test")
        again = mail(subject=f"Re: [#{ticket_id}]", body="Plan: Pro\nUser ID: taro.yamada\n", to=to)
        deliver(app, again)
        assert len(_field_events(app, ticket_id)) == events
        [notice] = [r for r in outbox(app)[sent:] if "notice" in r.kind]  # of the reply
        assert text_of(notice).count("Plan") == 1, text_of(notice)  # its words, no change
    finally:
        app.close()


def test_assign_to_the_member_who_has_it_is_no_change_either(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """``/assign ops`` on ops's ticket wrote an ``assign`` event (ops → ops) and told
    ops again that the ticket was given to them; as ``tickets assign``, the page's
    "assign to me" and Slack's button: nothing written, the member told so."""
    app, ticket_id = _filed(settings, clock, tmp_path)
    try:
        events = show(app, ticket_id)["events"]
        sent = [r.kind for r in outbox(app)]
        clock.advance(timedelta(minutes=5))
        deliver(app, _member_mail(app, ticket_id, "/assign ops\n", "ops2@example.test"))
        after = show(app, ticket_id)
        assert [e for e in after["events"] if e["kind"] == "assign"] == [
            e for e in events if e["kind"] == "assign"
        ]
        new = [r.kind for r in outbox(app)][len(sent) :]
        assert new == ["command_result"], new
        said = " ".join(text_of(outbox(app, "command_result")[-1]).split())
        assert "すでに Ops One が担当しています（変更はありません）" in said, said
    finally:
        app.close()
