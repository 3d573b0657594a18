"""Back from the last page of a form in pages keeps everything typed: the details in the
form's draft (never cut to fit the view's private_metadata, Slack's 3000), a value
longer than its input can show again said so on the page, and a form whose kind of
request left the catalog says why instead of doing nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gateway.chat.slack import paging
from gateway.chat.slack.as_left import as_left
from gateway.config.settings import Settings
from gateway.core import slack_length
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from store import slack_drafts
from store.db import transaction
from tests.support import chat as c
from tests.support import slack_pages as p
from tests.support.pipeline import all_tickets, show
from tests.support.slack_fake import FakeSlack

NOT_WHOLE = "入力どおりに表示できませんでした"
NO_LONGER = "この種別は現在受け付けていません。最初からやり直してください。"
# quotes, line breaks and emoji take more room in the JSON of private_metadata
DETAILS = ('「引用」 "quoted"\n' + "本文🙂" * 10) * 55  # 2,420 characters, 2,970 units


@pytest.fixture
def pages_app(
    settings: Settings, clock: FakeClock, fake: FakeSlack, tmp_path: Path
) -> Iterator[App]:
    with p.pages_gateway(settings, clock, fake, tmp_path) as application:
        yield application


def _heading(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"][0], ensure_ascii=False)


def _first_page(fake: FakeSlack) -> tuple[dict[str, Any], dict[str, Any]]:
    page1 = p.open_big(fake)
    first = {"subject": p.text("件名"), "field:f0": p.text("一")}
    return first, fake.envelope("interactive", c.submission(page1, first))["view"]


def test_long_details_are_kept_whole_through_back_and_filed_whole(
    pages_app: App, fake: FakeSlack
) -> None:
    assert slack_length.units(DETAILS) <= 3000 < slack_length.units(json.dumps(DETAILS))
    first, page2 = _first_page(fake)
    details = DETAILS
    last = {"field:f129": p.text("最後"), "text": p.text(details)}
    fake.envelope("interactive", p.back(page2, last))
    [update] = fake.wait_for("views.update")
    again1 = update["view"]
    assert "text" not in json.loads(again1["private_metadata"])  # in the draft instead
    with transaction(pages_app.sessions) as s:
        assert slack_drafts.of(s, p.VIEW).text == details

    again2 = fake.envelope("interactive", c.submission(again1, first))["view"]
    assert p.initial(again2) == {"field:f129": "最後", "text": details}
    assert NOT_WHOLE not in _heading(again2)
    assert fake.envelope("interactive", c.submission(again2, last)) == {}
    pages_app.runner.process_pending()
    [ticket] = all_tickets(pages_app)
    [message] = show(pages_app, int(ticket["id"]))["messages"][:1]
    assert message["text"].strip() == details.strip()


def test_details_emptied_before_back_stay_empty(pages_app: App, fake: FakeSlack) -> None:
    """The message's text the form was opened with does not come back in their place."""
    fake.envelope("slash_commands", c.command(text="コマンドの本文"))
    step1 = fake.wait_for("views.open")[0]["view"]
    page1 = fake.envelope("interactive", c.submission(step1, c.chosen("big")))["view"]
    first = {"subject": p.text("件名"), "field:f0": p.text("一")}
    page2 = fake.envelope("interactive", c.submission(page1, first))["view"]
    assert p.initial(page2)["text"] == "コマンドの本文"
    fake.envelope("interactive", p.back(page2, {"field:f129": p.text("最後"), "text": p.text("")}))
    [update] = fake.wait_for("views.update")
    again2 = fake.envelope("interactive", c.submission(update["view"], first))["view"]
    assert p.initial(again2) == {"field:f129": "最後"}


def test_a_value_longer_than_its_input_shows_is_said_on_the_page(
    pages_app: App, fake: FakeSlack
) -> None:
    first, page2 = _first_page(fake)
    long = "長" * 600  # a text field's input takes 500
    fake.envelope("interactive", p.back(page2, {"field:f129": p.text(long)}))
    [update] = fake.wait_for("views.update")
    again2 = fake.envelope("interactive", c.submission(update["view"], first))["view"]
    assert p.initial(again2)["field:f129"] == "長" * 500
    heading = _heading(again2)
    assert NOT_WHOLE in heading and "項目129" in heading and "項目100" not in heading


def test_back_on_a_kind_of_request_no_longer_offered_says_why_and_keeps_the_values(
    pages_app: App, fake: FakeSlack, tmp_path: Path
) -> None:
    _, page2 = _first_page(fake)
    catalog = tmp_path / "catalog.yaml"
    lines = catalog.read_text(encoding="utf-8").splitlines()
    kept = ["entries:", *lines[lines.index("  - id: other") :]]
    catalog.write_text("\n".join(kept) + "\n", encoding="utf-8")
    assert pages_app.catalog.reload()
    typed = {"field:f129": p.text("最後"), "field:f100": p.text("百"), "text": p.text("本文")}
    fake.envelope("interactive", p.back(page2, typed))
    [update] = fake.wait_for("views.update")
    again = update["view"]
    assert NO_LONGER in _heading(again)
    assert p.fields_of(again) == p.fields_of(page2)  # the same page stays
    assert p.initial(again) == {"field:f129": "最後", "field:f100": "百", "text": "本文"}


def test_a_page_as_left_shows_each_input_as_it_holds_it_and_says_why_once() -> None:
    """Menus, dates and numbers too; an input emptied since shows empty."""
    option = {"text": {"type": "plain_text", "text": "赤"}, "value": "red"}
    menu = {"type": "static_select", "action_id": "value", "options": [option]}
    blocks = [
        {"type": "context", "elements": [{"type": "plain_text", "text": "大きな申請"}]},
        {"type": "input", "block_id": "field:colour", "element": menu},
        {"type": "input", "block_id": "field:day", "element": {"type": "datepicker"}},
        {"type": "input", "block_id": "field:n", "element": {"type": "number_input"}},
        {"type": "input", "block_id": "field:gone", "element": {"initial_value": "前"}},
    ]
    state = {
        "field:colour": {"value": {"type": "static_select", "selected_option": option}},
        "field:day": {"value": {"type": "datepicker", "selected_date": "2026-12-05"}},
        "field:n": {"value": {"type": "number_input", "value": "7"}},
        "field:gone": {"value": {"type": "plain_text_input", "value": None}},
    }
    view = {"callback_id": "ticket_fields", "blocks": blocks, "state": {"values": state}}
    shown = as_left(view, "ja", paging.NO_LONGER)
    assert p.initial(shown) == {"field:colour": "red", "field:day": "2026-12-05", "field:n": "7"}
    assert shown["submit"]["text"] == "次へ" and shown["title"]["text"] == "新しいチケット"
    again = as_left({**shown, "state": {"values": state}}, "ja", paging.NO_LONGER)
    assert [e["text"] for e in again["blocks"][0]["elements"]] == ["大きな申請", NO_LONGER]
