"""What a screen reader says of the pages, in a real Chromium against a real daemon, in
Japanese and in English (WCAG 2.1 AA):

- a long list's page number and its filters are in its title: three tabs of the list
  (pages 1, 2, 3, or nobody's tickets and a search) read "Tickets · Support desk" all
  three, in the tab strip and when a screen reader reads the title first (WCAG 2.4.2);
- what a press did ("Note added", "Closed") is said on the page and in a live region
  (``role=status``), so a screen reader announces it: the page came back silently, the
  change to be found by reading the whole page again (WCAG 4.1.3);
- a catalog entry's name, description or field label the catalog gives only in the other
  language (an English-only entry on a Japanese page) is marked with its language, so a
  screen reader reads it with the right voice, not English words in a Japanese one
  (WCAG 3.1.2);
- a form sent back names each field to fix in its summary, each a link to its field
  (WCAG 3.3.1, the GOV.UK error summary): "Please check the marked fields." named none.

Skipped, with the reason, where Playwright or /usr/bin/chromium is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gateway.catalog import load as catalog_load
from gateway.core.resources import examples_dir
from store.db import make_engine, session_factory
from store.models import Ticket
from tests.support.browser import needs_browser
from tests.support.browser_gateway import Gateway, running_gateway
from tests.support.long_lists import put, ticket_row

pytestmark = needs_browser

# An entry the catalog names in English only (a new entry, its Japanese not written yet).
ENGLISH_ONLY = """
  - id: badge
    name: {en: Door badges}
    description: {en: "A lost or broken door badge."}
    keywords: [badge]
    fields:
      - name: badge_no
        label: {en: Badge number}
        required: true
"""


def _catalog(folder: Path) -> Path:
    """The example catalog with :data:`ENGLISH_ONLY` first, in ``folder`` (with the
    example's action program, which it names relative to itself)."""
    text = catalog_load.EXAMPLE.read_text(encoding="utf-8")
    path = folder / "catalog.yaml"
    path.write_text(text.replace("entries:\n", "entries:" + ENGLISH_ONLY, 1), encoding="utf-8")
    program = examples_dir() / "account_action.py"
    (folder / program.name).write_bytes(program.read_bytes())
    (folder / program.name).chmod(0o755)
    return path


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    folder = tmp_path_factory.mktemp("read-out")
    with running_gateway(folder, extra=f'[catalog]\npath = "{_catalog(folder)}"\n') as g:
        yield g


def _page(gw: Gateway, lang: str) -> Any:
    page = gw.member_page()
    page.goto(f"{gw.base}/board?lang={lang}")  # the language chosen, kept for what follows
    return page


@pytest.fixture(scope="module")
def long_list(gw: Gateway) -> None:
    """120 open tickets (ids 5001…): three pages of the list."""
    engine = make_engine(gw.url)
    try:
        put(session_factory(engine), Ticket, [ticket_row(n, "open") for n in range(5001, 5121)])
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("lang", "second"),
    [
        ("ja", "チケット（3 ページ中 2 ページ目） · サポート窓口"),
        ("en", "Tickets (page 2 of 3) · Support desk"),
    ],
)
def test_a_lists_page_number_is_in_its_title(
    gw: Gateway, long_list: None, lang: str, second: str
) -> None:
    page = _page(gw, lang)
    titles = []
    for n in (1, 2, 3):
        page.goto(f"{gw.base}/tickets?page={n}")
        titles.append(page.title())
    assert titles[1] == second
    assert len(set(titles)) == 3, titles  # three tabs told apart
    page.goto(f"{gw.base}/tickets?q=zzzz")  # one page only: no number to tell
    assert page.title().split(" · ")[0] in ("チケット：「zzzz」", "Tickets: “zzzz”")
    page.context.close()


@pytest.mark.parametrize(
    ("lang", "titles"),
    [
        (
            "ja",
            [
                "チケット：対応中、担当者なし（3 ページ中 2 ページ目）",
                "チケット：受付、「プリンタ」",
            ],
        ),
        ("en", ["Tickets: In progress, nobody (page 2 of 3)", "Tickets: New, “プリンタ”"]),
    ],
)
def test_a_lists_filters_are_in_its_title(
    gw: Gateway, long_list: None, lang: str, titles: list[str]
) -> None:
    """Tabs of the list filtered otherwise (nobody's open tickets, a search) are told
    apart by their titles too, not only by their page."""
    page = _page(gw, lang)
    page.goto(f"{gw.base}/tickets?state=open&assignee=-&page=2")
    nobodys = page.title()
    page.goto(f"{gw.base}/tickets?state=new&q=プリンタ")
    assert [nobodys.split(" · ")[0], page.title().split(" · ")[0]] == titles
    page.context.close()


# Each message shown in main (a notice, an error) and whether a live region holds it.
MESSAGES = """() => [...document.querySelectorAll('main .notice, main .error')]
  .filter((e) => e.getClientRects().length && e.tagName !== 'TD')
  .map((e) => [e.innerText, !!e.closest('[role=status], [role=alert], [aria-live]')])"""


@pytest.mark.parametrize(
    ("lang", "noted", "closed"),
    [("ja", "メモを追加しました。", "完了にしました。"), ("en", "Note added.", "Ticket closed.")],
)
def test_what_a_press_did_is_said_in_a_live_region(
    gw: Gateway, lang: str, noted: str, closed: str
) -> None:
    tid = gw.mail_in("プリンタの紙詰まり", "3F のプリンタです。\n", "sato@customer.test")
    page = _page(gw, lang)
    page.goto(f"{gw.base}/tickets/{tid}")
    page.fill("#note", "トナーも確認します。")
    page.click("#add-note")
    page.wait_for_load_state()
    assert page.inner_text("main [role=status]") == noted
    page.click("#close")
    page.wait_for_load_state()
    assert page.inner_text("main [role=status]") == closed
    assert gw.ticket(tid)["state"] == "closed"
    page.click("#add-note")  # nothing typed: said at the box, in a live region too
    page.wait_for_load_state()
    said = page.evaluate(MESSAGES)
    assert said and all(live for _text, live in said), said
    page.context.close()


def test_a_name_in_the_other_language_says_which(gw: Gateway) -> None:
    """A Japanese page: the English-only entry's words are marked ``lang="en"``, the
    Japanese names of the others are not marked (they are in the page's language)."""
    tid = gw.mail_in("badge broken", "My badge does not open the door.\n", "sato@customer.test")
    page = _page(gw, "ja")
    lang_of = "(e) => e.closest('[lang]').getAttribute('lang')"
    page.goto(f"{gw.base}/")
    assert page.eval_on_selector("a[href='/new/badge'] strong", lang_of) == "en"
    assert page.eval_on_selector("a[href='/new/badge'] + br + .muted", lang_of) == "en"
    assert page.eval_on_selector("a[href='/new/vpn'] strong", lang_of) == "ja"
    page.goto(f"{gw.base}/new/badge")
    assert page.eval_on_selector("h1", lang_of) == "en"
    assert page.eval_on_selector("label[for=f_badge_no] > span", lang_of) == "en"
    assert page.eval_on_selector("label[for=f_badge_no] .req", lang_of) == "ja"  # 必須
    page.goto(f"{gw.base}/tickets")
    assert page.eval_on_selector("select[name=catalog] option[value=badge]", lang_of) == "en"
    assert page.eval_on_selector("select[name=catalog] option[value=vpn]", lang_of) == "ja"
    assert gw.ticket(tid)["catalog"] == "badge"
    row = f"tr:has(a[href='/tickets/{tid}'])"
    assert page.eval_on_selector(f"{row} td:nth-child(5) > span", lang_of) == "en"
    page.goto(f"{gw.base}/tickets/{tid}")
    assert page.eval_on_selector("#entry > span", lang_of) == "en"
    assert page.eval_on_selector("table.fields th > span", lang_of) == "en"
    page.goto(f"{gw.base}/board")
    assert page.eval_on_selector("#lane-badge th > span", lang_of) == "en"
    page.context.close()


@pytest.mark.parametrize(
    ("locale", "email_said"),
    [("ja-JP", "メールアドレス"), ("en-US", "e-mail address")],
)
def test_the_error_summary_links_to_each_field_to_fix(
    gw: Gateway, locale: str, email_said: str
) -> None:
    context = gw.browser.new_context(locale=locale)
    page = context.new_page()
    page.goto(f"{gw.base}/new/purchase")
    page.fill("#subject", "ノートPCの購入")
    page.click("button.primary")
    page.wait_for_load_state()
    summary = page.locator("main .summary")
    links = summary.locator("a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    # in the page's order, each named by its label and its message
    assert hrefs == ["#email", "#f_item", "#f_quantity"], hrefs
    assert email_said in links.nth(0).inner_text()
    assert page.inner_text("#error-f_item") in links.nth(1).inner_text()
    links.nth(2).click()  # the link takes the focus to its field
    assert page.evaluate("document.activeElement.id") == "f_quantity"
    context.close()


def test_the_catalog_fixture_reads(tmp_path: Path) -> None:
    """The module's catalog is a valid one (else every test above fails for it)."""
    assert catalog_load.load_catalog(_catalog(tmp_path)).entry("badge") is not None
