"""The pages as a user of assistive technology meets them, in a real Chromium against a
real daemon, in Japanese and in English (WCAG 2.1 AA):

- a page's title says where one is: an error page's title was its bare status code
  ("404 · サポート窓口"), which a screen reader reads first and a tab strip shows;
- the box of a field can be seen: its border stood at 1.5:1 against the white behind it
  (WCAG 1.4.11 asks 3:1 of what shows where a control is);
- a data table's rows are named: a screen reader moving down the board's "SLA breached"
  column or the list's "State" column read out numbers and words without the member,
  the catalog entry or the ticket they belong to;
- what the "unverified" badge means is read out and shown to a keyboard, not kept in a
  ``title`` that only a mouse hovering over it brings up.

Skipped, with the reason, where Playwright or /usr/bin/chromium is missing.
"""

from __future__ import annotations

import itertools
import smtplib
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.browser import needs_browser
from tests.support.browser_gateway import Gateway, running_gateway
from tests.support.mails import mail
from tests.support.waiting import eventually

pytestmark = needs_browser

SATO = "sato@customer.test"

# WCAG's contrast of each visible field's border with the first colour painted behind
# the field (its parent's background, and so on up).
FIELD_BORDERS = """() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const behind = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  return [...document.querySelectorAll('main input, main select, main textarea')]
    .filter((e) => e.type !== 'hidden' && e.getClientRects().length
                   && getComputedStyle(e).opacity !== '0')
    .map((e) => {
      const a = lum(rgb(getComputedStyle(e).borderTopColor)), z = lum(behind(e.parentElement));
      return [e.id || e.name, (Math.max(a, z) + 0.05) / (Math.min(a, z) + 0.05)];
    });
}"""

# The body rows of the page's data tables that name nothing a screen reader could say
# beside a cell: no row header, native (``th``) or by role.
UNNAMED_ROWS = """() => [...document.querySelectorAll('main table tbody tr')]
  .filter((tr) => !tr.querySelector('th, [role=rowheader]'))
  .map((tr) => (tr.closest('[id]') || {}).id + ': ' + tr.innerText.slice(0, 40))"""


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    with running_gateway(tmp_path_factory.mktemp("a11y")) as gateway:
        yield gateway


@pytest.fixture(scope="module")
def ticket(gw: Gateway) -> int:
    """A ticket with an unverified mail on it: its tag in the subject, no reply token."""
    tid = gw.mail_in("VPN につながらない", "自宅からです。\n", SATO)
    raw = mail(f"Re: [HELP#{tid}] VPN につながらない", "直りました？\n", sender=SATO)
    with smtplib.SMTP("127.0.0.1", gw.smtp_port) as client:
        client.sendmail(SATO, ["support@example.test"], raw.replace(b"\n", b"\r\n"))
    eventually(lambda: len(gw.ticket(tid)["messages"]) == 2, timeout=30)
    return tid


def _page(gw: Gateway, lang: str) -> Any:
    page = gw.member_page()
    page.goto(f"{gw.base}/board?lang={lang}")  # the language chosen, kept for what follows
    return page


@pytest.mark.parametrize(
    ("lang", "titles"),
    [
        ("ja", {"/nope": "見つかりません · サポート窓口"}),
        ("en", {"/nope": "Not found · Support desk"}),
    ],
)
def test_an_error_pages_title_says_what_went_wrong(
    gw: Gateway, lang: str, titles: dict[str, str]
) -> None:
    """The title is the page's heading, as on every other page, not a status code."""
    context = gw.browser.new_context(locale="ja-JP" if lang == "ja" else "en-US")
    page = context.new_page()
    for path, title in titles.items():
        page.goto(gw.base + path)
        assert page.title() == title
        assert page.title().startswith(page.inner_text("h1"))
    page.goto(gw.base + "/sign-in/" + "A" * 43)  # a 400: its own heading, its own title
    assert page.title().startswith(page.inner_text("h1") + " · ")
    context.close()


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_fields_box_stands_out_from_what_is_behind_it(
    gw: Gateway, ticket: int, lang: str
) -> None:
    page = _page(gw, lang)
    faint: list[tuple[str, str, float]] = []
    for path in ("/new/purchase", "/tickets", f"/tickets/{ticket}"):
        page.goto(gw.base + path)
        fields = page.evaluate(FIELD_BORDERS)
        assert fields, path
        faint += [(path, name, round(ratio, 2)) for name, ratio in fields if ratio < 3]
    assert faint == []
    page.context.close()


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_row_of_a_data_table_has_a_header(gw: Gateway, ticket: int, lang: str) -> None:
    page = _page(gw, lang)
    unnamed: list[str] = []
    for path in ("/board", "/tickets", f"/tickets/{ticket}"):
        page.goto(gw.base + path)
        assert page.locator("main table tbody tr").count() > 0, path
        unnamed += [f"{path} {row}" for row in page.evaluate(UNNAMED_ROWS)]
    assert unnamed == []
    # the list's row is named by its ticket's title, the panels' by the member and the entry
    page.goto(f"{gw.base}/tickets")
    assert "VPN につながらない" in page.get_by_role("rowheader").all_inner_texts()
    page.context.close()


@pytest.mark.parametrize(("lang", "words"), [("ja", "返信用アドレス"), ("en", "No reply address")])
def test_what_unverified_means_is_read_out_not_only_hovered(
    gw: Gateway, ticket: int, lang: str, words: str
) -> None:
    page = _page(gw, lang)
    page.goto(f"{gw.base}/tickets/{ticket}")
    assert page.locator(".message .badge.unverified").count() == 1
    # shown on the page, beside the badge (a keyboard and a phone have no hover), and
    # nothing said only under a mouse
    assert words in page.inner_text(".message.in:has(.badge.unverified) header")
    assert page.locator("main [title]").count() == 0
    page.context.close()


@pytest.mark.parametrize(
    ("lang", "words"), [("ja", "何も変更していません"), ("en", "Nothing was changed")]
)
def test_a_press_refused_for_a_lost_cookie_says_so_in_the_title(
    gw: Gateway, ticket: int, lang: str, words: str
) -> None:
    """A button of a ticket pressed after the browser lost its CSRF cookie: nothing is
    done (the token still holds), and the title says so before it names the ticket."""
    page = _page(gw, lang)
    page.goto(f"{gw.base}/tickets/{ticket}")
    page.context.clear_cookies(name="tg_csrf")
    with page.expect_response(lambda r: r.request.method == "POST") as answered:
        page.click("#pending")
    assert answered.value.status == 403
    assert gw.ticket(ticket)["state"] != "pending"
    assert page.title().startswith(f"{words} · #{ticket} · ")
    page.context.close()


@pytest.mark.parametrize(
    ("locale", "title"),
    [("ja-JP", "送信していません: 購入申請 · "), ("en-US", "Not sent: Purchase requests · ")],
)
def test_a_form_sent_back_to_fix_says_so_in_its_title(gw: Gateway, locale: str, title: str) -> None:
    """A screen reader reads the title first when the form comes back: it says that the
    request was not sent, where the empty form's title is the form's name alone."""
    context = gw.browser.new_context(locale=locale)
    page = context.new_page()
    page.goto(f"{gw.base}/new/purchase")
    fresh = page.title()
    page.fill("#subject", "ノートPCの購入")
    page.click("button.primary")
    page.wait_for_load_state()
    assert page.title().startswith(title)
    assert fresh.split(" · ")[0] == title.split(": ")[1].split(" · ")[0]
    assert page.evaluate("document.activeElement.id") == "email"  # the first to fix
    context.close()


# The page's headings, in order: their levels and words.
HEADINGS = """() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
  .map((h) => [Number(h.tagName[1]), h.innerText])"""


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_each_message_is_headed_by_its_subject_and_no_level_is_skipped(
    gw: Gateway, ticket: int, lang: str
) -> None:
    """A screen reader user goes through a ticket's mails by heading: each message's
    subject was bold words only, so the ticket's mails were one run of text."""
    page = _page(gw, lang)
    for path in ("/", "/new/purchase", "/board", "/tickets", f"/tickets/{ticket}"):
        page.goto(gw.base + path)
        levels = [level for level, _ in page.evaluate(HEADINGS)]
        assert levels[0] == 1 and levels.count(1) == 1, path
        assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), path
    page.goto(f"{gw.base}/tickets/{ticket}")
    subjects = [m["subject"] for m in gw.ticket(ticket)["messages"]]
    assert page.locator("article.message h3").all_inner_texts() == subjects
    page.context.close()


FOCUSED = """() => { const e = document.activeElement, r = e.getBoundingClientRect();
  return [e.tagName, e.id || e.innerText, r.left >= 0 && r.top >= 0 && r.width > 0
          && r.right <= window.innerWidth, !!e.closest('main')]; }"""


@pytest.mark.parametrize(("lang", "words"), [("ja", "本文へ移動"), ("en", "Skip to the content")])
def test_the_first_tab_offers_to_skip_the_header(gw: Gateway, lang: str, words: str) -> None:
    """A keyboard user went through the header's five links on every page before the
    board's first card or a ticket's first button: the first Tab now stops on a link,
    shown while it has the focus, that takes the next Tab into the page itself."""
    page = _page(gw, lang)
    for path in ("/board", "/tickets", "/new/purchase"):
        page.goto(gw.base + path)
        page.keyboard.press("Tab")
        tag, said, shown, _inside = page.evaluate(FOCUSED)
        assert (tag, said, shown) == ("A", words, True), path
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        tag, said, shown, inside = page.evaluate(FOCUSED)
        assert inside and shown, (path, tag, said)
    page.context.close()


OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_no_page_scrolls_sideways_in_a_320_px_window(gw: Gateway, ticket: int, lang: str) -> None:
    """WCAG's reflow: 320 CSS px (1280 px at 400 % zoom), for anyone and for a member."""
    member = gw.member_page()
    state = member.context.storage_state()
    member.context.close()
    for signed_in in (None, state):
        context = gw.browser.new_context(
            viewport={"width": 320, "height": 640}, storage_state=signed_in
        )
        page = context.new_page()
        wide: dict[str, int] = {}
        for path in (
            "/",
            "/new/purchase",
            "/sign-in",
            "/board",
            "/tickets",
            f"/tickets/{ticket}",
            "/x",
        ):
            page.goto(f"{gw.base}{path}?lang={lang}")
            wide[path] = page.evaluate(OVERFLOW)
        assert wide == dict.fromkeys(wide, 0)
        context.close()


# The POST forms of a page without the CSRF token (gateway.web.visit.CSRF_FIELD).
TOKENLESS = """() => [...document.querySelectorAll('form')]
  .filter((f) => f.method === 'post' && !f.querySelector('input[type=hidden][name=csrf]'))
  .map((f) => f.action)"""


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_pages_changed_here_keep_the_policy_and_the_token(
    gw: Gateway, ticket: int, lang: str
) -> None:
    """The skip link, the headings and the words beside the badge add nothing the strict
    CSP refuses (a refusal is a console error) and every form still posts its token."""
    page = _page(gw, lang)
    said: list[str] = []
    page.on("console", lambda m: said.append(f"{page.url}: {m.type}: {m.text}"))
    for path in ("/", "/new/purchase", "/board", "/tickets", f"/tickets/{ticket}", "/x"):
        answer = page.goto(gw.base + path)
        assert answer is not None
        assert "'unsafe-inline'" not in answer.headers["content-security-policy"]
        assert page.evaluate(TOKENLESS) == [], path
    assert [s for s in said if "favicon" not in s and "404" not in s] == []
    page.context.close()


def _chromium_name(page: Any, selector: str) -> str:
    """The accessible name Chromium gives an element (what a screen reader says and
    what speech control listens for), from its own accessibility tree."""
    cdp = page.context.new_cdp_session(page)
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    [ax] = cdp.send("Accessibility.getPartialAXTree", {"nodeId": node, "fetchRelatives": False})[
        "nodes"
    ]
    return str(ax.get("name", {}).get("value", ""))


@pytest.mark.parametrize(
    ("locale", "button"), [("ja-JP", "ファイルを選択"), ("en-US", "Choose files")]
)
def test_the_file_buttons_name_holds_the_words_on_it(gw: Gateway, locale: str, button: str) -> None:
    """Speech control clicks a control by the words shown on it: the file button showed
    "Choose files" while its name was the attachments' label alone, so "click Choose
    files" found nothing (WCAG 2.5.3)."""
    context = gw.browser.new_context(locale=locale)
    page = context.new_page()
    page.goto(f"{gw.base}/new/purchase")
    assert page.inner_text(".files label.button") == button
    assert button in _chromium_name(page, "#files")
    context.close()


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_data_table_is_named_by_its_heading(gw: Gateway, ticket: int, lang: str) -> None:
    """A screen reader lists a page's tables and names the one it enters: each was
    "table" alone; each is now named by the heading over it (Chromium's own tree)."""
    page = _page(gw, lang)
    for path in ("/board", "/tickets", f"/tickets/{ticket}"):
        page.goto(gw.base + path)
        cdp = page.context.new_cdp_session(page)
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
        tables = [n for n in nodes if n.get("role", {}).get("value") == "table"]
        assert tables, path
        names = [str(n.get("name", {}).get("value", "")) for n in tables]
        assert "" not in names, (path, names)
    page.context.close()
