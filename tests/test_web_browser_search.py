"""The list's search box takes a ticket's number as people have it: the tag every mail
to them carries (``[HELP#12]``), or ``#12`` said on the phone. It searched the messages'
text for it and said "no tickets match" (a mail's tag is no word of the request), where
RT and Zammad open the ticket. Bare digits stay a text search (an error code, a
year), and the ticket of that number is offered above the hits.

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
    with running_gateway(tmp_path_factory.mktemp("search")) as gateway:
        yield gateway


@pytest.fixture(scope="module")
def two(gw: Gateway) -> tuple[int, int]:
    """Two requests; the second one's text holds the first one's number."""
    first = gw.mail_in("プリンタの紙詰まり", "3F のプリンタです。\n", "sato@customer.test")
    second = gw.mail_in("会議室の予約", f"第{first}会議室を予約したいです。\n", "ito@customer.test")
    return first, second


def _search(gw: Gateway, typed: str) -> Any:
    page = gw.member_page()
    page.goto(f"{gw.base}/tickets")
    page.fill("#q", typed)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    return page


@pytest.mark.parametrize("typed", ["[HELP#{id}]", "help#{id}", "#{id}", "＃{id}", " [#{id}] "])
def test_a_tickets_tag_in_the_search_box_opens_that_ticket(
    gw: Gateway, two: tuple[int, int], typed: str
) -> None:
    first, _ = two
    page = _search(gw, typed.format(id=first))
    assert page.url == f"{gw.base}/tickets/{first}"
    assert "プリンタの紙詰まり" in page.inner_text("h1")
    page.context.close()


def test_a_tag_of_no_ticket_is_searched_for_and_found_nowhere(gw: Gateway) -> None:
    page = _search(gw, "#99999")
    assert "/tickets?" in page.url
    assert "該当するチケットはありません。" in page.inner_text("main")
    page.context.close()


def test_bare_digits_are_searched_and_the_ticket_of_that_number_offered(
    gw: Gateway, two: tuple[int, int]
) -> None:
    first, second = two
    page = _search(gw, str(first))
    rows = page.eval_on_selector_all(
        "table.list tbody tr td:first-child", "els => els.map(e => e.innerText)"
    )
    assert str(second) in rows  # the text's hit stays
    offered = page.locator("#numbered a")
    assert offered.get_attribute("href") == f"/tickets/{first}"
    assert offered.inner_text() == f"チケット #{first}「プリンタの紙詰まり」を開く"
    page.context.close()
