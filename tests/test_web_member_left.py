"""The pages a manager reads about the tickets of someone who left the team: their
address stays the tickets' assignee (the history says who had them), so the board's
card, the members panel, the ticket list and the ticket page mark it as no longer in
the team, where it read as a member's like any other."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from pathlib import Path

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.tickets import changes
from store import tickets
from store.db import transaction
from tests.support.app import MEMBERS
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.web import member_page, rig

LEAVER = "ops2@example.test"
CATALOG = """
entries:
  - id: vpn
    name: {ja: VPN接続, en: VPN access}
    keywords: [{term: vpn, weight: 3}]
    assignee: ops@example.test
  - id: other
    name: {ja: その他, en: Other}
    fallback: true
    manager: boss@example.test
"""
MARK = "（チームにいません）"  # the manager reads Japanese (tests/support/app.py)


def test_the_pages_mark_an_assignee_who_left_the_team(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(CATALOG, encoding="utf-8")
    team = tuple(m for m in MEMBERS if m.email != LEAVER)
    with rig(settings, clock, catalog=catalog, members=team) as r:
        left = deliver(r.app, mail(subject="VPN down", body="help\n")).ticket_id or 0
        kept = deliver(r.app, mail(subject="VPN slow", body="help\n")).ticket_id or 0
        with transaction(r.app.sessions) as s:  # given to them before they left
            ticket = tickets.get_to_change(s, left)
            assert ticket is not None
            changes.assign(s, ticket, LEAVER, clock.now(), actor="boss@example.test", channel="web")
        board = member_page(r, "boss@example.test", "/board")
        # the card; the members panel counts their ticket as nobody's (the next test)
        assert board.count(f"{LEAVER} {MARK}") == 1
        assert f"Ops One {MARK}" not in board
        page = member_page(r, "boss@example.test", f"/tickets/{left}")
        assert f'<dd id="assignee">{LEAVER} {MARK}</dd>' in page
        listed = member_page(r, "boss@example.test", "/tickets?state=active")
        assert f"{LEAVER} {MARK}" in listed and listed.count(MARK) == 1
        mine = member_page(r, "boss@example.test", f"/tickets/{kept}")
        assert '<dd id="assignee">Ops One</dd>' in mine


# the members panel's "nobody" row: its link, then the open count (store.holders)
NOBODY_ROW = re.compile(
    r'<a href="/tickets\?assignee=-&amp;state=active">[^<]*</a></td>'
    r'<td class="n">(\d+)</td>'
)
LINKED = re.compile(r'<td class="n[^"]*"><a href="(/tickets\?assignee=-[^"]+)">(\d+)</a></td>')
ROW = re.compile(r'<tr><td><a href="/tickets/(\d+)">')


def test_the_board_and_the_list_count_a_leavers_tickets_as_nobodys(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """The "nobody" filter of the list, and the members panel's "nobody" row (its open
    count, and its stale and SLA counts with the lists they link to), count the tickets
    of one who left the team with those of no assignee, as the digest lists them: a
    manager looking for work nobody does found only the latter. The leaver's ticket still
    names them, marked; a member's ticket is theirs, not nobody's."""
    catalog = tmp_path / "catalog.yaml"
    timed = "    stale_after: 3d\n    sla: {first_response: 4h, resolve: 2d}\n"
    catalog.write_text(CATALOG.replace("    keywords:", timed + "    keywords:", 1), "utf-8")
    team = tuple(m for m in MEMBERS if m.email != LEAVER)
    with rig(settings, clock, catalog=catalog, members=team) as r:
        ids = [
            deliver(r.app, mail(subject=f"VPN {n}", body="vpn\n")).ticket_id or 0 for n in range(3)
        ]
        left, unassigned, kept = ids
        with transaction(r.app.sessions) as s:
            for tid, who in ((left, LEAVER), (unassigned, None)):
                ticket = tickets.get_to_change(s, tid)
                assert ticket is not None
                changes.assign(
                    s, ticket, who, clock.now(), actor="boss@example.test", channel="web"
                )
        board = member_page(r, "boss@example.test", "/board")
        listed = member_page(r, "boss@example.test", "/tickets?assignee=-&state=active")
        clock.advance(timedelta(days=60))  # every one of them stale and past its deadline
        later = member_page(r, "boss@example.test", "/board")
        marked = {
            link: (int(n), member_page(r, "boss@example.test", html.unescape(link)))
            for link, n in LINKED.findall(later)
        }
    assert [int(n) for n in NOBODY_ROW.findall(board)] == [2]
    assert board.count(f"{LEAVER} {MARK}") == 1  # the card; no row of theirs in the panel
    assert sorted(int(x) for x in ROW.findall(listed)) == [left, unassigned]
    assert f"{LEAVER} {MARK}" in listed  # the row still says who had it
    assert marked, later  # the stale and SLA counts of nobody's tickets, linked
    for link, (n, page) in marked.items():
        assert n == 2 and sorted(int(x) for x in ROW.findall(page)) == [left, unassigned], link
    assert kept not in {int(x) for x in ROW.findall(listed)}
