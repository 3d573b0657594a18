"""The ``/ticket`` form with menus longer than Slack's: a static_select holds at most 100
options, and Slack refuses a view with more (no form at all). A catalog of 150 entries,
or a choice field of 150 values, still opens a form Slack takes, and every entry and
every choice can be found by typing (Slack's ``block_suggestion``, answered by the app
in Socket Mode and in HTTP mode), the words folded as the catalog's matcher folds a
mail's (full width, case, kana)."""

from __future__ import annotations

import hashlib
import hmac
import json
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
from tests.support import block_kit
from tests.support import chat as c
from tests.support.pipeline import all_tickets, show
from tests.support.slack_fake import FakeSlack

MANY = 150
LONG_NAME = "社内ネットワーク機器（本社ビル・第二ビル・倉庫）の設定変更と交換の依頼" * 3


def _catalog(path: Path) -> Path:
    """150 entries named 項目N / Item N, a printer entry whose model field has 150
    choices, one entry with a name longer than an option holds, and the fallback."""
    lines = ["entries:"]
    for n in range(MANY):
        lines += [f"  - id: e{n}", f"    name: {{ja: 項目{n}, en: Item {n}}}"]
    models = ", ".join(
        [f"{{value: m{n}, label: {{ja: 型番{n}, en: Model {n}}}}}" for n in range(MANY)]
        + ["{value: laser, label: {ja: レーザープリンター, en: Laser printer}}"]
    )
    lines += [
        "  - id: printer",
        "    name: {ja: プリンター, en: Printer}",
        "    fields:",
        f"      - {{name: model, label: {{ja: 機種, en: Model}}, type: choice, "
        f"required: true, choices: [{models}]}}",
        "  - id: long",
        f"    name: {{ja: '{LONG_NAME}', en: Network equipment}}",
        "  - id: other",
        "    name: {ja: その他, en: Other}",
        "    fallback: true",
        "    manager: boss@example.test",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _settings(settings: Settings, fake: FakeSlack, tmp_path: Path, **slack: Any) -> Settings:
    chat = c.chat_settings(settings, fake, **slack)
    return replace(chat, catalog=CatalogSettings(_catalog(tmp_path / "catalog.yaml")))


@pytest.fixture
def menus_app(
    settings: Settings, clock: FakeClock, fake: FakeSlack, tmp_path: Path
) -> Iterator[App]:
    application = build(_settings(settings, fake, tmp_path), clock)
    with c.slack_app(application, fake):
        yield application
    application.close()


def _suggestion(view: dict[str, Any], block_id: str, typed: str) -> dict[str, Any]:
    """What Slack sends when the person types ``typed`` into a long menu of ``view``."""
    return {
        "type": "block_suggestion",
        "user": {"id": c.REQUESTER},
        "team": {"id": c.TEAM},
        "container": {"type": "view", "view_id": "V0VIEW001"},
        "action_id": "value",
        "block_id": block_id,
        "value": typed,
        "view": {
            "id": "V0VIEW001",
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "state": {"values": {}},
            "hash": "h1",
        },
    }


def _offered(fake: FakeSlack, view: dict[str, Any], block_id: str, typed: str) -> list[Any]:
    answer = fake.envelope("interactive", _suggestion(view, block_id, typed))
    assert block_kit.options_problems(answer) == [], answer  # the fake checks it too
    return [(o["value"], o["text"]["text"]) for o in answer["options"]]


def _element(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b["element"] for b in view["blocks"] if b.get("block_id") == block_id)


def test_a_catalog_of_150_entries_opens_a_form_slack_takes_and_finds_each_entry(
    menus_app: App, fake: FakeSlack
) -> None:
    fake.envelope("slash_commands", c.command())
    [opened] = fake.wait_for("views.open")  # refused by the fake when over a limit
    assert [x.method for x in fake.calls if x.method.startswith("views.open")] == ["views.open"]
    view = opened["view"]
    assert block_kit.view_problems(view) == []
    menu = _element(view, "entry")
    assert menu["type"] == "external_select" and menu["min_query_length"] == 0

    first = _offered(fake, view, "entry", "")  # the menu opened, nothing typed yet
    assert len(first) == 100
    assert first[0] == ("e0", "項目0") and first[-1] == ("other", "その他")  # fallback last
    for n in (0, 99, 120, MANY - 1):  # each entry is found by its name as typed
        found = _offered(fake, view, "entry", f"項目{n}")
        assert found[0] == (f"e{n}", f"項目{n}"), found
        assert found[-1] == ("other", "その他")  # for what fits nowhere else, always
    [(value, text), _] = _offered(fake, view, "entry", "ネットワーク機器")
    assert value == "long" and block_kit.units(text) <= 75 and text.endswith("…")

    step2 = fake.envelope("interactive", c.submission(view, c.chosen("e120")))["view"]
    assert "項目120" in json.dumps(step2, ensure_ascii=False)


def test_what_is_typed_is_folded_as_the_catalog_matcher_folds_it(
    menus_app: App, fake: FakeSlack
) -> None:
    """Hiragana finds katakana, a dropped ー still finds the word, full width and case
    do not matter, and the English name (or the id) finds the entry too."""
    fake.envelope("slash_commands", c.command())
    view = fake.wait_for("views.open")[0]["view"]
    for typed in ("ぷりんたー", "プリンタ", "ﾌﾟﾘﾝﾀｰ", "PRINTER", "ｐｒｉｎｔｅｒ", "printer"):
        found = _offered(fake, view, "entry", typed)
        assert [v for v, _ in found] == ["printer", "other"], (typed, found)
    both = [f"e{n}" for n in range(MANY) if "12" in str(n)]  # every word typed, anywhere
    assert [v for v, _ in _offered(fake, view, "entry", "Item  12")] == [*both, "other"]
    assert _offered(fake, view, "entry", "見つからない言葉") == [("other", "その他")]


def test_a_choice_field_of_150_values_is_found_as_typed_and_filed(
    menus_app: App, fake: FakeSlack
) -> None:
    fake.envelope("slash_commands", c.command())
    step1 = fake.wait_for("views.open")[0]["view"]
    step2 = fake.envelope("interactive", c.submission(step1, c.chosen("printer")))["view"]
    menu = _element(step2, "field:model")
    assert menu["type"] == "external_select"
    assert len(_offered(fake, step2, "field:model", "")) == 100
    assert _offered(fake, step2, "field:model", "れーざーぷりんた") == [
        ("laser", "レーザープリンター")
    ]
    assert _offered(fake, step2, "field:model", "型番149") == [("m149", "型番149")]

    values = c.typed("印刷できません", "")
    chosen = {"value": "m149", "text": {"type": "plain_text", "text": "型番149"}}
    values["field:model"] = {"value": {"type": "external_select", "selected_option": chosen}}
    assert fake.envelope("interactive", c.submission(step2, values)) == {}
    menus_app.runner.process_pending()
    [ticket] = all_tickets(menus_app)
    assert show(menus_app, int(ticket["id"]))["fields"]["model"] == "m149"


def _signed(port: int, payload: dict[str, Any], now: float) -> tuple[int, dict[str, Any]]:
    """POST ``payload`` signed at ``now`` (the app's clock, which the window counts on)."""
    body = urlencode({"payload": json.dumps(payload, ensure_ascii=False)}).encode()
    stamp = str(int(now))
    signature = hmac.new(c.SIGNING.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256)
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/slack/events",
        data=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": "v0=" + signature.hexdigest(),
        },
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        text = answer.read().decode()
        return int(answer.status), json.loads(text) if text else {}


def test_in_http_mode_the_same_words_typed_again_are_answered_again(
    settings: Settings, clock: FakeClock, fake: FakeSlack, tmp_path: Path
) -> None:
    """HTTP mode answers a long menu too (the options load URL is the app's endpoint);
    the same request again (the same words typed twice) is not a replayed press: it
    gets the options again, not an empty answer that would empty the menu."""
    cfg = _settings(settings, fake, tmp_path, mode="http", signing_secret=c.SIGNING, http_port=0)
    application = build(cfg, clock)
    try:
        with c.slack_app(application, fake) as listener:
            view = {
                "callback_id": "ticket_entry",
                "private_metadata": json.dumps({"locale": "en"}),
            }
            for _ in range(2):
                status, answer = _signed(
                    listener.port, _suggestion(view, "entry", "printer"), clock.now().timestamp()
                )
                assert status == 200
                assert [o["value"] for o in answer["options"]] == ["printer", "other"]
                assert answer["options"][0]["text"]["text"] == "Printer"
    finally:
        application.close()
