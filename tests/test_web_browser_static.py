"""Our own files (the style sheet, the scripts, the icon) are linked by their content's
hash: after an upgrade a page names new URLs, so no browser keeps an old style sheet.
A hashed URL is kept for a year; the bare one (or an old hash) is checked each time.
In a real Chromium against a real daemon, with the CSP as strict as it was.

Skipped, with the reason, where Playwright or /usr/bin/chromium is missing.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from gateway.web.guard import CSP
from tests.support.browser import needs_browser
from tests.support.browser_gateway import Gateway, running_gateway

pytestmark = needs_browser

STATIC = os.path.join(os.path.dirname(__file__), "..", "gateway", "web", "static")
YEAR = 365 * 24 * 3600

# Every link of a page to a file of ours.
LINKS = """
[...document.querySelectorAll('link[href^="/static/"], script[src^="/static/"]')]
  .map((e) => e.getAttribute('href') || e.getAttribute('src'))
"""


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    with running_gateway(tmp_path_factory.mktemp("static")) as gateway:
        yield gateway


def _version(link: str) -> tuple[str, str]:
    """(file name, its ?v=) of a page's link."""
    parts = urlsplit(link)
    return parts.path.removeprefix("/static/"), parse_qs(parts.query).get("v", [""])[0]


def _digest(name: str) -> str:
    with open(f"{STATIC}/{name}", "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


@pytest.mark.parametrize("path", ["/", "/new/purchase", "/sign-in"])
def test_a_page_links_our_files_by_their_contents_hash(gw: Gateway, path: str) -> None:
    page = gw.browser.new_context(locale="ja-JP").new_page()
    said: list[str] = []
    page.on("console", lambda m: said.append(m.text))
    page.goto(f"{gw.base}{path}")
    links: list[str] = page.evaluate(LINKS)
    assert any(link.startswith("/static/web.css?") for link in links), links
    for link in links:
        name, version = _version(link)
        assert len(version) >= 12 and _digest(name).startswith(version), link
        answer = page.request.get(f"{gw.base}{link}")
        assert answer.ok
        control = answer.headers["cache-control"]
        assert f"max-age={YEAR}" in control and "immutable" in control, (link, control)
        assert answer.headers["content-security-policy"] == CSP
    # the style sheet applies (the CSP lets it in): the body is not the browser's default
    assert page.evaluate("getComputedStyle(document.body).fontFamily") != "Times New Roman"
    assert [s for s in said if "Content Security Policy" in s or "Refused" in s] == []
    page.context.close()


@pytest.mark.parametrize("query", ["", "?v=0123456789abcdef"])  # bare, or an old hash
def test_an_unhashed_or_old_url_is_checked_again_each_time(gw: Gateway, query: str) -> None:
    """Not kept for a year: what it names is whatever the file is now."""
    context = gw.browser.new_context()
    answer = context.request.get(f"{gw.base}/static/web.css{query}")
    assert answer.ok
    assert answer.headers["cache-control"] == "no-cache"
    with open(f"{STATIC}/web.css", "rb") as f:
        assert answer.body() == f.read()
    context.close()


def _linked(page: Any) -> list[str]:
    return list(page.evaluate(LINKS))


def test_a_members_page_links_them_hashed_too(gw: Gateway) -> None:
    page = gw.member_page()
    page.goto(f"{gw.base}/board")
    links = _linked(page)
    assert links and all(_digest(_version(x)[0]).startswith(_version(x)[1]) for x in links)
    assert all(_version(x)[1] for x in links), links
    page.context.close()
