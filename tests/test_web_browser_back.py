"""A request sent, then the browser's Back button and Send again, in a real Chromium
against a real daemon: Chromium fills the form back in on a freshly fetched page (a
new one-time token), so the same request was a second ticket with a second
acknowledgement. Now nothing is stored and the form asks; pressed again, it is sent as
a request of its own. Changed, it is a new request.

Skipped, with the reason, where Playwright or /usr/bin/chromium is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from store.db import make_engine, session_factory, transaction
from store.models import InboxRow
from tests.support.browser import ARGS, CHROMIUM, needs_browser, site
from tests.support.daemon import daemon_thread

pytestmark = needs_browser


@pytest.fixture(scope="module")
def door(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Any]]:
    from playwright.sync_api import sync_playwright

    here = site(tmp_path_factory.mktemp("back"))
    with daemon_thread(here.config) as (ready, _stop, _result), sync_playwright() as p:
        assert ready.wait(30)
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield here.base, here.url, chromium
        finally:
            chromium.close()


def _stored(url: str) -> int:
    engine = make_engine(url)
    try:
        with transaction(session_factory(engine)) as s:
            return s.scalar(select(func.count(InboxRow.id)).where(InboxRow.source == "web")) or 0
    finally:
        engine.dispose()


def test_back_and_send_again_asks_before_sending_the_request_twice(
    door: tuple[str, str, Any],
) -> None:
    base, url, chromium = door
    page = chromium.new_context(locale="ja-JP").new_page()
    page.goto(f"{base}/new/vpn")
    page.fill("#email", "ito@customer.test")
    page.fill("#subject", "在宅勤務で VPN がつながりません")
    page.select_option("#f_os", "windows")
    page.click("button.primary")
    page.wait_for_url("**/new/vpn/sent")
    assert _stored(url) == 1
    page.go_back()
    page.wait_for_load_state()
    assert page.input_value("#subject") == "在宅勤務で VPN がつながりません"  # filled back in
    with page.expect_response(lambda r: r.request.method == "POST") as answered:
        page.click("button.primary")
    assert answered.value.status == 409
    assert "同じお問い合わせを少し前に送信され" in page.inner_text("#error-form")
    assert _stored(url) == 1
    page.click("button.primary")  # yes, once more
    page.wait_for_url("**/new/vpn/sent")
    assert _stored(url) == 2
    page.goto(f"{base}/new/vpn")
    page.fill("#email", "ito@customer.test")
    page.fill("#subject", "在宅勤務で VPN がつながりません")
    page.select_option("#f_os", "windows")
    page.fill("#text", "エラー 809 が出ます。")  # something added: a request of its own
    page.click("button.primary")
    page.wait_for_url("**/new/vpn/sent")
    assert _stored(url) == 3
    page.context.close()
