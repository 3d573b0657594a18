"""The Slack card's approval button (issue #16: ``when: approved`` waits for a manager's
``/approve`` by mail, the web button, or the chat button): shown while the ticket's
action waits, pressed by a manager it queues the run through the same function as
``/approve``, anyone else is told why and nothing changes."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from gateway.actions import trigger
from gateway.chat import render
from gateway.config.settings import CatalogSettings, Settings
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.runtime.app import App, build
from gateway.tickets import changes, merge
from store import tickets
from store.db import transaction
from store.models import Ticket
from tests.support import chat as c
from tests.support.actions import CATALOG, argv_yaml, catalog_text, runs, script
from tests.support.mails import mail
from tests.support.pipeline import all_tickets, deliver, show
from tests.support.slack_fake import FakeSlack
from tests.support.waiting import eventually

BOSS = "U0BOSS001"  # boss@example.test, the entry's manager
APPROVE = "ticket_approve"


@pytest.fixture
def approve_app(
    settings: Settings, clock: FakeClock, fake: FakeSlack, tmp_path: Path
) -> Iterator[App]:
    argv = script(tmp_path, "noop.py", "import sys; sys.stdin.read()")
    action = f"type: command\nargv: {argv_yaml(argv)}\nwhen: approved"
    (tmp_path / "catalog.yaml").write_text(catalog_text(action), encoding="utf-8")
    chat = c.chat_settings(settings, fake)
    fake.add_user(BOSS, "boss@example.test", "Boss", "ja-JP")
    application = build(replace(chat, catalog=CatalogSettings(tmp_path / "catalog.yaml")), clock)
    with c.slack_app(application, fake):
        yield application
    application.close()


def _buttons(message: dict[str, Any]) -> list[str]:
    actions = next(b for b in message["blocks"] if b["type"] == "actions")
    return [e["action_id"] for e in actions["elements"]]


def _waiting_ticket(app: App, fake: FakeSlack) -> int:
    fake.envelope("slash_commands", c.command())
    step1 = fake.wait_for("views.open")[-1]["view"]
    step2 = fake.envelope("interactive", c.submission(step1, c.chosen("account")))["view"]
    values = c.typed("アカウント作成", "")
    values["field:user_id"] = {"value": {"type": "plain_text_input", "value": "taro"}}
    assert fake.envelope("interactive", c.submission(step2, values)) == {}
    app.runner.process_pending()
    [t] = all_tickets(app)
    [run] = runs(app)
    assert run["state"] == "awaiting_approval"
    return int(t["id"])


def test_the_card_offers_approval_and_a_managers_press_queues_the_run(
    approve_app: App, fake: FakeSlack
) -> None:
    ticket_id = _waiting_ticket(approve_app, fake)
    c.poster(approve_app).drain()
    [card] = [p for p in fake.of("chat.postMessage") if p["channel"] == c.HELP]
    assert APPROVE in _buttons(card)
    label = next(
        e["text"]["text"]
        for b in card["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == APPROVE
    )
    assert label == "承認"  # the channel speaks Japanese

    fake.envelope("interactive", c.press(APPROVE, ticket_id, BOSS))
    assert eventually(lambda: runs(approve_app)[0]["state"] == "pending")
    [told] = fake.wait_for("chat.postEphemeral")
    assert told["user"] == BOSS and "承認" in told["text"]
    approved = [e for e in show(approve_app, ticket_id)["events"] if e["kind"] == "action-approved"]
    assert [(e["actor"], e["channel"]) for e in approved] == [("boss@example.test", "slack")]
    c.poster(approve_app).drain()
    [update] = fake.of("chat.update")
    assert APPROVE not in _buttons(update)  # nothing left to approve


def test_only_a_manager_approves_from_slack(approve_app: App, fake: FakeSlack) -> None:
    ticket_id = _waiting_ticket(approve_app, fake)
    fake.envelope("interactive", c.press(APPROVE, ticket_id, c.OPS))  # a member, not a manager
    fake.envelope("interactive", c.press(APPROVE, ticket_id, c.STRANGER))  # nobody of ours
    told = {t["user"]: t["text"] for t in fake.wait_for("chat.postEphemeral", 2)}
    assert "manager" in told[c.OPS]  # OPS reads English (the answers come in any order)
    assert "メンバー" in told[c.STRANGER]
    assert runs(approve_app)[0]["state"] == "awaiting_approval"
    kinds = [e["kind"] for e in show(approve_app, ticket_id)["events"]]
    assert "action-approved" not in kinds


def _card_ready(app: App, fake: FakeSlack) -> int:
    """A ticket whose action waits for approval, its card out with the Approve button."""
    ticket_id = _waiting_ticket(app, fake)
    c.poster(app).drain()
    [card] = [p for p in fake.of("chat.postMessage") if p["channel"] == c.HELP]
    assert APPROVE in _buttons(card)
    return ticket_id


def _said(message: dict[str, Any]) -> list[str]:
    """The card's plain-text context lines (where its action stands, among them)."""
    return [
        e["text"]
        for b in message["blocks"]
        if b["type"] == "context"
        for e in b["elements"]
        if e["type"] == "plain_text"
    ]


def _has_buttons(message: dict[str, Any]) -> bool:
    return any(b["type"] == "actions" for b in message["blocks"])


def _elsewhere(app: App, ticket_id: int, work: Callable[[Session, Ticket], None]) -> None:
    """A change made through the tickets service by another door than the card."""
    with transaction(app.sessions) as s:
        ticket = tickets.get_to_change(s, ticket_id)
        assert ticket is not None
        work(s, ticket)


def test_a_card_whose_ticket_was_closed_elsewhere_says_so_without_buttons(
    approve_app: App, fake: FakeSlack, clock: FakeClock
) -> None:
    """Closed by a member's mail while the action waited: the card is updated once, in
    the channel's language, to say the action was not approved, and offers no button
    (Approve would be refused); Slack down at first, the update is retried, not lost.
    Reopened, the card offers Approve again."""
    ticket_id = _card_ready(approve_app, fake)
    now = approve_app.clock.now()
    _elsewhere(approve_app, ticket_id, lambda s, t: changes.change_state(
        s, t, TicketState.CLOSED, now, actor="ops@example.test", channel="email"
    ))  # fmt: skip
    fake.down = "500"
    c.poster(approve_app).drain()
    assert fake.of("chat.update") == [] and fake.of("chat.update!failed")
    fake.down = ""
    clock.advance(timedelta(minutes=5))
    c.poster(approve_app).drain()
    c.poster(approve_app).drain()
    [update] = fake.of("chat.update")  # once
    assert not _has_buttons(update)
    [line] = _said(update)
    # the channel speaks Japanese: the card says "closed" as its State field does
    assert "承認" in line and render.state_name("closed", "ja") in line, line

    _elsewhere(approve_app, ticket_id, lambda s, t: changes.change_state(
        s, t, TicketState.OPEN, approve_app.clock.now(), actor="ops@example.test",
        channel="email",
    ))  # fmt: skip
    c.poster(approve_app).drain()
    assert APPROVE in _buttons(fake.of("chat.update")[-1])  # it can be approved again


def test_a_card_says_who_approved_on_another_door(approve_app: App, fake: FakeSlack) -> None:
    """Approved on the ticket page: the card no longer offers Approve, says who approved,
    and keeps the buttons that still work on the open ticket."""
    ticket_id = _card_ready(approve_app, fake)
    settings, catalog = approve_app.settings, approve_app.catalog.current
    _elsewhere(approve_app, ticket_id, lambda s, t: trigger.approve(
        s, settings.members, catalog, t, approve_app.clock.now(),
        actor="boss@example.test", channel="web",
    ) and None)  # fmt: skip
    c.poster(approve_app).drain()
    [update] = fake.of("chat.update")
    assert APPROVE not in _buttons(update) and render.CLOSE in _buttons(update)
    [line] = _said(update)
    assert "Boss" in line and "承認" in line, line


def test_a_card_whose_ticket_was_merged_says_where_without_buttons(
    approve_app: App, fake: FakeSlack
) -> None:
    ticket_id = _card_ready(approve_app, fake)
    deliver(approve_app, mail(subject="Another request", message_id="<other@customer.test>"))
    [target] = [t for t in all_tickets(approve_app) if t["id"] != ticket_id]
    now = approve_app.clock.now()
    _elsewhere(approve_app, ticket_id, lambda s, t: merge.merge(
        s, t, int(target["id"]), now, actor="ops@example.test", channel="web",
        tag=f"[#{target['id']}]", max_watchers=10,
    ) and None)  # fmt: skip
    c.poster(approve_app).drain()
    [update] = fake.of("chat.update")
    assert not _has_buttons(update)
    [line] = _said(update)
    assert f"#{target['id']}" in line and "承認" in line, line


def test_a_card_refiled_under_another_entry_drops_its_approve_button(
    approve_app: App, fake: FakeSlack
) -> None:
    """Refiled (``/category``) while the action waited: the waiting run is the old
    entry's, and the card (its entry's name too) is updated."""
    ticket_id = _card_ready(approve_app, fake)
    now = approve_app.clock.now()
    _elsewhere(approve_app, ticket_id, lambda s, t: changes.set_category(
        s, t, "other", now, actor="ops@example.test", channel="email"
    ))  # fmt: skip
    c.poster(approve_app).drain()
    [update] = fake.of("chat.update")
    assert APPROVE not in _buttons(update) and _said(update) == []
    assert "その他" in json.dumps(update["blocks"], ensure_ascii=False)


def test_a_card_offers_no_approval_the_catalog_no_longer_waits_for(
    approve_app: App, fake: FakeSlack, tmp_path: Path
) -> None:
    """The entry's action taken out of the catalog while the run waited: ``/approve``
    would be refused, so the card's next update (any change) offers no Approve button."""
    ticket_id = _card_ready(approve_app, fake)
    no_action = re.sub(r"    action:\n@@ACTION@@\n", "", CATALOG)
    (tmp_path / "catalog.yaml").write_text(no_action, encoding="utf-8")
    assert approve_app.catalog.reload()
    now = approve_app.clock.now()
    _elsewhere(approve_app, ticket_id, lambda s, t: changes.assign(
        s, t, "ops2@example.test", now, actor="ops@example.test", channel="email"
    ))  # fmt: skip
    c.poster(approve_app).drain()
    # two updates: the catalog's change itself (the entry no longer waits for approval:
    # gateway.chat.refresh), and the assignment's; neither offers Approve
    refreshed, assigned = fake.of("chat.update")
    for update in (refreshed, assigned):
        assert APPROVE not in _buttons(update) and _said(update) == []
