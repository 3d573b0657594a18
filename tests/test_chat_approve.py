"""The Slack card's approval button (issue #16: ``when: approved`` waits for a manager's
``/approve`` by mail, the web button, or the chat button): shown while the ticket's
action waits, pressed by a manager it queues the run through the same function as
``/approve``, anyone else is told why and nothing changes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from gateway.config.settings import CatalogSettings, Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from tests.support import chat as c
from tests.support.actions import argv_yaml, catalog_text, runs, script
from tests.support.pipeline import all_tickets, show
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
    told = fake.wait_for("chat.postEphemeral", 2)
    assert "manager" in told[0]["text"]  # OPS reads English
    assert "メンバー" in told[1]["text"]
    assert runs(approve_app)[0]["state"] == "awaiting_approval"
    kinds = [e["kind"] for e in show(approve_app, ticket_id)["events"]]
    assert "action-approved" not in kinds
