"""The ``/ticket`` form when the catalog is reloaded between opening the form and sending
a step of it: the kind of request chosen is no longer offered. The person is told so in
plain words and offered the kinds the catalog has now, with what they brought into the
form (a message's text) kept; nothing is filed under a kind that is gone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from gateway.config.settings import CatalogSettings, Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from tests.support import chat as c
from tests.support.catalogs import GOOD
from tests.support.pipeline import inbox_rows
from tests.support.slack_fake import FakeSlack

NO_LONGER = "選んだお問い合わせの種類は受け付けを終了しました"


@pytest.fixture
def catalog_file(tmp_path: Path) -> Path:
    path = tmp_path / "catalog.yaml"
    path.write_text(GOOD, encoding="utf-8")
    return path


@pytest.fixture
def chat_app(
    settings: Settings, clock: FakeClock, fake: FakeSlack, catalog_file: Path
) -> Iterator[App]:
    cfg = replace(c.chat_settings(settings, fake), catalog=CatalogSettings(catalog_file))
    application = build(cfg, clock)
    with c.slack_app(application, fake):
        yield application
    application.close()


def _without_vpn(app: App, catalog_file: Path) -> None:
    """The catalog as the operator saves it: the ``vpn`` entry taken out; reloaded."""
    lines = catalog_file.read_text(encoding="utf-8").splitlines()
    start = lines.index("  - id: vpn")
    end = lines.index("  - id: other")
    catalog_file.write_text("\n".join(lines[:start] + lines[end:]) + "\n", encoding="utf-8")
    assert app.catalog.reload()
    assert app.catalog.current.entry("vpn") is None


def _offered(view: dict[str, Any]) -> list[str]:
    [menu] = [b for b in view["blocks"] if b.get("block_id") == "entry"]
    return [o["value"] for o in menu["element"].get("options", [])]


def _said(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


def test_a_kind_of_request_removed_before_step_one_is_sent_is_offered_again(
    chat_app: App, fake: FakeSlack, catalog_file: Path
) -> None:
    message = {"ts": "1772400000.000100", "text": "VPN が朝から切れます", "user": "U0X"}
    fake.envelope("interactive", c.shortcut("create_ticket", c.REQUESTER, message))
    [opened] = fake.wait_for("views.open")
    assert "vpn" in _offered(opened["view"])
    _without_vpn(chat_app, catalog_file)
    answer = fake.envelope("interactive", c.submission(opened["view"], c.chosen("vpn")))
    assert answer["response_action"] == "update"  # not "choose one" under a stale menu
    again = answer["view"]
    assert again["callback_id"] == opened["view"]["callback_id"]  # step one, as it is now
    assert _offered(again) == ["other"]
    assert NO_LONGER in _said(again)  # in the person's language (ja-JP)
    # the message's text is still carried: chosen again, the form is filled with it
    step2 = fake.envelope("interactive", c.submission(again, c.chosen("other")))["view"]
    [details] = [b for b in step2["blocks"] if b.get("block_id") == "text"]
    assert details["element"]["initial_value"] == "VPN が朝から切れます"
    assert inbox_rows(chat_app) == []
