"""Smaller things of the pages, each in a real Chromium against a real daemon: a ja form
shows a choice's Japanese label and stores its value; the board shows no heading with
nothing under it; the merge box takes a ticket's tag as ``/merge`` does; a merged ticket
is unmerged from its page; a merge or an unmerge pressed after the CSRF cookie was
lost comes back to be pressed again.

Skipped, with the reason, where Playwright or /usr/bin/chromium is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.browser import needs_browser
from tests.support.browser_gateway import Gateway, running_gateway
from tests.support.waiting import eventually

pytestmark = needs_browser


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    with running_gateway(tmp_path_factory.mktemp("pages")) as gateway:
        yield gateway


# Tables of the board's panels with a heading row and no row under it.
EMPTY_TABLES = """
[...document.querySelectorAll('.panel table')].filter(
    (t) => t.querySelector('thead') && !t.querySelector('tbody tr')).length
"""


def test_the_board_shows_no_heading_with_nothing_under_it(gw: Gateway) -> None:
    """First on a new gateway: no member has a ticket and nothing is under the fallback;
    then one request the catalog cannot place brings the fallback's panel."""
    page = gw.member_page()
    page.goto(f"{gw.base}/board")
    assert page.evaluate(EMPTY_TABLES) == 0
    assert page.locator("#other").count() == 0  # nothing under the fallback: no panel
    assert "未完了のチケットを持つメンバーはいません" in page.inner_text("#members")
    gw.mail_in("ランチの出前", "今日のランチの出前はありますか。\n", "staff@customer.test")
    page.goto(f"{gw.base}/board")
    assert page.evaluate(EMPTY_TABLES) == 0
    assert "その他" in page.inner_text("#other h2")
    page.context.close()


def test_a_ja_form_shows_a_choices_label_and_stores_its_value(gw: Gateway) -> None:
    """The purchase entry's budget: 経費（OPEX） / 設備投資（CAPEX） on the ja form (the
    catalog's labels), opex / capex stored, as the action and ``--json`` expect."""
    context = gw.browser.new_context(locale="ja-JP")
    page = context.new_page()
    page.goto(f"{gw.base}/new/purchase")
    options = page.locator("#f_budget option").all_inner_texts()
    assert options[1:] == ["経費（OPEX）", "設備投資（CAPEX）"]
    ticket = gw.send_purchase(page, "モニターの購入", "27インチモニター", "2", "設備投資（CAPEX）")
    assert ticket["fields"]["budget"] == "capex"
    english = gw.browser.new_context(locale="en-US").new_page()
    english.goto(f"{gw.base}/new/purchase")
    options = english.locator("#f_budget option").all_inner_texts()
    assert options[1:] == ["Operating expense (OPEX)", "Capital expense (CAPEX)"]
    context.close()
    english.context.close()


@pytest.mark.parametrize(
    "typed", ["[HELP#{id}]", "help#{id}", "［ＨＥＬＰ＃{id}］", "＃{id}", "{id}"]
)
def test_the_merge_box_takes_what_merge_by_mail_takes(gw: Gateway, typed: str) -> None:
    """The ticket's tag as the subject shows it, with the team's prefix, in any case or
    width (an IME left on), as ``/merge`` by mail reads it: the browser lets it through
    and the server merges."""
    target = gw.mail_in("プリンタの紙詰まり", "3F のプリンタです。\n", "sato@customer.test")
    source = gw.mail_in("プリンタの紙詰まり（再送）", "3F のプリンタです。\n", "sato@customer.test")
    page = gw.member_page()
    page.goto(f"{gw.base}/tickets/{source}")
    page.fill("#merge-target", typed.format(id=target))
    page.click("#merge")
    page.wait_for_url(f"**/tickets/{target}", timeout=10_000)
    assert gw.ticket(source)["merged_into"] == target
    page.context.close()


def test_a_merge_box_that_names_no_ticket_says_why(gw: Gateway) -> None:
    source = gw.mail_in("VPN がつながらない", "在宅です。\n", "kato@customer.test")
    page = gw.member_page()
    page.goto(f"{gw.base}/tickets/{source}")
    page.fill("#merge-target", "[OTHER#3]")
    with page.expect_response(lambda r: r.request.method == "POST") as answered:
        page.click("#merge")
    assert answered.value.status == 400
    assert "チケット番号ではありません" in page.inner_text("#why")
    assert gw.ticket(source)["merged_into"] is None
    page.context.close()


def test_a_member_unmerges_from_the_page_of_a_merged_ticket(gw: Gateway) -> None:
    """The merged ticket's page offers to undo the merge (POST with the CSRF token, the
    service ``tickets unmerge`` uses): the ticket is back as it was, its mail on it again;
    a second press finds it undone and says so, as the command line does."""
    target = gw.mail_in("会議室の予約", "来週の会議室です。\n", "mori@customer.test")
    source = gw.mail_in("会議室の予約の件", "来週の会議室です。\n", "mori@customer.test")
    page = gw.member_page()
    page.goto(f"{gw.base}/tickets/{source}")
    page.fill("#merge-target", str(target))
    page.click("#merge")
    page.wait_for_url(f"**/tickets/{target}")
    assert gw.ticket(source)["merged_into"] == target
    page.goto(f"{gw.base}/tickets/{source}")
    assert page.get_attribute("form:has(#unmerge) input[name=csrf]", "value")
    page.click("#unmerge")
    page.wait_for_url(f"**/tickets/{source}")
    after = gw.ticket(source)
    assert (after["merged_into"], after["state"]) == (None, "new")  # as before the merge
    assert any(e["kind"] == "unmerged" and e["channel"] == "web" for e in after["events"])
    assert [m["subject"] for m in after["messages"] if m["direction"] == "in"] == [
        "会議室の予約の件"
    ]
    assert page.locator("#unmerge").count() == 0  # nothing to undo any more
    # pressed again (a second tab, a colleague): done already, said so, nothing undone twice
    again = page.context.request.post(
        f"{gw.base}/tickets/{source}/unmerge",
        form={"csrf": page.get_attribute("input[name=csrf]", "value") or ""},
        max_redirects=0,
    )
    assert again.status == 303
    page.goto(gw.base + again.headers["location"])
    assert page.inner_text("#already").startswith("統合はすでに取り消されています")
    assert [e["kind"] for e in gw.ticket(source)["events"]].count("unmerged") == 1
    page.context.close()


# The file field as a person sees it: the native control's opacity and width, our
# button's and line's words.
FILE_FIELD = """
(() => {
  const input = document.querySelector('#files');
  const style = getComputedStyle(input);
  const button = document.querySelector('.files label.button');
  return {
    opacity: style.opacity,
    width: input.getBoundingClientRect().width,
    button: getComputedStyle(button).display === 'none' ? null : button.innerText,
    line: document.querySelector('#files-chosen').innerText,
  };
})()
"""


def test_the_file_field_speaks_the_pages_language_not_the_browsers(
    gw: Gateway, tmp_path: Any
) -> None:
    """The browser draws a file field's button and "No file chosen" in its own language:
    a Japanese form in an English browser said "Choose Files". The page shows its own
    button and line instead, names the chosen files, and the files still go with the
    request; with scripts off the browser's own field is there, working."""
    first, second = tmp_path / "見積書.pdf", tmp_path / "photo.png"
    first.write_bytes(b"%PDF-1.4 quote")
    second.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    context = gw.browser.new_context(locale="ja-JP")
    page = context.new_page()
    page.goto(f"{gw.base}/new/purchase")
    seen = page.evaluate(FILE_FIELD)
    assert seen["opacity"] == "0" and seen["width"] <= 1, seen
    assert (seen["button"], seen["line"]) == ("ファイルを選択", "ファイルは選択されていません")
    with page.expect_file_chooser() as chooser:
        page.click(".files label.button")  # our button opens the browser's chooser
    chooser.value.set_files([str(first), str(second)])
    assert page.inner_text("#files-chosen") == "見積書.pdf、photo.png"
    ticket = gw.send_purchase(page, "見積書の件", "ノートPC", "1", "経費（OPEX）")
    names = sorted(a["filename"] for m in ticket["messages"] for a in m["attachments"])
    assert names == ["photo.png", "見積書.pdf"]
    context.close()
    english = gw.browser.new_context(locale="en-US").new_page()
    english.goto(f"{gw.base}/new/purchase")
    assert english.evaluate(FILE_FIELD)["button"] == "Choose files"
    assert english.inner_text("#files-chosen") == "No file chosen"
    english.context.close()
    plain = gw.browser.new_context(locale="ja-JP", java_script_enabled=False).new_page()
    plain.goto(f"{gw.base}/new/purchase")
    assert plain.locator(".files label.button").is_hidden()
    assert plain.locator("#files").bounding_box()["width"] > 1  # type: ignore[index]
    plain.context.close()


def test_a_file_whose_name_has_a_control_character_brings_the_form_back(
    gw: Gateway, tmp_path: Any
) -> None:
    """Linux allows any byte but "/" in a file name, and Chromium sends the name as it
    is (it escapes only CR, LF and the quote): aiohttp refuses that part's header. The
    page was a 500 with everything typed lost; it is the form, with what was typed and a
    word next to the attachments, and nothing is stored."""
    odd = tmp_path / "ログ\x01.txt"
    odd.write_bytes(b"log\n")
    context = gw.browser.new_context(locale="ja-JP")
    page = context.new_page()
    page.goto(f"{gw.base}/new/printer")
    page.fill("#email", "ito@customer.test")
    page.fill("#subject", "制御文字の名前のファイル")
    page.fill("#f_printer_name", "3F-MFP-01")
    page.fill("#text", "ログを添付します。")
    page.set_input_files("#files", files=[str(odd)])
    with page.expect_navigation() as went:
        page.click("button.primary")
    answer = went.value
    assert answer is not None and answer.status == 400
    assert page.input_value("#subject") == "制御文字の名前のファイル"
    assert page.input_value("#text") == "ログを添付します。"
    assert "ファイル名を変えて" in page.inner_text("#error-files")
    assert all(t["subject"] != "制御文字の名前のファイル" for t in gw.tickets())
    context.close()


def test_a_tickets_action_runs_are_listed_in_the_pages_language(gw: Gateway) -> None:
    """The account entry's example action refuses a user ID it cannot create (exit 65):
    the Japanese ticket page lists the run, failed, with why in Japanese, and the
    browser reports nothing (no CSP violation: the section is plain markup)."""
    tid = gw.mail_in("アカウントの作成", "ユーザーID: 山田 太郎\n", "yamada@customer.test")
    failed = eventually(
        lambda: [r for r in gw.ticket(tid)["action_runs"] if r["state"] == "failed"], timeout=60
    )
    assert failed, gw.ticket(tid)["action_runs"]
    page = gw.member_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    page.goto(f"{gw.base}/tickets/{tid}")
    cells = page.locator(f"#run-{failed[0]['id']} td").all_inner_texts()
    heading = page.inner_text("#action-runs h2")
    page.context.close()
    assert heading == "自動処理の実行"
    assert cells[1:4] == ["アカウント・パスワード (コマンド)", "失敗", "1"], cells
    assert cells[4].endswith("JST") and cells[5].endswith("JST"), cells
    assert cells[6] == "終了コード 65 で終わりました", cells
    assert console == []


# What spills past its box: the page past the window (outside the boxes that scroll
# sideways on purpose), a card's text past its card, the list's table past its box (on
# a desktop screen: on a phone the list is wider than the screen by design and scrolls).
SPILLS = """() => ({
  page: [...document.querySelectorAll('body *')].filter((e) => !e.closest('.scroll')
      && e.getBoundingClientRect().right > window.innerWidth + 1).map((e) => e.tagName),
  cards: [...document.querySelectorAll('.card')].filter((e) => e.scrollWidth > e.clientWidth + 1)
      .map((e) => e.id),
  list: [...document.querySelectorAll('table.list')].filter(
      (t) => t.getBoundingClientRect().width > t.parentElement.clientWidth + 1).length,
})"""


def test_a_subject_without_spaces_keeps_to_its_box_on_every_page(gw: Gateway) -> None:
    """A pasted URL or file path as the whole subject has nowhere to break: it ran out of
    its card over the next columns, pushed the list's state and assignee off a desktop
    screen and made the ticket page as wide as the subject. A 200-character Japanese
    subject beside it wraps as Japanese does."""
    url = "https://intranet.example.test/share/" + "a" * 170
    one = gw.mail_in(url, "本文です。\n", "bob@customer.test")
    two = gw.mail_in(("三階の複合機で印刷できない件について" * 12)[:200], "本文\n", "ito@c.test")
    page = gw.member_page()
    for width in (1400, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for path in ("/board", "/tickets", f"/tickets/{one}", f"/tickets/{two}"):
            page.goto(gw.base + path)
            spilt = page.evaluate(SPILLS)
            assert spilt == {"page": [], "cards": [], "list": spilt["list"]}, (width, path)
            assert width < 1000 or spilt["list"] == 0, path
    page.context.close()


def test_a_field_value_without_spaces_keeps_to_the_ticket_page_on_a_phone(gw: Gateway) -> None:
    """A pasted URL as a form field's value (the item to buy): the ticket's field table
    grew to the value's width and pushed the whole page past a phone's screen. It breaks
    inside its cell now, as the subject does."""
    url = "https://shop.example.test/item/" + "b" * 170
    form = gw.browser.new_context(locale="ja-JP").new_page()
    form.goto(f"{gw.base}/new/purchase")
    ticket = gw.send_purchase(form, "モニターを一台", url, "1", "経費（OPEX）")
    form.context.close()
    page = gw.member_page()
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"{gw.base}/tickets/{ticket['id']}")
    assert url in page.inner_text("#field-item")
    assert page.evaluate(SPILLS)["page"] == []
    page.context.close()


def test_a_note_typed_before_a_state_button_is_kept_with_the_change(gw: Gateway) -> None:
    """A member writes what they did in the note box, then presses "Close" (or "Wait
    for the requester"): the note box was a form of its own, so the close went without
    it and the words were gone, silently. Now every button of the ticket sends the note
    with it: the note is added, then the change made."""
    tid = gw.mail_in("VPNにつながらない", "自宅から接続できません。\n", "sato@customer.test")
    page = gw.member_page()
    page.goto(f"{gw.base}/tickets/{tid}")
    page.fill("#note", "証明書を更新して解決。")
    page.select_option("#reason", "resolved")
    page.click("#close")
    page.wait_for_url(f"**/tickets/{tid}")
    assert page.locator("#note").input_value() == ""
    page.context.close()
    ticket = gw.ticket(tid)
    assert ticket["state"] == "closed"
    kinds = [(e["kind"], (e["detail"] or {}).get("text")) for e in ticket["events"]]
    assert ("note", "証明書を更新して解決。") in kinds
    assert kinds.index(("note", "証明書を更新して解決。")) < max(
        i for i, (kind, _) in enumerate(kinds) if kind == "state"
    )


def test_a_close_with_a_note_after_the_csrf_cookie_was_lost_keeps_the_note(
    gw: Gateway,
) -> None:
    """The browser lost the CSRF cookie (the site's cookies cleared in part), the session
    lived on: Close with a note typed changes nothing and says so, the note is shown back,
    and the page's button does it again, the note included."""
    tid = gw.mail_in("複合機の紙詰まり", "3階の複合機が紙詰まりです。\n", "abe@customer.test")
    page = gw.member_page()
    page.goto(f"{gw.base}/tickets/{tid}")
    note = "トレイ2を確認しました。\n部品を交換します。"
    page.fill("#note", note)
    page.context.clear_cookies(name="tg_csrf")
    page.click("#close")
    page.wait_for_load_state()
    assert "何も変更していません" in page.inner_text("main")
    assert page.input_value("#kept-note") == note
    assert gw.ticket(tid)["state"] != "closed"
    page.click("#again-button")
    page.wait_for_url(f"**/tickets/{tid}")
    after = gw.ticket(tid)
    assert after["state"] == "closed"
    assert [e["detail"]["text"] for e in after["events"] if e["kind"] == "note"] == [note]
    page.context.close()


def test_a_merge_after_the_csrf_cookie_was_lost_comes_back_to_press_again(gw: Gateway) -> None:
    """The merge box pressed after the browser lost the CSRF cookie: nothing merged, the
    page says why in the page's language with the typed target in the box, and its
    button merges."""
    target = gw.mail_in("経費精算の締め", "今月の締め日です。\n", "ueda@customer.test")
    source = gw.mail_in("経費精算の締め（再送）", "今月の締め日です。\n", "ueda@customer.test")
    page = gw.member_page()
    page.goto(f"{gw.base}/tickets/{source}")
    page.fill("#merge-target", f"＃{target}")
    page.context.clear_cookies(name="tg_csrf")
    with page.expect_response(lambda r: r.request.method == "POST") as answered:
        page.click("#merge")
    assert answered.value.status == 403
    assert "何も変更していません" in page.inner_text("#expired")
    assert page.input_value("#merge-target") == f"＃{target}"
    assert gw.ticket(source)["merged_into"] is None
    page.click("#again-button")
    page.wait_for_url(f"**/tickets/{target}")
    assert gw.ticket(source)["merged_into"] == target
    page.context.close()


def test_an_unmerge_after_the_csrf_cookie_was_lost_comes_back_to_press_again(
    gw: Gateway,
) -> None:
    target = gw.mail_in("座席の移動", "来月から 5F です。\n", "noda@customer.test")
    source = gw.mail_in("座席の移動の件", "来月から 5F です。\n", "noda@customer.test")
    page = gw.member_page()
    page.goto(f"{gw.base}/tickets/{source}")
    page.fill("#merge-target", str(target))
    page.click("#merge")
    page.wait_for_url(f"**/tickets/{target}")
    page.goto(f"{gw.base}/tickets/{source}")
    page.context.clear_cookies(name="tg_csrf")
    with page.expect_response(lambda r: r.request.method == "POST") as answered:
        page.click("#unmerge")
    assert answered.value.status == 403
    assert "何も変更していません" in page.inner_text("#expired")
    assert gw.ticket(source)["merged_into"] == target
    page.click("#again-button")
    page.wait_for_url(f"**/tickets/{source}")
    assert gw.ticket(source)["merged_into"] is None
    page.context.close()
