"""An entry with more fields than one Slack modal holds (100 blocks: the entry's name,
the subject and the details take three) opens a form of pages: each page's submit
checks that page and answers with the next page (``response_action: update``); what
was typed on the earlier pages is kept on our side, by the form's view id, and filed
with the last page's. Nothing typed is lost, and Slack never gets a view it refuses
(the fake checks every one)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from store import slack_drafts
from store.db import transaction
from tests.support import chat as c
from tests.support import slack_pages as p
from tests.support.pipeline import all_tickets, show
from tests.support.slack_fake import FakeSlack


@pytest.fixture
def pages_app(
    settings: Settings, clock: FakeClock, fake: FakeSlack, tmp_path: Path
) -> Iterator[App]:
    with p.pages_gateway(settings, clock, fake, tmp_path) as application:
        yield application


def test_a_form_of_pages_files_every_field_typed_on_any_page(
    pages_app: App, fake: FakeSlack
) -> None:
    page1 = p.open_big(fake)  # the fake refuses a view over Slack's limits: this one fits
    assert len(page1["blocks"]) <= 100
    first = p.fields_of(page1)
    assert first and first[0] == "f0" and len(first) < p.MANY
    ids = [b.get("block_id") for b in page1["blocks"]]
    assert "subject" in ids and "text" not in ids  # the details come on the last page

    values = {"subject": p.text("大量の申請"), "field:f0": p.text("一"), "field:f5": p.text("五")}
    answer = fake.envelope("interactive", c.submission(page1, values))
    assert answer["response_action"] == "update"
    page2 = answer["view"]
    second = p.fields_of(page2)
    assert first + second == [f"f{n}" for n in range(p.MANY)]  # every field, once, in order
    assert "text" in [b.get("block_id") for b in page2["blocks"]]

    last = {"field:f129": p.text("最後"), "text": p.text("本文です")}
    assert fake.envelope("interactive", c.submission(page2, last)) == {}
    pages_app.runner.process_pending()
    [ticket] = all_tickets(pages_app)
    shown = show(pages_app, int(ticket["id"]))
    assert shown["subject"] == "大量の申請"
    assert shown["fields"] == {"f0": "一", "f5": "五", "f129": "最後"}


def test_a_page_with_a_problem_stays_and_says_where(pages_app: App, fake: FakeSlack) -> None:
    page1 = p.open_big(fake)
    answer = fake.envelope("interactive", c.submission(page1, {"subject": p.text("件名")}))
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"field:f0"}  # required, and left empty
    values = {"subject": p.text("件名"), "field:f0": p.text("x"), "field:f7": p.text("たくさん")}
    answer = fake.envelope("interactive", c.submission(page1, values))
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"field:f7"}  # no number (七 is one now)
    assert all_tickets(pages_app) == []


def test_the_last_page_needs_its_own_required_fields(pages_app: App, fake: FakeSlack) -> None:
    page1 = p.open_big(fake)
    values = {"subject": p.text("件名"), "field:f0": p.text("x")}
    page2 = fake.envelope("interactive", c.submission(page1, values))["view"]
    answer = fake.envelope("interactive", c.submission(page2, {"text": p.text("")}))
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"field:f129"}
    pages_app.runner.process_pending()
    assert all_tickets(pages_app) == []


def test_a_last_page_whose_earlier_pages_are_gone_is_not_filed_in_part(
    pages_app: App, fake: FakeSlack, clock: FakeClock
) -> None:
    """A form left open past a day (its earlier pages pruned) is not filed without them:
    the last page says so, and asks to start again."""
    page1 = p.open_big(fake)
    values = {"subject": p.text("件名"), "field:f0": p.text("x")}
    page2 = fake.envelope("interactive", c.submission(page1, values))["view"]
    with transaction(pages_app.sessions) as s:
        assert slack_drafts.prune(s, clock.now() + slack_drafts.KEPT * 2) == 1
    answer = fake.envelope("interactive", c.submission(page2, {"field:f129": p.text("y")}))
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"text"}
    pages_app.runner.process_pending()
    assert all_tickets(pages_app) == []


def test_a_message_made_a_ticket_keeps_its_text_for_the_last_page(
    pages_app: App, fake: FakeSlack
) -> None:
    """*Create ticket* on a message: its text waits (in the form's metadata) for the
    details on the last page, and every page says where it is, in the person's language."""
    message = {"ts": "1772413200.000100", "text": "プリンターの申請をまとめて送ります"}
    fake.envelope("interactive", c.shortcut("create_ticket", c.REQUESTER, message))
    step1 = fake.wait_for("views.open")[0]["view"]
    page1 = fake.envelope("interactive", c.submission(step1, c.chosen("big")))["view"]
    heading = json.dumps(page1["blocks"][0], ensure_ascii=False)
    assert "2 ページ中 1 ページ目" in heading
    values = {"subject": p.text("件名"), "field:f0": p.text("x")}
    page2 = fake.envelope("interactive", c.submission(page1, values))["view"]
    assert "2 ページ中 2 ページ目" in json.dumps(page2["blocks"][0], ensure_ascii=False)
    [details] = [b for b in page2["blocks"] if b.get("block_id") == "text"]
    assert details["element"]["initial_value"] == message["text"]
