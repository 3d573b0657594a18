"""Error pages in a real Chromium against a real daemon, in Japanese and in English:
a page that is not there (404), a sign-in link that is not one (400), a form sent after
the browser lost its CSRF cookie (403), a style sheet we do not have (404). Each carries
the security headers, gets its style sheet under the CSP with no violation in the
console, and speaks the visitor's language only; and the browser's own form posts
(``Sec-Fetch-Site: same-origin``) still pass the check that refuses other sites'.

Skipped, with the reason, where Playwright or /usr/bin/chromium is missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.browser import needs_browser
from tests.support.browser_gateway import Gateway, running_gateway

pytestmark = needs_browser

SHEETS_LOADED = "[...document.styleSheets].filter((s) => s.cssRules.length > 0).length"
ENGLISH_WORDS = re.compile(r"[A-Za-z]{2,}\s+[A-Za-z]{2,}")  # a run of two: a sentence's
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")  # kana and kanji
HEADERS = ("content-security-policy", "x-content-type-options", "x-frame-options")


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    with running_gateway(tmp_path_factory.mktemp("errors")) as gateway:
        yield gateway


def _lost_cookie_answer(page: Any, base: str) -> Any:
    """The sign-in form sent after the CSRF cookie was lost: the 403 answer."""
    page.goto(f"{base}/sign-in")
    page.context.clear_cookies()
    page.fill("#email", "someone@customer.test")
    with page.expect_response(lambda r: r.request.method == "POST") as answered:
        page.click("button.primary")
    page.wait_for_load_state()
    return answered.value


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_error_pages_keep_the_policy_and_speak_one_language(gw: Gateway, locale: str) -> None:
    context = gw.browser.new_context(locale=locale)
    page = context.new_page()
    said: list[str] = []
    page.on("console", lambda m: said.append(f"{page.url}: {m.type}: {m.text}"))
    seen: list[tuple[str, int, dict[str, str], str, int]] = []
    for path in ("/nope", "/sign-in/" + "A" * 43, "/static/nope.css", None):
        if path is None:
            answer, path = _lost_cookie_answer(page, gw.base), "lost cookie"
        else:
            answer = page.goto(gw.base + path)
        assert answer is not None
        seen.append(
            (
                path,
                answer.status,
                answer.all_headers(),
                page.inner_text("main"),
                page.evaluate(SHEETS_LOADED),
            )
        )
    page.fill("#email", "someone@customer.test")  # the form again, sent as it should be
    with page.expect_response(lambda r: r.request.method == "POST") as sent:
        page.click("button.primary")
    context.close()
    assert [s[1] for s in seen] == [404, 400, 404, 403]
    assert sent.value.status == 200  # a browser's own post is same-origin: it passes
    for path, _status, headers, text, sheets in seen:
        assert all(name in headers for name in HEADERS), (path, headers)
        assert "default-src 'self'" in headers["content-security-policy"]
        assert sheets >= 1, path  # web.css loaded under the policy
        if locale == "ja-JP":
            assert not ENGLISH_WORDS.search(text), (path, text)
        else:
            assert not JAPANESE.search(text), (path, text)
    # Chromium reports each error page's own status; anything else is a finding
    # (a CSP violation, a style sheet or an icon refused)
    failed = [s for s in said if "Failed to load resource" in s]
    assert len(failed) == len(seen) and len(said) == len(seen), said
