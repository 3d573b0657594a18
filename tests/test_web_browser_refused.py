"""The two answers that are no longer bare, in a real Chromium against a real daemon:
an old bookmark to a form the catalog no longer has (a 404 that lists the kinds of
request offered now) and a refused merge (the ticket page again, the box focused with
what was typed). The browser reports no CSP violation on either, in either language.

Skipped, with the reason, where Playwright or /usr/bin/chromium is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.browser import needs_browser
from tests.support.browser_gateway import Gateway, running_gateway

pytestmark = needs_browser


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    with running_gateway(tmp_path_factory.mktemp("refused")) as gateway:
        yield gateway


def _listening(page: Any) -> list[str]:
    """What the page's console says (a CSP violation is reported there)."""
    said: list[str] = []
    page.on("console", lambda m: said.append(f"{m.type}: {m.text}"))
    return said


def _violations(said: list[str]) -> list[str]:
    return [s for s in said if "Content Security Policy" in s or "Refused to" in s]


@pytest.mark.parametrize(
    ("locale", "words"),
    [("ja-JP", "このフォームは削除されたか"), ("en-US", "This form was removed or renamed")],
)
def test_an_old_bookmark_to_a_form_offers_the_requests_of_now(
    gw: Gateway, locale: str, words: str
) -> None:
    page = gw.browser.new_context(locale=locale).new_page()
    said = _listening(page)
    answer = page.goto(f"{gw.base}/new/remote-access")
    assert answer is not None and answer.status == 404
    assert words in page.inner_text("#removed")
    page.click("ul.entries a[href='/new/printer']")  # a kind offered now, one click away
    page.wait_for_url("**/new/printer")
    assert page.locator("#subject").count() == 1
    page.context.close()
    assert _violations(said) == [], said


def test_a_refused_merge_keeps_the_box_to_try_again(gw: Gateway) -> None:
    target = gw.mail_in("コピー機の紙詰まり", "2F のコピー機です。\n", "abe@customer.test")
    source = gw.mail_in("コピー機の紙詰まり（再送）", "2F です。\n", "abe@customer.test")
    page = gw.member_page()
    said = _listening(page)
    page.goto(f"{gw.base}/tickets/{source}")
    page.fill("#merge-target", f"＃{source}")
    with page.expect_response(lambda r: r.request.method == "POST") as answered:
        page.click("#merge")
    assert answered.value.status == 409
    page.wait_for_load_state()
    assert page.evaluate("document.activeElement.id") == "merge-target"
    assert page.input_value("#merge-target") == f"＃{source}"
    assert page.get_attribute("#merge-target", "aria-invalid") == "true"
    described = page.get_attribute("#merge-target", "aria-describedby")
    assert "自分自身に統合することはできません" in page.inner_text(f"#{described}")
    assert gw.ticket(source)["merged_into"] is None
    page.fill("#merge-target", str(target))  # again from the same page, no Back
    page.click("#merge")
    page.wait_for_url(f"**/tickets/{target}")
    assert gw.ticket(source)["merged_into"] == target
    page.context.close()
    assert _violations(said) == [], said
