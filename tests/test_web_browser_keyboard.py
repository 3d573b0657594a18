"""The entry form used with the keyboard alone, in a real Chromium against a real
daemon: sent with fields missing, the form comes back with the focus on the first field
to fix, which is marked invalid and described by its message (a screen reader reads it
as the focus lands); the file field keeps its line of chosen files as a description
too. Before, the focus was back at the top of the page, and the file field named only
its error.

Skipped, with the reason, where Playwright or /usr/bin/chromium is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.browser import ARGS, CHROMIUM, needs_browser, site
from tests.support.daemon import daemon_thread

pytestmark = needs_browser
# The element with the focus: its id, and the text of what describes it.
FOCUSED = """
(() => {
  const e = document.activeElement;
  const ids = (e.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
  return [e.id, e.getAttribute('aria-invalid'),
          ids.map((id) => document.getElementById(id).textContent.trim())];
})()
"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    from playwright.sync_api import sync_playwright

    here = site(tmp_path_factory.mktemp("keyboard"))
    with daemon_thread(here.config) as (ready, _stop, _result), sync_playwright() as p:
        assert ready.wait(30)
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield here.base, chromium
        finally:
            chromium.close()


def test_the_form_sent_back_puts_the_focus_on_the_first_field_to_fix(
    browser: tuple[str, Any],
) -> None:
    base, chromium = browser
    page = chromium.new_context(locale="ja-JP").new_page()
    page.goto(f"{base}/new/account")
    page.keyboard.press("Tab")  # through the header's links to the form's first field
    while page.evaluate("document.activeElement.id") != "email":
        page.keyboard.press("Tab")
    page.keyboard.type("ito@customer.test")
    page.keyboard.press("Tab")
    page.keyboard.type("パスワードを忘れました")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # the user id, required, left empty
    assert page.evaluate(FOCUSED) == ["f_user_id", "true", ["この項目は必須です。"]]
    page.keyboard.type("taro.yamada")
    page.keyboard.press("Enter")
    page.wait_for_url("**/new/account/sent")
    page.context.close()


def test_the_file_field_sent_back_is_described_by_its_error_and_its_files(
    browser: tuple[str, Any],
) -> None:
    base, chromium = browser
    page = chromium.new_context(locale="ja-JP").new_page()
    page.goto(f"{base}/new/account")
    page.fill("#email", "ito@customer.test")
    page.fill("#subject", "添付が多すぎる")
    page.fill("#f_user_id", "taro.yamada")
    files = [{"name": f"{n}.txt", "mimeType": "text/plain", "buffer": b"x"} for n in range(11)]
    page.set_input_files("#files", files=files)
    page.click("button.primary")
    page.wait_for_load_state()
    assert page.evaluate(FOCUSED) == [
        "files",
        "true",
        ["添付できるファイルは 10 個までです。", "ファイルは選択されていません"],
    ]
    page.context.close()
