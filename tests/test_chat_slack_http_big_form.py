"""HTTP mode and a big form: Slack sends a form's page back whole when it is
submitted (the view's blocks, every menu's options, and what was typed), so a page of
an entry with many choice fields is megabytes, not the few kilobytes of a press or a
command. The endpoint takes such a page (the next page comes back, the ticket is
filed) instead of refusing it 413 before anything reads it: Slack showed the person
its own "trouble connecting" error, nothing was stored, nothing was logged, and
sending again changed nothing."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from gateway.config.settings import CatalogSettings, Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from tests.support import chat as c
from tests.support.pipeline import all_tickets, show
from tests.support.slack_fake import FakeSlack

FIELDS, CHOICES = 130, 100  # two pages; each menu as long as a static one gets


def _catalog(path: Path) -> Path:
    lines = ["entries:", "  - id: big", "    name: {ja: 機器の一括申請, en: Bulk request}"]
    lines.append("    fields:")
    for n in range(FIELDS):
        choices = ", ".join(
            f"{{value: m{k}, label: {{ja: 第{k}世代ノートパソコン（標準構成）, en: Model {k}}}}}"
            for k in range(CHOICES)
        )
        lines.append(
            f"      - {{name: f{n}, label: {{ja: 申請項目その{n}, en: Item {n}}}, "
            f"type: choice, choices: [{choices}]}}"
        )
    lines += ["  - id: other", "    name: {ja: その他, en: Other}", "    fallback: true"]
    lines.append("    manager: boss@example.test")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def http_app(
    settings: Settings, clock: FakeClock, fake: FakeSlack, tmp_path: Path
) -> Iterator[App]:
    cfg = c.chat_settings(settings, fake, mode="http", signing_secret=c.SIGNING, http_port=0)
    cfg = replace(cfg, catalog=CatalogSettings(_catalog(tmp_path / "catalog.yaml")))
    application = build(cfg, clock)
    yield application
    application.close()


def _send(app: App, port: int, body: bytes) -> tuple[int, Any]:
    """``body`` POSTed as Slack does, signed now on the app's clock: status and answer."""
    now = app.clock.now()
    stamp = str(int(now.timestamp()))
    base = b"v0:" + stamp.encode() + b":" + body
    signature = "v0=" + hmac.new(c.SIGNING.encode(), base, hashlib.sha256).hexdigest()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/slack/events",
        data=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            raw = answer.read()
            return int(answer.status), json.loads(raw) if raw.strip() else {}
    except urllib.error.HTTPError as exc:
        return int(exc.code), None


def _payload(payload: dict[str, Any]) -> bytes:
    return urlencode({"payload": json.dumps(payload, ensure_ascii=False)}).encode()


def _chosen(view: dict[str, Any], n: int) -> dict[str, Any]:
    """The page's state with every menu of it set, as Slack sends it back (the option
    chosen, whole)."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        element = block.get("element") or {}
        if element.get("type") == "static_select":
            option = element["options"][n]
            values[block["block_id"]] = {
                "value": {"type": "static_select", "selected_option": option}
            }
    return values


def _submitted(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A view_submission as Slack sends it: the view whole (its blocks too) and its state."""
    payload = c.submission(view, values)
    payload["view"] = {**view, **payload["view"]}  # blocks, title, submit… as shown
    return payload


def test_a_page_of_a_big_form_is_taken_and_the_ticket_filed(http_app: App, fake: FakeSlack) -> None:
    with c.slack_app(http_app, fake) as listener:
        assert _send(http_app, listener.port, c.form(c.command()).encode())[0] == 200
        [opened] = fake.wait_for("views.open")
        status, answer = _send(
            http_app, listener.port, _payload(_submitted(opened["view"], c.chosen("big")))
        )
        assert status == 200 and answer["response_action"] == "update"
        page1 = answer["view"]
        values = {
            **_chosen(page1, 3),
            "subject": {"value": {"type": "plain_text_input", "value": "ノートPCの申請"}},
        }
        body = _payload(_submitted(page1, values))
        assert len(body) > 2**20  # past the 1 MiB the endpoint took
        status, answer = _send(http_app, listener.port, body)
        assert status == 200, status
        assert answer["response_action"] == "update"  # the next page
        page2 = answer["view"]
        values = {
            **_chosen(page2, 5),
            "text": {"value": {"type": "plain_text_input", "value": "よろしく"}},
        }
        status, answer = _send(http_app, listener.port, _payload(_submitted(page2, values)))
        assert status == 200 and not answer, answer
    http_app.runner.process_pending()
    [ticket] = all_tickets(http_app)
    fields = show(http_app, int(ticket["id"]))["fields"]
    assert len(fields) == FIELDS and fields["f0"] == "m3" and fields[f"f{FIELDS - 1}"] == "m5"
