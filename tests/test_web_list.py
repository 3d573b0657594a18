"""The ticket list as a member reads it: each row's catalog entry by its name in the
page's language (the entry's id, ``printer`` or ``other``, is the catalog's key,
not a word for a Japanese page)."""

from __future__ import annotations

import re
from urllib.parse import quote

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.web import member_page, rig

READERS = {"ja": "ops2@example.test", "en": "ops@example.test"}


def _rows(html: str) -> list[str]:
    return re.findall(r"<tr><td>.*?</tr>", html.split("<tbody>")[1], re.DOTALL)


def test_each_row_names_its_entry_in_the_readers_language(
    settings: Settings, clock: FakeClock
) -> None:
    with rig(settings, clock) as r:
        deliver(r.app, mail(subject="プリンタで紙詰まり", body="3F の複合機です。\n"))
        deliver(r.app, mail(subject="会議室の予約", body="来週の件です。\n"))
        pages = {loc: member_page(r, who, "/tickets") for loc, who in READERS.items()}
    ja, en = _rows(pages["ja"]), _rows(pages["en"])
    assert any("<td>プリンタ・複合機</td>" in row for row in ja), ja
    assert any("<td>その他</td>" in row for row in ja), ja
    assert any("<td>Printers and copiers</td>" in row for row in en), en
    assert any("<td>Other</td>" in row for row in en), en
    assert not any(">printer<" in row or ">other<" in row for row in ja + en)


def test_the_count_reads_right_and_an_empty_list_says_so(
    settings: Settings, clock: FakeClock
) -> None:
    with rig(settings, clock) as r:
        deliver(r.app, mail(subject="Printer jam on 3F", body="Tray 2.\n"))
        one = member_page(r, READERS["en"], "/tickets")
        none_en = member_page(r, READERS["en"], "/tickets?q=zzzz")
        none_ja = member_page(r, READERS["ja"], "/tickets?q=zzzz")
        one_ja = member_page(r, READERS["ja"], "/tickets")
    assert "1 ticket<" in one and "1 tickets" not in one
    assert "1 件" in one_ja
    assert "No tickets match." in none_en and "<tbody>" not in none_en
    assert "該当するチケットはありません。" in none_ja and "<tbody>" not in none_ja


def test_the_assignee_is_named_as_the_board_and_the_filter_name_them(
    settings: Settings, clock: FakeClock
) -> None:
    """The board's cards and the list's assignee filter say 田中 一郎; the list's column
    and the ticket page said tanaka@… (and a sender without a name read ' <x@y>')."""
    with rig(settings, clock) as r:
        out = deliver(
            r.app,
            mail(subject="プリンタで紙詰まり", body="3F です。\n", sender="ito@customer.test"),
        )
        listed = member_page(r, READERS["ja"], "/tickets")
        ticket = member_page(r, READERS["ja"], f"/tickets/{out.ticket_id}")
    [row] = _rows(listed)
    assert "<td>Ops Two</td>" in row and "ops2@example.test" not in row, row
    assert '<dd id="assignee">Ops Two</dd>' in ticket
    assert "<dd>ito@customer.test</dd>" in ticket and "&lt;ito@customer.test&gt;" not in ticket
    # the mail's header: the bare address, then the subject's heading
    assert re.search(r" · ito@customer\.test\s*<h3", ticket), ticket


def test_the_assignee_filter_finds_the_tickets_nobody_has(
    settings: Settings, clock: FakeClock
) -> None:
    """The CLI's ``--assignee -`` on the page: an option of the assignee filter lists the
    tickets nobody has yet (triage's first question), and stays chosen on the page."""
    from sqlalchemy import update

    from store.db import transaction
    from store.models import Ticket

    with rig(settings, clock) as r:
        taken = deliver(r.app, mail(subject="Printer jam on 3F", body="Tray 2.\n"))
        free = deliver(r.app, mail(subject="会議室の予約", body="来週の件です。\n"))
        with transaction(r.app.sessions) as s:
            s.execute(update(Ticket).where(Ticket.id == free.ticket_id).values(assignee=None))
        nobody = member_page(r, READERS["ja"], "/tickets?assignee=-")
        anyone = member_page(r, READERS["ja"], "/tickets?assignee=")
    rows = _rows(nobody)
    assert len(rows) == 1 and f'href="/tickets/{free.ticket_id}"' in rows[0], rows
    assert '<option value="-" selected>担当者なし</option>' in nobody
    assert len(_rows(anyone)) == 2 and taken.ticket_id is not None


def test_a_page_past_the_last_shows_the_last(settings: Settings, clock: FakeClock) -> None:
    """An old link (the list has shrunk since) read "No tickets match." over a list that
    has tickets; it now leads to the last page, its filters kept."""
    with rig(settings, clock) as r:
        deliver(r.app, mail(subject="Printer jam on 3F", body="Tray 2.\n"))
        past = member_page(r, READERS["en"], "/tickets?q=printer&page=5")
    assert "No tickets match." not in past
    assert len(_rows(past)) == 1 and "Printer jam on 3F" in past
    assert 'value="printer"' in past  # the search is still the one asked for


def test_a_former_members_tickets_stay_filtered_by_them(
    settings: Settings, clock: FakeClock
) -> None:
    """The list of a member who left the team's tickets (``?assignee=ADDRESS``, as one
    hands them on: ``tickets list --assignee ADDRESS``). The list found them, but its
    assignee box showed "any": its Show button, pressed for a search, dropped the
    filter. The address is now chosen in the box, said to be no member any more. (The
    board counts those tickets as nobody's: store.holders.)"""
    from sqlalchemy import update

    from store.db import transaction
    from store.models import Ticket

    with rig(settings, clock) as r:
        left = deliver(r.app, mail(subject="会議室の予約", body="来週の件です。\n"))
        deliver(r.app, mail(subject="Printer jam on 3F", body="Tray 2.\n"))
        with transaction(r.app.sessions) as s:
            former = update(Ticket).where(Ticket.id == left.ticket_id)
            s.execute(former.values(assignee="gone@example.test"))
        link = "/tickets?assignee=gone%40example.test&state=active"
        pages = {loc: member_page(r, who, link) for loc, who in READERS.items()}
    for loc, words in (("en", "(not in the team)"), ("ja", "（チームにいません）")):
        box = re.search(r'<select name="assignee">(.*?)</select>', pages[loc], re.DOTALL)
        assert box, loc
        chosen = re.findall(r'<option value="([^"]*)" selected>([^<]*)</option>', box.group(1))
        assert chosen == [("gone@example.test", f"gone@example.test {words}")], loc
        assert len(_rows(pages[loc])) == 1


def test_the_page_links_of_an_unfiltered_list_are_plain(
    settings: Settings, clock: FakeClock
) -> None:
    """The list with no filter linked its next page as ``/tickets?&page=2``; now
    ``/tickets?page=2`` (and a filtered list keeps its filters before the page)."""
    from gateway.web.ticket_list import PAGE_SIZE

    with rig(settings, clock) as r:
        for n in range(PAGE_SIZE + 1):
            deliver(r.app, mail(subject=f"会議室の予約 {n}", body="来週の件です。\n"))
        plain = member_page(r, READERS["ja"], "/tickets")
        second = member_page(r, READERS["ja"], "/tickets?page=2")
        searched = member_page(r, READERS["ja"], "/tickets?q=%E4%BC%9A%E8%AD%B0%E5%AE%A4")
    assert 'href="/tickets?page=2" rel="next"' in plain
    assert 'href="/tickets?page=1" rel="prev"' in second
    assert 'href="/tickets?q=%E4%BC%9A%E8%AD%B0%E5%AE%A4&amp;page=2" rel="next"' in searched


def test_the_requester_filter_takes_an_address_as_people_paste_or_type_it(
    settings: Settings, clock: FakeClock
) -> None:
    """Pasted from a mail client with its name, typed with the input method on (full
    width), or with a zero-width space from a chat, the requester's address found no
    ticket; and the box, a browser's e-mail input, stopped the form with the browser's
    own bubble in its own language (the form is ``novalidate`` now, as the request
    form is: the server reads it)."""
    typed = [
        "伊藤 花子 <Ito@Customer.test>",
        "伊藤 花子 ＜ito@customer.test＞",
        "ｉｔｏ＠ｃｕｓｔｏｍｅｒ．ｔｅｓｔ",
        "\u200bito@customer.test",
    ]
    with rig(settings, clock) as r:
        tid = deliver(r.app, mail(subject="VPN", sender="伊藤 花子 <ito@customer.test>")).ticket_id
        deliver(r.app, mail(subject="Printer"))
        pages = [member_page(r, READERS["en"], f"/tickets?requester={quote(t)}") for t in typed]
    for t, page in zip(typed, pages, strict=True):
        rows = _rows(page)
        assert len(rows) == 1 and f'href="/tickets/{tid}"' in rows[0], t
    assert re.search(r'<form method="get" action="/tickets" class="filters" novalidate>', pages[0])
