"""A new ticket gets its entry, assignee, typed fields and events, on a real database."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from sqlalchemy import text

from gateway.catalog.load import parse_catalog
from gateway.catalog.model import Catalog
from gateway.pipeline.parse.message import parse_message
from gateway.runner.filing import (
    CategorizeResult,
    categorize_new_ticket,
    fill_fields_from_reply,
)
from gateway.runtime.app import App
from store import fields, tickets
from store.db import transaction
from store.models import Ticket
from tests.support.databases import postgres_only
from tests.support.mails import mail
from tests.support.pipeline import show

CATALOG = """
entries:
  - id: purchase
    name: {ja: 購入申請, en: Purchase requests}
    keywords: [{term: purchase, weight: 3}, {term: 購入, weight: 3}]
    assignee: [ops@example.test, boss@example.test]
    fields:
      - {name: item, label: {ja: 品名, en: Item}, required: true}
      - {name: quantity, label: {ja: 数量, en: Quantity}, type: number, required: true}
      - {name: needed_by, label: {ja: 希望納期, en: Needed by}, type: date}
  - id: vpn
    name: VPN
    keywords: [vpn]
    assignee: ops@example.test
  - id: other
    name: {ja: その他, en: Other}
    fallback: true
    manager: boss@example.test
"""


@pytest.fixture
def catalog(app: App) -> Catalog:
    return parse_catalog(CATALOG, app.settings.members)


def open_and_categorize(
    app: App, catalog: Catalog, subject: str, body: str
) -> tuple[int, CategorizeResult]:
    """A bare ticket row, then the function under test (the pipeline's own call of it,
    with the configured catalog, is tested end to end in test_catalog_pipeline.py)."""
    msg = parse_message(mail(subject=subject, body=body))
    now = app.clock.now()
    locale = "ja" if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", subject + body) else "en"
    with transaction(app.sessions) as s:
        ticket = Ticket(
            subject=subject,
            requester="alice@customer.test",
            state="new",
            locale=locale,
            created_at=now,
            updated_at=now,
        )
        s.add(ticket)
        s.flush()
        result = categorize_new_ticket(s, ticket, msg, catalog, app.settings, now)
        return ticket.id, result


def test_new_ticket_gets_entry_assignee_fields_and_events(app: App, catalog: Catalog) -> None:
    tid, result = open_and_categorize(
        app,
        catalog,
        "ノートPC購入のお願い",
        "品名：ThinkPad X1\n数量：２台\n希望納期：2026年4月1日\n",
    )
    data = show(app, tid)
    assert data["catalog"] == "purchase" and data["assignee"] == "ops@example.test"
    assert data["fields"] == {"item": "ThinkPad X1", "quantity": "2", "needed_by": "2026-04-01"}
    kinds = [e["kind"] for e in data["events"]]
    assert kinds.count("category") == 1 and kinds.count("assign") == 1
    assert kinds.count("field") == 3
    category = next(e for e in data["events"] if e["kind"] == "category")
    assert category["new"] == "purchase" and category["detail"]["fallback"] is False
    assert category["detail"]["matched"][0]["keyword"] == "購入"
    assert category["detail"]["score"] == 9.0
    assign = next(e for e in data["events"] if e["kind"] == "assign")
    assert assign["detail"]["rule"] == "round-robin"
    assert result.missing == []


def test_missing_required_fields_are_returned_and_a_reply_completes(
    app: App, catalog: Catalog
) -> None:
    tid, result = open_and_categorize(
        app, catalog, "購入申請", "モニターを購入したいです。\n品名：モニター\n"
    )
    assert result.missing == [("quantity", "数量")]
    assert result.locale == "ja"
    reply = parse_message(
        mail(
            subject="Re: 購入申請",
            body="数量：ふたつ\n\n2026年3月2日 サポート <support@example.test>:\n"
            "> 数量を教えてください。\n> 品名：プリンタ\n",
        )
    )
    with transaction(app.sessions) as s:
        ticket = tickets.get(s, tid)
        assert ticket is not None
        still = fill_fields_from_reply(s, ticket, reply, catalog, app.clock.now())
    assert still.stored == {} and still.rejected[0].field == "quantity"
    assert still.missing == [("quantity", "数量")]
    reply2 = parse_message(mail(subject="Re: 購入申請", body="数量：2\n品名：27インチモニター\n"))
    with transaction(app.sessions) as s:
        ticket = tickets.get(s, tid)
        assert ticket is not None
        done = fill_fields_from_reply(s, ticket, reply2, catalog, app.clock.now())
    assert done.missing == []
    assert done.stored == {"quantity": "2", "item": "27インチモニター"}
    data = show(app, tid)
    assert data["fields"] == {"item": "27インチモニター", "quantity": "2"}
    corrected = [e for e in data["events"] if e["kind"] == "field" and e["old"]]
    assert corrected and corrected[0]["old"] == "モニター"
    assert (corrected[0]["actor"], corrected[0]["channel"]) == ("alice@customer.test", "email")
    assert any(e["kind"] == "field-rejected" for e in data["events"])


def test_round_robin_spreads_over_the_list(app: App, catalog: Catalog) -> None:
    assignees = []
    for n in range(4):
        tid, _ = open_and_categorize(app, catalog, f"Purchase request {n}", "item: Mouse\n")
        assignees.append(show(app, tid)["assignee"])
    assert assignees == ["ops@example.test", "boss@example.test"] * 2


@postgres_only
def test_round_robin_from_two_instances_at_once_serves_each_in_turn(
    app: App, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two instances filing a ticket of one entry at the same instant each read whose
    turn it was before the other's ticket was committed: both gave it to the same
    member, twice in a row. The turn is now taken one instance at a time: the second
    reads it after the first's ticket is in (it waits for that, seen here as its
    waiting on a lock)."""
    read = fields.last_served
    turns: list[str] = []
    second_read = threading.Event()

    def look(session: Any, entry_id: str, candidates: Any) -> dict[str, int]:
        turns.append(entry_id)
        got = read(session, entry_id, candidates)
        if len(turns) == 1:  # the first waits until the second has read, or waits
            while not second_read.is_set() and not _someone_waits(app):
                second_read.wait(0.01)
        else:
            second_read.set()
        return got

    monkeypatch.setattr(fields, "last_served", look)
    got: list[int] = []
    threads = [
        threading.Thread(
            target=lambda n=n: got.append(
                open_and_categorize(app, catalog, f"Purchase request {n}", "item: Mouse\n")[0]
            )
        )
        for n in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(show(app, tid)["assignee"] for tid in got) == [
        "boss@example.test",
        "ops@example.test",
    ]


def _someone_waits(app: App) -> bool:
    """Is a session of this database waiting for an advisory lock?"""
    with transaction(app.sessions) as s:
        waiting = s.execute(
            text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        ).scalar()
    return bool(waiting)


def test_no_keyword_falls_back_to_the_manager(app: App, catalog: Catalog) -> None:
    tid, result = open_and_categorize(app, catalog, "Desk move", "Can my desk be moved?\n")
    data = show(app, tid)
    assert data["catalog"] == "other" and data["assignee"] == "boss@example.test"
    assert result.classification.fallback
    assert result.missing == [] and result.locale == "en"
    assign = next(e for e in data["events"] if e["kind"] == "assign")
    assert assign["detail"]["rule"] == "fallback-manager"
