"""A catalog whose ``big`` entry has more fields than one Slack modal holds (a form of
pages), the gateway on it, and the steps of its form as Slack sends them."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from gateway.config.settings import CatalogSettings, Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from tests.support import chat as c
from tests.support.slack_fake import FakeSlack

MANY = 130  # fields of the big entry: more than one view's 97
VIEW = "V0VIEW001"  # the form's view id, as the fake gives it


def write_catalog(path: Path, many: int = MANY) -> Path:
    """``big``: ``many`` fields, the first and the last required, f7 a number."""
    lines = ["entries:", "  - id: big", "    name: {ja: 大きな申請, en: Big request}"]
    lines.append("    fields:")
    for n in range(many):
        required = "true" if n in (0, many - 1) else "false"
        kind = "number" if n == 7 else "text"
        lines.append(
            f"      - {{name: f{n}, label: {{ja: 項目{n}, en: Item {n}}}, type: {kind}, "
            f"required: {required}}}"
        )
    lines += [
        "  - id: other",
        "    name: {ja: その他, en: Other}",
        "    fallback: true",
        "    manager: boss@example.test",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@contextmanager
def pages_gateway(
    settings: Settings,
    clock: FakeClock,
    fake: FakeSlack,
    tmp_path: Path,
    timeout: timedelta | None = None,
) -> Iterator[App]:
    """``timeout``: the [chat] timeout (the tests' is 1 s)."""
    cfg = c.chat_settings(settings, fake)
    cfg = replace(cfg, catalog=CatalogSettings(write_catalog(tmp_path / "catalog.yaml")))
    if timeout is not None:
        cfg = replace(cfg, chat=replace(cfg.chat, timeout=timeout))
    application = build(cfg, clock)
    try:
        with c.slack_app(application, fake):
            yield application
    finally:
        application.close()


def text(value: str) -> dict[str, Any]:
    """A text input's state, as Slack sends it."""
    return {"value": {"type": "plain_text_input", "value": value}}


def fields_of(view: dict[str, Any]) -> list[str]:
    """The catalog fields a page asks, in order."""
    return [
        b["block_id"].removeprefix("field:")
        for b in view["blocks"]
        if b.get("block_id", "").startswith("field:")
    ]


def initial(view: dict[str, Any]) -> dict[str, str]:
    """What a page shows filled in: block id → its input's initial value."""
    out = {}
    for b in view["blocks"]:
        element = b.get("element") or {}
        for key in ("initial_value", "initial_date"):
            if key in element:
                out[b["block_id"]] = str(element[key])
        if "initial_option" in element:
            out[b["block_id"]] = str(element["initial_option"]["value"])
    return out


def open_big(fake: FakeSlack) -> dict[str, Any]:
    """``/ticket``, ``big`` chosen: the form's first page."""
    fake.envelope("slash_commands", c.command())
    step1 = fake.wait_for("views.open")[0]["view"]
    answer = fake.envelope("interactive", c.submission(step1, c.chosen("big")))
    assert answer["response_action"] == "update"
    return dict(answer["view"])


def buttons(view: dict[str, Any]) -> list[dict[str, Any]]:
    """The buttons of a page (its actions blocks')."""
    return [
        e
        for b in view["blocks"]
        if b.get("type") == "actions"
        for e in b.get("elements", [])
        if e.get("type") == "button"
    ]


_PRESSES = itertools.count(1)  # each press Slack sends has a trigger and a time of its own


def back(view: dict[str, Any], values: dict[str, Any], user: str = c.REQUESTER) -> dict[str, Any]:
    """The page's Back button pressed, with ``values`` typed on it (a ``block_actions``
    from a modal carries the view, its state among it); each call a press of its own."""
    n = next(_PRESSES)
    [button] = buttons(view)
    [block] = [b for b in view["blocks"] if b.get("type") == "actions"]
    return {
        "type": "block_actions",
        "team": {"id": c.TEAM},
        "user": {"id": user},
        "trigger_id": f"trigger-back-{n}",
        "container": {"type": "view", "view_id": VIEW},
        "view": {
            "id": VIEW,
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "state": {"values": values},
            "hash": "h1",
            "blocks": view["blocks"],
        },
        "actions": [
            {
                "type": "button",
                "action_id": button["action_id"],
                "block_id": block["block_id"],
                "value": button.get("value", ""),
                "action_ts": f"1772413300.{n:06d}",
            }
        ],
    }
