"""A customer fills in a Japanese form on a phone, in a real Chromium against a real
daemon: the number field's rules from the catalog (``min``, ``max``, ``step``) are on
the input, so the browser checks them before anything is sent, in the page's words
(the form stays ``novalidate``: the browser's own bubbles would speak its language);
the server checks them again.

Skipped, with the reason, where Playwright or /usr/bin/chromium is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from store.db import make_engine, session_factory, transaction
from store.models import InboxRow
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
        engine = make_engine(self.url)
        try:
            with transaction(session_factory(engine)) as s:
                return len(list(s.scalars(select(InboxRow).where(InboxRow.source == "web"))))
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
    with a keypad of digits on a phone."""
    page = door.phone()
    page.goto(f"{door.base}/new/purchase")
    quantity = page.locator("#f_quantity")
    assert quantity.get_attribute("type") == "number"
    assert (quantity.get_attribute("min"), quantity.get_attribute("step")) == ("1", "1")
    assert quantity.get_attribute("max") is None
    assert quantity.get_attribute("inputmode") == "numeric"
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
