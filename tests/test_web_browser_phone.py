"""The ticket page on a phone (360 to 400 px wide), in a real Chromium against a real
daemon, in Japanese and in English: the history and the action runs must be readable
there.

Skipped, with the reason, where Playwright or /usr/bin/chromium is missing.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.browser import needs_browser
from tests.support.browser_gateway import Gateway, running_gateway
from tests.support.waiting import eventually

pytestmark = needs_browser


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    with running_gateway(tmp_path_factory.mktemp("phone")) as gateway:
        yield gateway


# A table as a phone shows it (the history, the action runs): what reaches past the
# window (the page, or any element of the table), whether the table's box scrolls
# sideways, the narrowest cell's width against the window's (a column squeezed to a few
# characters a line), and the words each cell shows before its value.
TABLE = """(selector) => {
  const table = document.querySelector(selector);
  const cells = [...table.querySelectorAll('td')];
  const box = table.closest('.scroll') || table.parentElement;
  return {
    page: document.documentElement.scrollWidth - window.innerWidth,
    past: [table, ...table.querySelectorAll('*')].filter(
        (e) => e.getBoundingClientRect().right > window.innerWidth + 1).map((e) => e.tagName),
    box_scrolls: box.scrollWidth > box.clientWidth + 1,
    narrowest: Math.min(...cells.map((c) => c.getBoundingClientRect().width))
        / window.innerWidth,
    rows: table.querySelectorAll('tbody tr').length,
    // what a cell says it is, where its column's heading is not beside it
    named: cells.map((c) => getComputedStyle(c, '::before').content),
  };
}"""

NOTE = (
    "プリンターの設定を確認しました。ドライバーの再インストールが必要です。"
    "https://intranet.example.test/share/printers/3F/driver-installation-guide-2026.pdf "
    "を参照してください。"
)


def _worked_on(gw: Gateway) -> int:
    """A ticket with a history a member made from the page: taken, a long note (a long
    URL in it), waiting for the requester, worked on again."""
    tid = gw.mail_in("三階の複合機で両面印刷ができない", "両面印刷ができません。\n", "ito@c.test")
    page = gw.member_page()
    page.goto(f"{gw.base}/tickets/{tid}")
    if page.locator("#assign-me").count():  # the assignment may have given it to them
        page.click("#assign-me")
    page.fill("#note", NOTE)
    page.click("#add-note")
    page.click("#pending")
    page.click("#open")
    page.context.close()
    return tid


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_history_is_readable_on_a_phone(gw: Gateway, lang: str) -> None:
    """The history's four columns (when, what, the change, who) sat side by side in a
    box that scrolled sideways: at 360 px the change and the member's address were a
    few characters a line. Now each entry is stacked, every cell the window's width
    or near it, and nothing reaches past the window or scrolls sideways."""
    tid = _worked_on(gw)
    page = gw.member_page()
    for width in (360, 400):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"{gw.base}/tickets/{tid}?lang={lang}")
        seen = page.evaluate(TABLE, "table.events")
        assert seen["rows"] >= 5, seen
        assert (seen["page"], seen["past"], seen["box_scrolls"]) == (0, [], False), (width, seen)
        assert seen["narrowest"] > 0.6, (width, seen)
    page.context.close()


@pytest.mark.parametrize(
    ("lang", "headings"),
    [
        ("ja", ["#", "自動処理", "状態", "試行回数", "開始", "終了", "最後のエラー"]),
        ("en", ["#", "Action", "State", "Attempts", "Started", "Finished", "Last error"]),
    ],
)
def test_the_action_runs_are_readable_on_a_phone(
    gw: Gateway, lang: str, headings: list[str]
) -> None:
    """The runs' seven columns scrolled sideways in their box on a phone, the error a
    few characters a line. Now each run is stacked, each value under its heading's words
    (the heading row itself is not beside them any more)."""
    tid = gw.mail_in("アカウントの作成", "ユーザーID: 山田 太郎\n", "yamada@customer.test")
    eventually(
        lambda: [r for r in gw.ticket(tid)["action_runs"] if r["state"] == "failed"], timeout=60
    )
    page = gw.member_page()
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{gw.base}/tickets/{tid}?lang={lang}")
    seen = page.evaluate(TABLE, "table.runs")
    page.context.close()
    assert (seen["page"], seen["past"], seen["box_scrolls"]) == (0, [], False), seen
    assert seen["narrowest"] > 0.6, seen
    assert seen["named"] == [f'"{h}"' for h in headings], seen
