"""A member's Back button after a press on a ticket's page, in a real Chromium against a
real daemon. Back shows the ticket before the press, fetched anew, and Chromium filled its
note box back in with the note just added; the next button pressed there (Close) sent it
again: added twice, the assignee told twice (unless within a minute, with no other note
between). The box is named for the view it is drawn at, so Chromium fills back in only
words typed on the same view and never sent (those are not lost), not a note added since.

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
    with running_gateway(tmp_path_factory.mktemp("back-ticket")) as gateway:
        yield gateway


def _notes(gw: Gateway, tid: int) -> list[str]:
    return [e["detail"]["text"] for e in gw.ticket(tid)["events"] if e["kind"] == "note"]


def test_back_after_a_note_does_not_fill_it_in_to_send_again(gw: Gateway) -> None:
    tid = gw.mail_in("プリンタの紙詰まり", "3F のプリンタです。\n", "sato@customer.test")
    page = gw.member_page()
    page.goto(f"{gw.base}/board")
    page.goto(f"{gw.base}/tickets/{tid}")
    page.fill("#note", "トナーも確認します。")
    page.click("#add-note")
    page.wait_for_selector("#done")
    other = page.context.new_page()  # another note meanwhile, from another tab
    other.goto(f"{gw.base}/tickets/{tid}")
    other.fill("#note", "部品を発注しました。")
    other.click("#add-note")
    other.wait_for_selector("#done")
    page.go_back()
    page.wait_for_load_state()
    assert page.url.endswith(f"/tickets/{tid}")
    assert page.input_value("#note") == ""
    page.click("#close")
    page.wait_for_load_state()
    assert gw.ticket(tid)["state"] == "closed"
    assert _notes(gw, tid) == ["トナーも確認します。", "部品を発注しました。"]
    page.context.close()


def test_words_typed_and_not_sent_come_back_with_back(gw: Gateway) -> None:
    tid = gw.mail_in("会議室の予約", "来週の件です。\n", "mori@customer.test")
    page = gw.member_page()
    page.goto(f"{gw.base}/tickets/{tid}")
    page.fill("#note", "3 番会議室が空いています。")
    page.goto(f"{gw.base}/board")  # a link followed by mistake
    page.go_back()
    page.wait_for_load_state()
    assert page.input_value("#note") == "3 番会議室が空いています。"
    page.click("#add-note")
    page.wait_for_selector("#done")
    assert _notes(gw, tid) == ["3 番会議室が空いています。"]
    page.context.close()
