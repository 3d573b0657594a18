"""What the app tells one person in Slack (an only-you-can-see-this answer) is mrkdwn:
the names it carries from the catalog read as written there too, as on the card and in
the form. A manager's *Approve* answer names the entry: ``*Core* _VPN_ <!channel>``
is no bold, no italics and no ping of ours under the app's name."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from gateway.chat.markup import UNSEEN
from gateway.config.settings import CatalogSettings, Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from tests.support import chat as c
from tests.support.actions import argv_yaml, catalog_text, runs, script
from tests.support.pipeline import all_tickets
from tests.support.slack_fake import FakeSlack
from tests.support.waiting import eventually

BOSS = "U0BOSS001"


@pytest.fixture
def approve_app(
    settings: Settings, clock: FakeClock, fake: FakeSlack, tmp_path: Path
) -> Iterator[App]:
    argv = script(tmp_path, "noop.py", "import sys; sys.stdin.read()")
    action = f"type: command\nargv: {argv_yaml(argv)}\nwhen: approved"
    text = catalog_text(action).replace(
        "name: {ja: アカウント, en: Accounts}",
        'name: {ja: "*基幹* _VPN_ <!channel>", en: "*Core* _VPN_ <!channel>"}',
    )
    (tmp_path / "catalog.yaml").write_text(text, encoding="utf-8")
    fake.add_user(BOSS, "boss@example.test", "Boss", "en-US")
    cfg = c.chat_settings(settings, fake)
    application = build(replace(cfg, catalog=CatalogSettings(tmp_path / "catalog.yaml")), clock)
    with c.slack_app(application, fake):
        yield application
    application.close()


def test_an_approvals_answer_names_the_entry_as_written(approve_app: App, fake: FakeSlack) -> None:
    fake.envelope("slash_commands", c.command())
    step1 = fake.wait_for("views.open")[-1]["view"]
    step2 = fake.envelope("interactive", c.submission(step1, c.chosen("account")))["view"]
    values = c.typed("アカウント作成", "")
    values["field:user_id"] = {"value": {"type": "plain_text_input", "value": "taro"}}
    assert fake.envelope("interactive", c.submission(step2, values)) == {}
    approve_app.runner.process_pending()
    [t] = all_tickets(approve_app)
    fake.envelope("interactive", c.press("ticket_approve", int(t["id"]), BOSS))
    assert eventually(lambda: runs(approve_app)[0]["state"] == "pending")
    [told] = fake.wait_for("chat.postEphemeral")
    text = told["text"]
    assert "Core" in text and "approved" in text, text
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert f"{UNSEEN}*Core*{UNSEEN}" in text and f"{UNSEEN}_VPN_{UNSEEN}" in text  # no bold
    assert " *Core* " not in text  # as it would have been
