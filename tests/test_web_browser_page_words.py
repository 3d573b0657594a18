"""What the pages say, in a real Chromium against a real daemon: "add note" pressed with
nothing typed says so (it reloaded the page with no word).

Skipped, with the reason, where Playwright or /usr/bin/chromium is missing.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.browser import needs_browser
from tests.support.browser_gateway import Gateway, running_gateway

pytestmark = needs_browser


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    with running_gateway(tmp_path_factory.mktemp("words")) as gateway:
        yield gateway


@pytest.mark.parametrize("typed", ["", " \n\u3000 "])  # nothing, or only blanks
def test_an_empty_note_is_answered_with_a_message(gw: Gateway, typed: str) -> None:
    """The member's page (ja) says why nothing was added, next to the note box, which
    gets the focus to type in; no note is recorded. The box stays optional: the state
    buttons share its form and are pressed without a note."""
    tid = gw.mail_in("プリンタの紙詰まり", "3F のプリンタです。\n", "sato@customer.test")
    page = gw.member_page()
    page.goto(f"{gw.base}/tickets/{tid}")
    assert page.get_attribute("#note", "required") is None
    page.fill("#note", typed)
    page.click("#add-note")
    page.wait_for_selector("#note-error")
    assert "メモ欄が空のため、メモは追加されていません" in page.inner_text("#note-error")
    assert page.evaluate("document.activeElement.id") == "note"
    assert page.get_attribute("#note", "aria-invalid") == "true"
    assert "note-error" in (page.get_attribute("#note", "aria-describedby") or "")
    assert [e for e in gw.ticket(tid)["events"] if e["kind"] == "note"] == []
    page.fill("#note", "トナーも確認します")  # then a note typed: added, no message
    page.click("#add-note")
    page.wait_for_load_state()
    assert page.locator("#note-error").count() == 0
    notes = [e["detail"]["text"] for e in gw.ticket(tid)["events"] if e["kind"] == "note"]
    assert notes == ["トナーも確認します"]
    page.context.close()
