"""A customer fills in a Japanese form on a phone, in a real Chromium against a real
daemon. A number field is a text input with a keypad of digits: it takes what the mail
sheet reads (``1万``, ``３台``, ``12,000``), which an ``<input type="number">`` would not
let anyone type (and sent empty without scripts, so an optional field went missing
unsaid). A plain number off the catalog's rules (``min``, ``max``, ``step``) is stopped
before anything is sent, in the page's words (the form stays ``novalidate``: the
browser's own bubbles would speak its language); the server checks every value again.

Skipped, with the reason, where Playwright or /usr/bin/chromium is missing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from store.db import make_engine, session_factory, transaction
from store.models import InboxRaw, InboxRow
from tests.support.browser import ARGS, CHROMIUM, needs_browser, site
from tests.support.daemon import daemon_thread

pytestmark = needs_browser
PHONE = {"width": 390, "height": 844}  # an iPhone 12-15's CSS pixels
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


class Door:
    def __init__(self, base: str, url: str, browser: Any) -> None:
        self.base, self.url, self.browser = base, url, browser

    def stored(self) -> int:
        """Submissions the web door committed to the inbox."""
        return len(self.submissions())

    def submissions(self) -> list[dict[str, Any]]:
        """The web door's inbox rows, as their JSON documents, oldest first."""
        engine = make_engine(self.url)
        try:
            with transaction(session_factory(engine)) as s:
                raws = s.scalars(
                    select(InboxRaw.raw)
                    .join(InboxRow, InboxRow.id == InboxRaw.inbox_id)
                    .where(InboxRow.source == "web")
                    .order_by(InboxRow.id)
                )
                return [json.loads(raw) for raw in raws]
        finally:
            engine.dispose()

    def phone(self, *, scripts: bool = True) -> Any:
        context = self.browser.new_context(
            locale="ja-JP",
            viewport=PHONE,
            is_mobile=True,
            has_touch=True,
            java_script_enabled=scripts,
        )
        return context.new_page()


@pytest.fixture(scope="module")
def door(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Door]:
    from playwright.sync_api import sync_playwright

    here = site(tmp_path_factory.mktemp("phone"))
    text = here.config.read_text(encoding="utf-8")  # one client sends every test's form
    here.config.write_text(text.replace("[web]\n", "[web]\nsubmissions_per_hour = 1000\n", 1))
    with daemon_thread(here.config) as (ready, _stop, _result), sync_playwright() as p:
        assert ready.wait(30)
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield Door(here.base, here.url, browser)
        finally:
            browser.close()


def _fill(page: Any, quantity: str) -> None:
    page.fill("#email", "ito@customer.test")
    page.fill("#subject", "ノートPCの購入")
    page.fill("#f_item", "ノートPC")
    page.fill("#f_quantity", quantity)


def test_the_quantity_carries_the_catalogs_rules(door: Door) -> None:
    """The example catalog's quantity is a whole number of at least 1: the input says so,
    with a keypad of digits on a phone, and takes any text."""
    page = door.phone()
    page.goto(f"{door.base}/new/purchase")
    quantity = page.locator("#f_quantity")
    assert quantity.get_attribute("type") == "text"
    assert quantity.get_attribute("inputmode") == "numeric"
    assert (quantity.get_attribute("data-min"), quantity.get_attribute("data-step")) == ("1", "1")
    assert quantity.get_attribute("data-max") is None
    page.context.close()


@pytest.mark.parametrize(
    ("typed", "read", "scripts"),
    [
        ("1万", "10000", True),
        ("1万", "10000", False),
        ("３台", "3", True),
        ("12,000", "12000", False),
        ("5台です", "5", True),
    ],
)
def test_a_quantity_as_people_write_it_is_typed_and_read(
    door: Door, typed: str, read: str, scripts: bool
) -> None:
    """What a mail's sheet reads, the form takes: typed as it is, read by the server."""
    page = door.phone(scripts=scripts)
    page.goto(f"{door.base}/new/purchase")
    _fill(page, typed)
    assert page.input_value("#f_quantity") == typed
    page.click("button.primary")
    page.wait_for_url("**/new/purchase/sent")
    assert door.submissions()[-1]["fields"]["quantity"] == read
    page.context.close()


def test_without_scripts_a_word_is_refused_not_sent_empty(door: Door) -> None:
    """No script, a quantity that is no number: it arrives as typed and the server says
    why (a number input sent it empty: "required", or an optional field left out)."""
    page = door.phone(scripts=False)
    page.goto(f"{door.base}/new/purchase")
    before = door.stored()
    _fill(page, "たくさん")
    page.click("button.primary")
    page.wait_for_load_state()
    said = "数値として読めません。3、3台、三台のように数を一つ書いてください"
    assert page.inner_text("#error-f_quantity") == said
    assert page.input_value("#f_quantity") == "たくさん"
    assert door.stored() == before
    page.context.close()


@pytest.mark.parametrize(
    ("typed", "said"),
    [("0", "1 以上の数にしてください"), ("2.5", "整数にしてください")],
)
def test_the_browser_stops_a_number_off_the_rules_in_the_pages_words(
    door: Door, typed: str, said: str
) -> None:
    page = door.phone()
    page.goto(f"{door.base}/new/purchase")
    before = door.stored()
    _fill(page, typed)
    page.click("button.primary")
    error = page.locator("#error-f_quantity")
    error.wait_for()
    assert error.inner_text() == said
    assert page.url.endswith("/new/purchase")  # nothing was sent
    assert page.locator("#f_quantity").get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "f_quantity"
    assert page.evaluate(OVERFLOW) <= 0  # the message keeps to the phone's width
    page.fill("#f_quantity", "3")  # corrected: sent, and the error is gone
    page.click("button.primary")
    page.wait_for_url("**/new/purchase/sent")
    assert door.stored() == before + 1
    page.context.close()


def test_without_scripts_the_server_says_the_same(door: Door) -> None:
    """With scripts off nothing stops the post: the server refuses the value, next to
    its field, in the same words, and keeps what was typed."""
    page = door.phone(scripts=False)
    page.goto(f"{door.base}/new/purchase")
    before = door.stored()
    _fill(page, "2.5")
    page.click("button.primary")
    page.wait_for_load_state()
    assert page.inner_text("#error-f_quantity") == "整数にしてください"
    assert page.input_value("#f_quantity") == "2.5"
    assert page.input_value("#subject") == "ノートPCの購入"
    assert door.stored() == before
    page.context.close()


def test_a_date_typed_in_part_is_stopped_not_left_out(door: Door) -> None:
    """A date input with only its month typed holds no value: the browser sent the
    optional "needed by" empty and the request went without it, unsaid. The page stops
    it next to the field and sends nothing."""
    page = door.phone()
    page.goto(f"{door.base}/new/purchase")
    before = door.stored()
    _fill(page, "3")
    page.click("#f_needed_by")
    page.keyboard.type("12")
    page.click("button.primary")
    error = page.locator("#error-f_needed_by")
    error.wait_for()
    assert (
        error.inner_text() == "日付が途中までしか入っていません。年・月・日をすべて入れてください"
    )
    assert page.evaluate("document.activeElement.id") == "f_needed_by"
    assert page.get_attribute("#f_needed_by", "aria-describedby") == "error-f_needed_by"
    assert door.stored() == before
    page.fill("#f_needed_by", "2027-01-15")  # the whole date: sent, with it
    page.click("button.primary")
    page.wait_for_url("**/new/purchase/sent")
    assert door.submissions()[-1]["fields"]["needed_by"] == "2027-01-15"
    page.context.close()


def test_back_after_sending_brings_the_quantity_back(door: Door) -> None:
    """Back after a request was sent: Chromium fills the form in again, the quantity too
    (an ``autocomplete="off"`` on it made the browser forget it, and the request sent
    again lacked it)."""
    page = door.phone()
    page.goto(f"{door.base}/new/purchase")
    _fill(page, "1万")
    page.fill("#subject", "戻るボタン")
    page.click("button.primary")
    page.wait_for_url("**/new/purchase/sent")
    page.go_back()
    page.wait_for_load_state()
    assert page.input_value("#subject") == "戻るボタン"
    assert page.input_value("#f_quantity") == "1万"
    page.context.close()
