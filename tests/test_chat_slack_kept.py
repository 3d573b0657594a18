"""What a person typed in a form of pages is never lost without a word: a catalog
reloaded between two pages (the form laid out otherwise now), a draft pruned while the
form was open (a middle page, Back), the database locked when Back is pressed. Each
says so on the form, and keeps on screen what still has a place there."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.sqlite_url import sqlite_path
from gateway.runtime.app import App
from store import slack_drafts
from store.db import transaction
from tests.support import chat as c
from tests.support import slack_pages as p
from tests.support.databases import sqlite_only
from tests.support.pipeline import all_tickets, show
from tests.support.slack_fake import FakeSlack

CHANGED = "入力中にこのフォームが変更されました。"
GONE = "このフォームの前のページの入力が保存されていませんでした。最初からやり直してください。"
NOT_BACK = "今は前のページを表示できませんでした。もう一度「戻る」を押してください。"


@pytest.fixture
def pages_app(
    settings: Settings, clock: FakeClock, fake: FakeSlack, tmp_path: Path
) -> Iterator[App]:
    with p.pages_gateway(settings, clock, fake, tmp_path) as application:
        yield application


def _heading(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"][0], ensure_ascii=False)


def test_a_catalog_reloaded_between_pages_says_so_and_keeps_what_was_typed(
    pages_app: App, fake: FakeSlack, tmp_path: Path
) -> None:
    page1 = p.open_big(fake)
    values = {"subject": p.text("件名"), "field:f0": p.text("一")}
    page2 = fake.envelope("interactive", c.submission(page1, values))["view"]
    # the entry gets 70 fields more: three pages now (f0-f66, f67-f133, f134-f199)
    p.write_catalog(tmp_path / "catalog.yaml", many=p.MANY + 70)
    assert pages_app.catalog.reload()
    last = {"field:f100": p.text("百"), "field:f129": p.text("最後"), "text": p.text("本文")}
    answer = fake.envelope("interactive", c.submission(page2, last))
    assert answer["response_action"] == "update"
    again = answer["view"]
    assert CHANGED in _heading(again) and "3 ページ中 1 ページ目" in _heading(again)
    assert p.initial(again) == {"subject": "件名", "field:f0": "一"}
    assert all_tickets(pages_app) == []  # nothing filed from a form read the wrong way

    middle = fake.envelope("interactive", c.submission(again, values))["view"]
    # what the old last page held, on the page where its fields are now
    assert p.initial(middle) == {"field:f100": "百", "field:f129": "最後"}
    kept = {"field:f100": p.text("百"), "field:f129": p.text("最後")}
    end = fake.envelope("interactive", c.submission(middle, kept))
    final = {"field:f199": p.text("終"), "text": p.text("本文")}
    assert p.initial(end["view"]) == {"text": "本文"}
    assert fake.envelope("interactive", c.submission(end["view"], final)) == {}
    pages_app.runner.process_pending()
    [ticket] = all_tickets(pages_app)
    fields = show(pages_app, int(ticket["id"]))["fields"]
    assert fields == {"f0": "一", "f100": "百", "f129": "最後", "f199": "終"}


def test_a_middle_page_whose_draft_is_gone_says_so_instead_of_going_on(
    pages_app: App, fake: FakeSlack, clock: FakeClock, tmp_path: Path
) -> None:
    """Three pages: the second sent after the first's draft was pruned would have begun
    a draft without the subject and the first page, and the last filed it so."""
    p.write_catalog(tmp_path / "catalog.yaml", many=p.MANY + 70)
    assert pages_app.catalog.reload()
    page1 = p.open_big(fake)
    values = {"subject": p.text("件名"), "field:f0": p.text("一")}
    page2 = fake.envelope("interactive", c.submission(page1, values))["view"]
    with transaction(pages_app.sessions) as s:
        assert slack_drafts.prune(s, clock.now() + slack_drafts.KEPT * 2) == 1
    answer = fake.envelope("interactive", c.submission(page2, {"field:f100": p.text("百")}))
    first = f"field:{p.fields_of(page2)[0]}"
    assert answer == {"response_action": "errors", "errors": {first: GONE}}
    with transaction(pages_app.sessions) as s:
        assert slack_drafts.of(s, p.VIEW) == slack_drafts.Draft()  # nothing begun without it


def test_back_when_the_draft_is_gone_says_so_on_the_page(
    pages_app: App, fake: FakeSlack, clock: FakeClock
) -> None:
    page1 = p.open_big(fake)
    values = {"subject": p.text("件名"), "field:f0": p.text("一")}
    page2 = fake.envelope("interactive", c.submission(page1, values))["view"]
    with transaction(pages_app.sessions) as s:
        assert slack_drafts.prune(s, clock.now() + slack_drafts.KEPT * 2) == 1
    fake.envelope("interactive", p.back(page2, {"field:f129": p.text("最後")}))
    [update] = fake.wait_for("views.update")
    assert GONE in _heading(update["view"])
    assert p.fields_of(update["view"]) == p.fields_of(page2)  # the same page stays
    assert p.initial(update["view"])["field:f129"] == "最後"


@sqlite_only
def test_back_while_the_database_is_locked_says_so_on_the_page(
    pages_app: App, fake: FakeSlack
) -> None:
    page1 = p.open_big(fake)
    values = {"subject": p.text("件名"), "field:f0": p.text("一")}
    page2 = fake.envelope("interactive", c.submission(page1, values))["view"]
    path = sqlite_path(pages_app.settings.database.url)
    assert path is not None
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        fake.envelope("interactive", p.back(page2, {"field:f129": p.text("最後")}))
        [update] = fake.wait_for("views.update")
    finally:
        holder.close()
    assert NOT_BACK in _heading(update["view"])
    assert p.fields_of(update["view"]) == p.fields_of(page2)
    assert p.initial(update["view"]) == {"field:f129": "最後"}
