"""The Back button (戻る) of a form in pages: on every page after the first, it turns the
form to the page before (``views.update``), and what was typed on both pages is kept
(the page left in the draft, the page before filled in from it), so going forward again
shows it all and files it all."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
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


def test_back_returns_to_the_page_before_with_both_pages_kept(
    pages_app: App, fake: FakeSlack
) -> None:
    page1 = p.open_big(fake)
    assert p.buttons(page1) == []  # nothing before the first page
    first = {"subject": p.text("大量の申請"), "field:f0": p.text("一"), "field:f5": p.text("五")}
    page2 = fake.envelope("interactive", c.submission(page1, first))["view"]
    [button] = p.buttons(page2)
    assert button["text"]["text"] == "戻る"

    second = {"field:f129": p.text("最後"), "field:f100": p.text("百"), "text": p.text("本文")}
    assert fake.envelope("interactive", p.back(page2, second)) == {}
    [update] = fake.wait_for("views.update")
    assert update["view_id"] == p.VIEW and update["hash"] == "h1"
    again1 = update["view"]
    assert p.fields_of(again1) == p.fields_of(page1)
    assert p.initial(again1) == {"subject": "大量の申請", "field:f0": "一", "field:f5": "五"}

    first["field:f5"] = p.text("五の二")  # changed on the way back
    again2 = fake.envelope("interactive", c.submission(again1, first))["view"]
    assert p.initial(again2) == {"field:f129": "最後", "field:f100": "百", "text": "本文"}

    last = {"field:f129": p.text("最後"), "field:f100": p.text(""), "text": p.text("本文")}
    assert fake.envelope("interactive", c.submission(again2, last)) == {}
    pages_app.runner.process_pending()
    [ticket] = all_tickets(pages_app)
    shown = show(pages_app, int(ticket["id"]))
    assert shown["subject"] == "大量の申請"
    # f100, emptied on the last page after Back kept it, is not filed from the draft
    assert shown["fields"] == {"f0": "一", "f5": "五の二", "f129": "最後"}
