"""The mailed sign-in link in a real Chromium against a real daemon, as people use it:
fetched first by a mail scanner, then opened in two tabs and pressed in both (once a
double click); opened again the next time by the member signed in with it. Each ends
on the board, never on an error page.

Skipped, with the reason, where Playwright or /usr/bin/chromium is missing.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from store.db import make_engine, session_factory, transaction
from store.models import OutboxRow
from tests.support.browser import ARGS, CHROMIUM, needs_browser, site
from tests.support.daemon import daemon_thread
from tests.support.pipeline import text_of
from tests.support.waiting import PATIENCE, eventually

pytestmark = needs_browser


class Gateway:
    def __init__(self, base: str, url: str, browser: Any) -> None:
        self.base, self.url, self.browser = base, url, browser

    def links(self, member: str) -> list[str]:
        """The sign-in links mailed to ``member``, oldest first."""
        engine = make_engine(self.url)
        try:
            with transaction(session_factory(engine)) as s:
                mails = s.scalars(select(OutboxRow).where(OutboxRow.kind == "sign_in")).all()
                found = [re.search(r"https?://\S+/sign-in/\S+", text_of(m)) for m in mails]
                return [
                    f.group(0)
                    for f, m in zip(found, mails, strict=True)
                    if f and m.recipients == [member]
                ]
        finally:
            engine.dispose()

    def ask_link(self, page: Any, member: str) -> str:
        """Ask for a link on the sign-in page; the link, once its mail is queued."""
        before = len(self.links(member))
        page.goto(f"{self.base}/sign-in")
        page.fill("#email", member)
        page.click("button.primary")
        links = eventually(lambda: self.links(member)[before:])
        assert links
        return str(links[-1])


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    from playwright.sync_api import sync_playwright

    here = site(tmp_path_factory.mktemp("sign-in"))
    with daemon_thread(here.config) as (ready, _stop, _result), sync_playwright() as p:
        assert ready.wait(30)
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield Gateway(here.base, here.url, browser)
        finally:
            browser.close()


def test_a_link_a_scanner_opened_first_then_pressed_in_two_tabs_signs_in_in_both(
    gw: Gateway,
) -> None:
    """The mail server's scanner fetches the link; the member opens it twice (two tabs,
    or a second tab after the first seemed slow), double-clicks the button in one and
    presses it in the other: both tabs end on the board."""
    from playwright.sync_api import expect  # as the fixture imports it: a skip without it

    context = gw.browser.new_context(locale="ja-JP")
    first, second = context.new_page(), context.new_page()
    link = gw.ask_link(first, "ops2@example.test")
    with urllib.request.urlopen(link, timeout=10) as scanned:  # uses nothing up
        assert scanned.status == 200
    first.goto(link)
    second.goto(link)
    first.dblclick("#sign-in")
    # the second press's post replaces the first's navigation, which ends ERR_ABORTED
    # when its answer is slow (a loaded machine): wait for where the tab ends, whichever
    expect(first).to_have_url(f"{gw.base}/board", timeout=PATIENCE * 1000)
    first.wait_for_load_state()
    second.click("#sign-in")
    second.wait_for_load_state()
    for tab in (first, second):
        assert tab.url == f"{gw.base}/board"
        assert "このリンクはもう使えません" not in tab.content()
    first.goto(f"{gw.base}/tickets")
    assert first.url == f"{gw.base}/tickets"  # signed in: not sent to /sign-in
    context.close()


def test_the_member_signed_in_opens_the_link_again_and_is_on_the_board(gw: Gateway) -> None:
    context = gw.browser.new_context(locale="en-US")
    page = context.new_page()
    link = gw.ask_link(page, "ops@example.test")
    page.goto(link)
    page.click("#sign-in")
    page.wait_for_url("**/board")
    page.goto(link)  # the next morning, from the mailbox
    assert page.url == f"{gw.base}/board"
    assert "does not work any more" not in page.content()
    context.close()


def test_a_member_signed_in_who_opens_sign_in_is_on_the_board_and_can_switch(
    gw: Gateway,
) -> None:
    """The sign-in page from a bookmark, signed in already: the board, not the form.
    "Sign in as someone else" (on a dead link's page) signs out and shows the form."""
    context = gw.browser.new_context(locale="en-US")
    page = context.new_page()
    link = gw.ask_link(page, "ops@example.test")
    page.goto(link)
    page.click("#sign-in")
    page.wait_for_url("**/board")
    page.goto(f"{gw.base}/sign-in")
    assert page.url == f"{gw.base}/board"
    page.goto(f"{gw.base}/sign-in/" + "x" * 43)  # a colleague's link that does not work
    page.click("#sign-in-as-other")
    page.wait_for_url("**/sign-in")
    assert page.locator("#email").count() == 1
    page.goto(f"{gw.base}/tickets")
    assert page.url == f"{gw.base}/sign-in"  # signed out indeed
    context.close()


def _board_status(gw: Gateway, session: str) -> int:
    """/board's status for a request with only the session cookie ``session``."""

    class Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kw: Any) -> None:
            return None

    asked = urllib.request.Request(f"{gw.base}/board", headers={"Cookie": f"tg_session={session}"})
    try:
        with urllib.request.build_opener(Stay).open(asked, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return refused.code


def test_signing_in_as_a_colleague_ends_the_session_the_browser_held(gw: Gateway) -> None:
    """A shared computer: signed in as one member, a colleague opens their own link in
    the same browser and presses its button. The first member's session is ended on the
    server, not only replaced in the browser: a copy of its cookie is no one now."""
    context = gw.browser.new_context(locale="en-US")
    page = context.new_page()
    page.goto(gw.ask_link(page, "ops@example.test"))
    page.click("#sign-in")
    page.wait_for_url("**/board")
    first = next(c["value"] for c in context.cookies() if c["name"] == "tg_session")
    assert _board_status(gw, first) == 200
    asker = gw.browser.new_context(locale="en-US")  # the colleague asked elsewhere
    link = gw.ask_link(asker.new_page(), "boss@example.test")
    asker.close()
    page.goto(link)  # and opens the mailed link here
    page.click("#sign-in")
    page.wait_for_url("**/board")
    second = next(c["value"] for c in context.cookies() if c["name"] == "tg_session")
    assert second != first
    assert (_board_status(gw, first), _board_status(gw, second)) == (303, 200)
    context.close()
