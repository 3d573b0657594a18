"""A ticket's history as its reader reads it: states, priorities, the catalog entry
and field names in the page's language, times in the team's zone. The events keep
the values (``open``, ``urgent``, ``printer``); the page says what they mean, so a
Japanese page does not read "new → pending" or "normal → urgent"."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.model import CloseReason, TicketState
from gateway.core.priority import Priority
from gateway.tickets import changes
from gateway.tickets.priority import set_priority
from store import tickets
from store.db import transaction
from tests.support.mails import mail
from tests.support.pipeline import deliver, show
from tests.support.web import Rig, member_page, rig

READERS = {"ja": "ops2@example.test", "en": "ops@example.test"}
WHO = {"actor": "ops@example.test", "channel": "web"}


def _history(html: str) -> list[str]:
    """The history's rows, one text per row (its cells joined by " | ")."""
    table = html.split('<table class="events"')[1].split("</table>")[0]
    body = table.split("<tbody>")[1]  # the heading row aside
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)
    return [
        " | ".join(re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r))
        for r in rows
    ]


def _work(r: Rig, tid: int) -> None:
    now = r.clock.now()
    with transaction(r.app.sessions) as s:
        t = tickets.get(s, tid)
        assert t is not None
        changes.change_state(s, t, TicketState.PENDING, now, **WHO)
        set_priority(s, t, Priority.URGENT, now, **WHO, source="priority")
        changes.set_category(s, t, "network", now, **WHO)
        changes.set_field(s, t, "printer_name", "3F-MFP-01", now, **WHO)
        changes.set_due(s, t, datetime(2026, 3, 5, 14, 59, tzinfo=UTC), now, **WHO)
        changes.change_state(s, t, TicketState.CLOSED, now, **WHO, reason=CloseReason.SPAM)


def test_the_history_says_states_priorities_entries_and_fields_in_words(
    settings: Settings, clock: FakeClock
) -> None:
    with rig(settings, clock) as r:
        tid = deliver(r.app, mail(subject="プリンタで紙詰まり", body="3F です。\n")).ticket_id
        assert tid
        _work(r, tid)
        pages = {
            loc: _history(member_page(r, who, f"/tickets/{tid}")) for loc, who in READERS.items()
        }
    ja, en = "\n".join(pages["ja"]), "\n".join(pages["en"])
    for word in ("new", "pending", "closed", "normal", "urgent", "printer", "network", "spam"):
        assert not re.search(rf"\b{word}\b", ja), (word, ja)
    assert "受付 → 返信待ち" in ja, ja  # the member's word (README: "Japanese wording")
    assert "通常 → 緊急" in ja, ja
    assert "プリンタ・複合機 → ネットワーク・Wi-Fi" in ja, ja
    assert "プリンタ名: 3F-MFP-01" in ja, ja
    assert "2026年3月5日(木) 23:59 JST" in ja, ja  # the due date, with its weekday
    assert "New → Waiting for reply" in en and "normal → urgent" in en, en
    assert "Printers and copiers → Network and Wi-Fi" in en, en
    assert "Printer name: 3F-MFP-01" in en, en
    assert "Closed (Spam)" in en, en


# every kind of event the gateway records beside the changes themselves
RECORDED = (
    "security",
    "answer",
    "thanks",
    "relay-limited",
    "participants-limited",
    "outsider",
    "no-ops-notice",
    "delivery-failed",
    "command-refused",
    "chat-failed",
    "action",
    "action-queued",
    "action-held",
    "action-awaiting-approval",
    "action-approved",
    "action-retry",
    "action-state-refused",
    "action-reply-failed",
    "action-reply-withheld",
)


def test_every_recorded_event_has_a_name_of_its_own(settings: Settings, clock: FakeClock) -> None:
    """A forged command or an undeliverable mail is not "Other event": a member must
    see what happened without reading the code."""
    with rig(settings, clock) as r:
        tid = deliver(r.app, mail(subject="Printer jam on 3F")).ticket_id
        with transaction(r.app.sessions) as s:
            t = tickets.get(s, tid or 0)
            assert t is not None
            for kind in RECORDED:
                changes.record(s, t, kind, r.clock.now(), **WHO, detail={})
        pages = {loc: member_page(r, who, f"/tickets/{tid}") for loc, who in READERS.items()}
    for html in pages.values():
        rows = _history(html)
        assert len(rows) >= len(RECORDED)
        assert not [row for row in rows if "Other event" in row or "その他の記録" in row], rows


def test_assign_to_me_on_my_own_ticket_changes_nothing(
    settings: Settings, clock: FakeClock
) -> None:
    """As the Slack button says "already yours": no "me → me" line in the history,
    and no button offering it."""
    with rig(settings, clock) as r:
        tid = deliver(r.app, mail(subject="VPN broken", body="vpn down\n")).ticket_id
        with transaction(r.app.sessions) as s:
            t = tickets.get(s, tid or 0)
            assert t is not None and t.assignee == "ops@example.test"  # the catalog's
        page = member_page(r, "ops@example.test", f"/tickets/{tid}")
        other = member_page(r, "ops2@example.test", f"/tickets/{tid}")

        async def twice(client: Any) -> None:
            from tests.support.web import csrf_of, sign_in

            await sign_in(client, r, "ops@example.test")
            csrf = await csrf_of(client, f"/tickets/{tid}")
            for _ in range(2):
                await client.post(f"/tickets/{tid}", data={"action": "assign_me", "csrf": csrf})

        r.serve(twice)
        detail = show(r.app, tid or 0)
    assert 'id="assign-me"' not in page and 'id="assign-me"' in other
    assert [e["new"] for e in detail["events"] if e["kind"] == "assign"] == ["ops@example.test"]


def test_the_values_of_recorded_events_are_words_too(settings: Settings, clock: FakeClock) -> None:
    """An action's outcome, the entry it belongs to, the state it wanted and who a mail
    could not reach: not "succeeded", "purchase" or "acknowledgement" on a Japanese page."""
    recorded = (
        ("action", "succeeded", {}),
        ("action", "failed", {}),
        ("action-queued", "purchase", {}),
        ("action-awaiting-approval", "purchase", {}),
        ("action-state-refused", "open", {}),
        ("delivery-failed", "acknowledgement", {"recipients": ["gone@customer.test"]}),
    )
    with rig(settings, clock) as r:
        tid = deliver(r.app, mail(subject="Printer jam on 3F")).ticket_id
        with transaction(r.app.sessions) as s:
            t = tickets.get(s, tid or 0)
            assert t is not None
            for kind, new, detail in recorded:
                changes.record(s, t, kind, r.clock.now(), **WHO, new=new, detail=detail)
        ja = "\n".join(_history(member_page(r, READERS["ja"], f"/tickets/{tid}")))
        en = "\n".join(_history(member_page(r, READERS["en"], f"/tickets/{tid}")))
    for word in ("succeeded", "failed", "purchase", "acknowledgement", "open"):
        assert not re.search(rf"\b{word}\b", ja), (word, ja)
    assert "購入申請" in ja and "対応中" in ja and "gone@customer.test" in ja, ja
    assert "Succeeded" in en and "Failed" in en and "Purchase requests" in en, en


def test_a_refused_field_value_shows_why_in_the_pages_language(
    settings: Settings, clock: FakeClock
) -> None:
    """The page showed the refused value alone (数量: たくさん); the reason is kept on
    the event and said in the reader's language, as ``tickets show`` says it."""
    body = "品名：ノートPC\n数量：たくさん\n"
    with rig(settings, clock) as r:
        tid = deliver(r.app, mail(subject="購入申請", body=body)).ticket_id
        assert tid
        pages = {
            loc: _history(member_page(r, who, f"/tickets/{tid}")) for loc, who in READERS.items()
        }
    ja, en = "\n".join(pages["ja"]), "\n".join(pages["en"])
    assert (
        "数量: たくさん（数値として読めません。3、3台、三台のように数を一つ書いてください）" in ja
    ), ja
    assert "Quantity: たくさん (not a number: write one number, such as 3)" in en, en


def test_the_opening_event_is_named_as_an_event_not_as_a_date(
    settings: Settings, clock: FakeClock
) -> None:
    """The first row read 「受付日時 | 受付」 (the page's 'received at' heading, shared
    msgid): an event is 「チケットの受付」."""
    with rig(settings, clock) as r:
        tid = deliver(r.app, mail(subject="プリンタで紙詰まり", body="3F です。\n")).ticket_id
        assert tid
        ja = _history(member_page(r, READERS["ja"], f"/tickets/{tid}"))
        en = _history(member_page(r, READERS["en"], f"/tickets/{tid}"))
    assert ja[0].split(" | ")[1] == "チケットの受付", ja
    assert en[0].split(" | ")[1] == "Opened", en


def _sheet(html: str) -> list[str]:
    """The sheet's rows on the ticket page, "label: value" each."""
    table = html.split('<table class="fields"')[1].split("</table>")[0]
    rows = re.findall(r"<tr><th>(.*?)</th><td[^>]*>(.*?)</td></tr>", table, re.DOTALL)
    return [f"{k}: {re.sub(r'<[^>]+>', '', v)}" for k, v in rows]


def test_the_sheet_keeps_values_the_changed_sheet_no_longer_has(
    settings: Settings, clock: FakeClock
) -> None:
    """The team changed the VPN sheet after the ticket was filled: a field renamed (its
    old name's value stays, and the page hid it while ``tickets show`` listed it) and a
    choice dropped (the page showed the old value as filled, though the action counts
    it missing). The page shows both, and says why the value is not valid now."""
    with rig(settings, clock) as r:
        tid = deliver(r.app, mail(subject="VPN がつながらない", body="OS: windows\n")).ticket_id
        assert tid
        with transaction(r.app.sessions) as s:
            t = tickets.get(s, tid)
            assert t is not None
            changes.set_field(s, t, "client_ver", "5.1", r.clock.now(), **WHO)  # renamed
            changes.set_field(s, t, "os", "windows-xp", r.clock.now(), **WHO)  # dropped
        ja = _sheet(member_page(r, READERS["ja"], f"/tickets/{tid}"))
        en = _sheet(member_page(r, READERS["en"], f"/tickets/{tid}"))
    assert "client_ver: 5.1" in en and "client_ver: 5.1" in ja
    [os_en] = [row for row in en if row.startswith("Operating system:")]
    assert os_en.startswith("Operating system: windows-xp (not valid now: not one of windows")
    [os_ja] = [row for row in ja if row.startswith("OS:")]
    assert "windows-xp" in os_ja and "今のシートでは使えない値" in os_ja


def test_an_optional_field_without_a_value_is_not_called_missing(
    settings: Settings, clock: FakeClock
) -> None:
    """An optional field nobody filled is no fault: the page showed it with the same
    "missing" badge as a required one. As ``tickets show`` does, it reads "-" and
    nothing more; a required field without a value keeps its badge, in either language."""
    with rig(settings, clock) as r:
        tid = deliver(
            r.app, mail(subject="VPN がつながらない", body="接続できません。\n")
        ).ticket_id
        assert tid
        pages = {lang: member_page(r, who, f"/tickets/{tid}") for lang, who in READERS.items()}
    for lang, required, optional in (
        ("en", "Operating system", "Client version"),
        ("ja", "OS", "クライアントのバージョン"),
    ):
        sheet = _sheet(pages[lang])
        assert f"{optional}: -" in sheet, sheet
        [row] = [row for row in sheet if row.startswith(f"{required}:")]
        assert row == f"{required}: {'未入力' if lang == 'ja' else 'missing'}"
        cell = pages[lang].split('id="field-client_version">')[1].split("</td>")[0]
        assert "badge" not in cell


def test_a_cleared_field_is_said_cleared_not_changed_to_nothing(
    settings: Settings, clock: FakeClock
) -> None:
    """The page read "Plan: pro → "; it says what the mail notice and the CLI say."""
    with rig(settings, clock) as r:
        tid = deliver(r.app, mail(subject="プリンタで紙詰まり", body="3F です。\n")).ticket_id
        assert tid
        with transaction(r.app.sessions) as s:
            t = tickets.get(s, tid)
            assert t is not None
            changes.set_field(s, t, "printer_name", "3F-MFP-01", r.clock.now(), **WHO)
            changes.clear_field(s, t, "printer_name", r.clock.now(), **WHO)
        pages = {
            loc: _history(member_page(r, who, f"/tickets/{tid}")) for loc, who in READERS.items()
        }
    ja, en = pages["ja"][-1], pages["en"][-1]
    assert "プリンタ名の値を消しました（以前の値: 3F-MFP-01）" in ja and "→" not in ja, ja
    assert "cleared Printer name (it was 3F-MFP-01)" in en and "→" not in en, en


def test_a_cleared_field_is_labelled_cleared_not_set(settings: Settings, clock: FakeClock) -> None:
    """The row of a value taken away said "Field set" (項目の入力) beside "cleared
    Printer name (it was 3F-MFP-01)": a kind that contradicted its own words."""
    from gateway.tickets.sheet_values import clear_field

    with rig(settings, clock) as r:
        tid = deliver(r.app, mail(subject="プリンタで紙詰まり", body="3F です。\n")).ticket_id
        assert tid
        now = r.clock.now()
        with transaction(r.app.sessions) as s:
            t = tickets.get(s, tid)
            assert t is not None
            changes.set_field(s, t, "printer_name", "3F-MFP-01", now, **WHO)
            assert clear_field(s, t, "printer_name", now, **WHO)
        pages = {
            loc: _history(member_page(r, who, f"/tickets/{tid}")) for loc, who in READERS.items()
        }
    [ja_set, ja_cleared] = [row for row in pages["ja"] if "プリンタ名" in row]
    [en_set, en_cleared] = [row for row in pages["en"] if "Printer name" in row]
    assert "| 項目の入力 |" in ja_set and "| Field set |" in en_set
    assert "| 項目の消去 |" in ja_cleared and "項目の入力" not in ja_cleared, ja_cleared
    assert "| Field cleared |" in en_cleared and "Field set" not in en_cleared, en_cleared
    assert "cleared Printer name (it was 3F-MFP-01)" in en_cleared


def test_an_unassignment_is_said_in_words_not_an_arrow_to_nothing(
    settings: Settings, clock: FakeClock
) -> None:
    """The row read "ops2@example.test → " when the ticket went to nobody; it says so,
    as the weekly summary calls such tickets."""
    with rig(settings, clock) as r:
        tid = deliver(r.app, mail(subject="プリンタで紙詰まり", body="3F です。\n")).ticket_id
        assert tid
        with transaction(r.app.sessions) as s:
            t = tickets.get(s, tid)
            assert t is not None
            changes.assign(s, t, "ops2@example.test", r.clock.now(), **WHO)
            changes.assign(s, t, None, r.clock.now(), **WHO)
        pages = {
            loc: _history(member_page(r, who, f"/tickets/{tid}")) for loc, who in READERS.items()
        }
    ja, en = pages["ja"][-1], pages["en"][-1]
    assert "| Ops Two → 担当者なし |" in ja, ja  # the member by name, as the header
    assert "| Ops Two → unassigned |" in en, en
