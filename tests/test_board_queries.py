"""The board's page costs the same number of statements over an empty store, a few
tickets and 10 000 (of every state, entry, priority and assignee, a member gone from
the config too): counted, not timed, so a loop of one query per ticket, per lane or per
member shows at once. And its numbers are the same in Japanese and in English."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import event, insert

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from store.db import transaction
from store.models import Ticket
from store.ticket_rows import _TICKET_DEFAULTS
from tests.support.web import Rig, rig, sign_in

STATES = ("new", "open", "pending", "closed")
ENTRIES = ("vpn", "printer", "account", "other", "retired", None)
PEOPLE = ("ops@example.test", "ops2@example.test", "gone@example.test", None)


def _fill(r: Rig, n: int) -> None:
    now = r.clock.now()
    rows = []
    for i in range(n):
        state = STATES[i % 4]
        at = now - timedelta(hours=i % 2000)
        rows.append(
            {
                **_TICKET_DEFAULTS,
                "subject": f"request {i}",
                "requester": f"u{i % 50}@customer.test",
                "requester_name": "",
                "state": state,
                "locale": "ja" if i % 2 else "en",
                "catalog": ENTRIES[i % len(ENTRIES)],
                "assignee": PEOPLE[i % len(PEOPLE)],
                "priority": ("low", "normal", "high", "urgent")[i % 4],
                "created_at": at,
                "updated_at": at,
                "closed_at": now - timedelta(days=i % 10) if state == "closed" else None,
                "close_reason": "resolved" if state == "closed" else None,
            }
        )
    with transaction(r.app.sessions) as s:
        for chunk in range(0, n, 2000):
            s.execute(insert(Ticket), rows[chunk : chunk + 2000])


def _statements(r: Rig, extra: int) -> tuple[int, str]:
    """The statements one look at the board ran after ``extra`` more tickets (the
    minute turned: the view is built again), and the page."""
    _fill(r, extra)
    r.clock.advance(timedelta(minutes=1))
    ran: list[str] = []

    def count(*args: Any) -> None:
        ran.append(args[2])

    async def scenario(client: TestClient[Any, Any]) -> str:
        await sign_in(client, r, "ops@example.test")
        event.listen(r.app.engine, "before_cursor_execute", count)
        try:
            return await (await client.get("/board")).text()
        finally:
            event.remove(r.app.engine, "before_cursor_execute", count)

    page = r.serve(scenario)
    return len(ran), page


def test_the_board_reads_as_many_statements_for_10000_tickets_as_for_none(
    settings: Settings, clock: FakeClock
) -> None:
    with rig(settings, clock) as r:
        empty, page = _statements(r, 0)
        assert 'id="lane-vpn"' in page and "Nobody has an open ticket." in page
        few, page = _statements(r, 24)
        assert re.search(r'<a class="count" href="[^"]+">\d+</a>', page)
        many, page = _statements(r, 10_000)
        in_japanese = r.serve(lambda c: _board(c, r, "ops2@example.test"))
    assert 'id="lane-retired"' in page and 'id="lane-none"' in page
    assert few == many, (empty, few, many)
    assert empty <= few, (empty, few)
    # the same numbers, linked to the same lists, in either language
    assert "担当者" in in_japanese or "メンバー" in in_japanese
    assert NUMBERS.findall(in_japanese) == NUMBERS.findall(page)
    assert len(NUMBERS.findall(page)) > 40


# a number on the board: a cell's count, a panel's figure, linked or not
NUMBERS = re.compile(
    r'<(?:a class="(?:count|more)"|td class="n[^"]*")[^>]*>(?:<a href="([^"]+)">)?(\d+)<'
)


async def _board(client: TestClient[Any, Any], r: Rig, member: str) -> str:
    await sign_in(client, r, member)
    return await (await client.get("/board")).text()
