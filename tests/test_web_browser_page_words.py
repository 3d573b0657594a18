"""What the pages say, in a real Chromium against a real daemon: "add note" pressed with
nothing typed says so (it reloaded the page with no word); the history names members as
the header does (it showed their addresses); a fresh ticket's card is minutes old, not
"0 時間"; the list says why a ticket was closed, and its search finds a ticket by its
requester and its files' names.

Skipped, with the reason, where Playwright or /usr/bin/chromium is missing.
"""

from __future__ import annotations

import re
import smtplib
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest

from gateway.tickets import changes
from store import tickets
from tests.support.browser import needs_browser
from tests.support.browser_gateway import Gateway, running_gateway
from tests.support.waiting import eventually

pytestmark = needs_browser


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    with running_gateway(tmp_path_factory.mktemp("words")) as gateway:
        yield gateway


@pytest.mark.parametrize("typed", ["", " \n\u3000 "])  # nothing, or only blanks
def test_an_empty_note_is_answered_with_a_message(gw: Gateway, typed: str) -> None:
    """The member's page (ja) says why nothing was added, next to the note box, which
    gets the focus to type in; no note is recorded. The box stays optional: the state
    buttons share its form and are pressed without a note."""
    tid = gw.mail_in("プリンタの紙詰まり", "3F のプリンタです。\n", "sato@customer.test")
    page = gw.member_page()
    page.goto(f"{gw.base}/tickets/{tid}")
    assert page.get_attribute("#note", "required") is None
    page.fill("#note", typed)
    page.click("#add-note")
    page.wait_for_selector("#note-error")
    assert "メモ欄が空のため、メモは追加されていません" in page.inner_text("#note-error")
    assert page.evaluate("document.activeElement.id") == "note"
    assert page.get_attribute("#note", "aria-invalid") == "true"
    assert "note-error" in (page.get_attribute("#note", "aria-describedby") or "")
    assert [e for e in gw.ticket(tid)["events"] if e["kind"] == "note"] == []
    page.fill("#note", "トナーも確認します")  # then a note typed: added, no message
    page.click("#add-note")
    page.wait_for_load_state()
    assert page.locator("#note-error").count() == 0
    notes = [e["detail"]["text"] for e in gw.ticket(tid)["events"] if e["kind"] == "note"]
    assert notes == ["トナーも確認します"]
    page.context.close()


LEFT = "gone@example.test"  # assigned before they left: [[members]] no longer lists them


def _history(page: Any, kind: str) -> list[tuple[str, str]]:
    """The history's rows of events labelled ``kind``: (details, by)."""
    rows = page.locator("#history tbody tr").all()
    cells = [r.locator("td").all_inner_texts() for r in rows]
    return [(c[2], c[3]) for c in cells if c[1] == kind]


def test_the_history_names_members_as_the_header_does(gw: Gateway) -> None:
    """Assignments by the member's name, as the header's assignee, the board and the list
    say it; who did it too; an assignee who left the team by their address, marked."""
    tid = gw.mail_in("VPN がつながらない", "在宅から VPN に入れません。\n", "kato@customer.test")
    page = gw.member_page()
    page.goto(f"{gw.base}/tickets/{tid}")
    page.select_option("#assign-to", "boss@example.test")
    page.click("#assign")
    page.wait_for_load_state()
    engine, unit = gw.session()
    try:
        with unit as s:  # handed to someone who has left since
            ticket = tickets.get_to_change(s, tid)
            assert ticket is not None
            when = ticket.updated_at
            changes.assign(s, ticket, LEFT, when, actor="ops2@example.test", channel="web")
    finally:
        engine.dispose()
    page.reload()
    assert page.inner_text("#assignee") == f"{LEFT} （チームにいません）"
    first, *_ = _history(page, "担当者の変更")  # the catalog's assignee, by the gateway
    assert first == ("Ops One", "ゲートウェイ (システム)")  # in the page's words
    assert _history(page, "担当者の変更")[-2:] == [
        ("Ops One → Boss", "Ops Two (ウェブ)"),
        (f"Boss → {LEFT} （チームにいません）", "Ops Two (ウェブ)"),
    ]
    page.context.close()


def test_a_fresh_tickets_card_says_minutes_not_zero_hours(gw: Gateway) -> None:
    """Under an hour the card's age is in minutes (under one: 「1 分未満」), as the board's
    other durations (gateway.core.spans) say it."""
    tid = gw.mail_in("会議室のプロジェクター", "映りません。\n", "mori@customer.test")
    page = gw.member_page()
    page.goto(f"{gw.base}/board")
    meta = page.inner_text(f"#card-{tid} .meta")
    assert re.match(r"(1 分未満|[1-5]?[0-9] 分) · ", meta), meta
    assert "時間" not in meta
    page.context.close()


def _state_cell(page: Any, tid: int) -> str:
    """The list's state column on the row of ticket ``tid``."""
    row = page.locator(f"table.list tbody tr:has(a[href='/tickets/{tid}'])")
    return str(row.locator("td").nth(2).inner_text())


@pytest.mark.parametrize("reason", ["spam", "duplicate", "no-response", "resolved"])
def test_the_list_says_why_a_ticket_was_closed(gw: Gateway, reason: str) -> None:
    """The state column says the close reason as the ticket page's state does: a spam
    close read "完了" like a resolved one."""
    tid = gw.mail_in(f"件名 {reason}", "本文です。\n", "ueda@customer.test")
    page = gw.member_page()
    page.goto(f"{gw.base}/tickets/{tid}")
    page.select_option("#reason", reason)
    page.click("#close")
    page.wait_for_load_state()
    shown = page.inner_text("#state")
    assert shown.startswith("完了 (") and shown.endswith(")"), shown
    page.goto(f"{gw.base}/tickets?state=closed")
    assert _state_cell(page, tid) == shown
    page.goto(f"{gw.base}/tickets/{tid}")  # reopened: no reason any more, in either place
    page.click("#open")
    page.wait_for_load_state()
    page.goto(f"{gw.base}/tickets?state=active")
    assert "(" not in _state_cell(page, tid)
    page.context.close()


def _mail_with_file(gw: Gateway, sender: str, subject: str, filename: str) -> int:
    """A request with a PDF attached, sent over SMTP; its ticket's id once filed."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, "support@example.test", subject
    msg.set_content("添付の書類をご確認ください。\n")
    msg.add_attachment(b"%PDF-1.4\n", maintype="application", subtype="pdf", filename=filename)
    before = {t["id"] for t in gw.tickets()}
    with smtplib.SMTP("127.0.0.1", gw.smtp_port) as client:
        client.send_message(msg, "kenji@customer.test", ["support@example.test"])
    new = eventually(lambda: {t["id"] for t in gw.tickets()} - before, timeout=30)
    return max(new)


@pytest.mark.parametrize(
    "typed", ["kenji@customer.test", "株式会社山田", "㈱山田", "見積書_山田", "見積書 pdf"]
)
def test_the_list_finds_a_ticket_by_its_requester_and_its_files(gw: Gateway, typed: str) -> None:
    """By the requester's address or the name in their From, and by a file's name, as
    the list and the ticket page show them; not only by subject and text."""
    tid = _mail_with_file(
        gw, "株式会社山田 <kenji@customer.test>", "ご依頼の件", "見積書_山田商店.pdf"
    )
    page = gw.member_page()
    page.goto(f"{gw.base}/tickets")
    page.fill("#q", typed)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    hits = page.locator("table.list tbody tr td:first-child a").all_inner_texts()
    assert str(tid) in hits, (typed, hits)
    page.context.close()
