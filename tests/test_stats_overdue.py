"""Where the SLA breaches pile up: the open tickets past a deadline (and due soon) per
member and per entry, in ``stats``, the board's panels and the managers' summary —
counted by the rule that puts the badge on a card and the mark in a digest
(``rules.sla_state``), over the open tickets only."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from sqlalchemy import event

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.notify import views
from gateway.runtime.app import App
from gateway.scheduling import digest, scheduler, workload
from store.db import transaction
from tests.support.pipeline import outbox, text_of
from tests.support.scheduling import open_ticket, set_state
from tests.support.web import Rig, member_page, rig

HOUR = timedelta(hours=1)


def _seed(app: App, clock: FakeClock) -> dict[str, int]:
    """Under the example catalog (vpn: ops, printer: ops2, both a 4 h first response,
    due soon in its last hour): two breached, one due soon, one breached but closed."""
    ids = {
        "vpn-late": open_ticket(app, "VPN drops every hour", key="a"),
        "printer-late": open_ticket(app, "Printer offline on floor 3", key="b"),
        "vpn-closed": open_ticket(app, "VPN client will not install", key="d"),
    }
    clock.advance(5 * HOUR)
    set_state(app, ids["vpn-closed"], TicketState.CLOSED)
    ids["vpn-soon"] = open_ticket(app, "VPN connection times out", key="c")
    clock.advance(3 * HOUR + 15 * timedelta(minutes=1))  # 45 minutes of 4 h left
    return ids


def _row(rows: list[dict[str, Any]], key: str, value: str) -> dict[str, Any]:
    return next(r for r in rows if r[key] == value)


def _figures(app: App) -> dict[str, Any]:
    with transaction(app.sessions) as s:
        return workload.stats_figures(s, app.catalog.current, app.settings, app.clock.now())


def test_overdue_and_due_soon_per_member_and_entry(settings: Settings, clock: FakeClock) -> None:
    with rig(settings, clock) as r:
        _seed(r.app, clock)
        data = _figures(r.app)
        html = member_page(r, "ops@example.test", "/board")
    ops = _row(data["assignees"], "assignee", "ops@example.test")
    assert (ops["overdue"], ops["due_soon"]) == (1, 1)
    ops2 = _row(data["assignees"], "assignee", "ops2@example.test")
    assert (ops2["overdue"], ops2["due_soon"]) == (1, 0)
    vpn = _row(data["entries"], "entry", "vpn")
    assert (vpn["overdue"], vpn["due_soon"]) == (1, 1)
    printer = _row(data["entries"], "entry", "printer")
    assert (printer["overdue"], printer["due_soon"]) == (1, 0)
    assert _row(data["entries"], "entry", "server")["overdue"] == 0
    # the badges on the cards, by the same rule
    assert html.count('class="badge sla"') == 2 and html.count('class="badge soon"') == 1
    members = html.split('id="members"', 1)[1].split("</section>", 1)[0]
    assert "SLA breached" in members and "Due soon" in members
    row = members.split("Ops One", 1)[1].split("</tr>", 1)[0]
    assert re.search(r'<td class="n overdue"><a [^>]+>1</a></td><td class="n"><a [^>]+>1</a>', row)
    catalog = html.split('id="catalog"', 1)[1].split("</section>", 1)[0]
    row = catalog.split("VPN and remote access", 1)[1].split("</tr>", 1)[0]
    assert re.search(r'<td class="n overdue"><a [^>]+>1</a></td><td class="n"><a [^>]+>1</a>', row)


def _statements(r: Rig) -> Iterator[list[str]]:
    seen: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(r.app.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(r.app.engine, "before_cursor_execute", before)


def test_the_sla_pass_reads_open_tickets_only(settings: Settings, clock: FakeClock) -> None:
    """The deadlines are computed in Python, ticket by ticket: fine for the open tickets
    (few), not for the closed ones (most of the table)."""
    with rig(settings, clock) as r:
        _seed(r.app, clock)
        recorder = _statements(r)
        seen = next(recorder)
        with transaction(r.app.sessions) as s:
            workload.board_figures(s, r.app.catalog.current, r.app.settings, clock.now())
        next(recorder, None)
    reads = [q for q in seen if "due_at" in q and "first_response_at" in q]
    assert reads, seen
    assert all("tickets.state IN" in q for q in reads), reads


def test_the_summary_names_where_the_breaches_are(settings: Settings, clock: FakeClock) -> None:
    with rig(settings, clock) as r:
        _seed(r.app, clock)
        with transaction(r.app.sessions) as s:
            ctx, now = scheduler.context(r.app), clock.now()
            run = digest.manual_run(now, ctx.tz)
            [boss] = [
                m
                for m in digest.build(s, ctx, now, run, only="boss@example.test")
                if isinstance(m.view, views.WeeklySummary)
            ]
            digest.queue(s, ctx, [boss], now)
        summary = boss.view
        assert isinstance(summary, views.WeeklySummary)
        by_member = {c.name: (c.overdue, c.due_soon) for c in summary.sla_by_assignee}
        assert by_member == {"Ops One": (1, 1), "Ops Two": (1, 0)}
        by_entry = {c.name: (c.overdue, c.due_soon) for c in summary.sla_by_entry}
        assert by_entry == {"VPN・リモートアクセス": (1, 1), "プリンタ・複合機": (1, 0)}
        [mail] = outbox(r.app, "weekly_summary")
    text = text_of(mail)
    assert "Ops One: 期限超過 1 件、期限間近 1 件" in text, text
