"""The pages a manager reads about the tickets of someone who left the team: their
address stays the tickets' assignee (the history says who had them), so the board's
card, the members panel, the ticket list and the ticket page mark it as no longer in
the team, where it read as a member's like any other."""

from __future__ import annotations

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
        assert board.count(f"{LEAVER} {MARK}") == 2  # the card and the members panel
        assert f"Ops One {MARK}" not in board
        page = member_page(r, "boss@example.test", f"/tickets/{left}")
        assert f'<dd id="assignee">{LEAVER} {MARK}</dd>' in page
        listed = member_page(r, "boss@example.test", "/tickets?state=active")
        assert f"{LEAVER} {MARK}" in listed and listed.count(MARK) == 1
        mine = member_page(r, "boss@example.test", f"/tickets/{kept}")
        assert '<dd id="assignee">Ops One</dd>' in mine
