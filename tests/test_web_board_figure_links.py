"""The board's last-30-days, last-90-days and force-closed figures link to the list of
exactly the tickets they count, as the other figures do: the catalog panel's windows
with ``opened_days`` (the requests opened in them: a duplicate merged into another
ticket is counted there), the members panel's force-closes with ``forced`` (the
tickets the inventory closed this quarter while that member held them: a ticket
reopened and given to someone else since stays theirs, one closed twice is one).
Each number is read against its list at a few clock times: on the minute, seconds
into it (the board reads to the minute), a day on (the 30-day window moves) and in
the next quarter (the force-closes start again)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import update

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.model import CloseReason, TicketState
from gateway.tickets import changes
from store import reminders, tickets
from store.db import transaction
from store.models import Ticket
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.web import Rig, rig, sign_in

LINKED = re.compile(r'<td class="n[^"]*"><a href="([^"]+)">(\d+)</a></td>')
LISTED = re.compile(r"(\d+) tickets?<")
ROW = re.compile(r'href="/tickets/(\d+)"')


def _seed(r: Rig, clock: FakeClock) -> dict[str, int]:
    """Tickets of the vpn entry opened around the windows' edges, and force-closes made
    in the days after; the clock then stands 20 days on, on a minute."""
    start = clock.now()
    view = start + timedelta(days=20)  # what the board is read at
    edge = view - timedelta(days=30)
    opened = {
        "old": view - timedelta(days=95),  # in no window
        "sixty": view - timedelta(days=60),  # the 90 days only
        "inside": edge + timedelta(seconds=10),  # 30 days, until the clock moves on a day
        "outside": edge - timedelta(seconds=10),  # 90 days, never 30
        "merged": start,  # a duplicate merged into "inside": not counted
        "resolved": start,  # closed: counted all the same
    }
    held = ("ops", "last_quarter", "nobody", "handed", "twice")
    ids = {}
    for key in (*opened, *held):
        found = deliver(r.app, mail(subject=f"VPN {key}", body="VPN\n", date=start)).ticket_id
        assert found
        ids[key] = found
    inventory = {"actor": reminders.INVENTORY_ACTOR, "channel": "system"}
    by = {"actor": "t", "channel": "cli"}
    with transaction(r.app.sessions) as s:
        for key, at in opened.items():
            s.execute(update(Ticket).where(Ticket.id == ids[key]).values(created_at=at))
        s.execute(update(Ticket).values(catalog="vpn"))
        merged = tickets.get(s, ids["merged"])
        resolved = tickets.get(s, ids["resolved"])
        assert merged and resolved
        for t in (merged, resolved):
            changes.change_state(s, t, TicketState.CLOSED, start, **by)
        merged.merged_into_id = ids["inside"]
        at = start

        def force(key: str, holder: str | None) -> Ticket:
            t = tickets.get(s, ids[key])
            assert t is not None
            if t.assignee != holder:
                changes.assign(s, t, holder, at, **by)
            changes.change_state(
                s, t, TicketState.CLOSED, at, reason=CloseReason.STALE, **inventory
            )
            return t

        # 2025-12-31 23:00 in Tokyo: the quarter before (a close of an imported ticket)
        at = datetime(2025, 12, 31, 14, 0, tzinfo=UTC)
        force("last_quarter", "ops@example.test")
        at = start + timedelta(days=1)
        force("ops", "ops@example.test")
        force("nobody", None)
        handed = force("handed", "ops2@example.test")
        at += timedelta(days=1)  # reopened and given to another: still ops2's close
        changes.change_state(s, handed, TicketState.OPEN, at, **by)
        changes.assign(s, handed, "ops@example.test", at, **by)
        twice = force("twice", "ops@example.test")
        at += timedelta(days=1)
        changes.change_state(s, twice, TicketState.OPEN, at, **by)
        at += timedelta(days=1)
        force("twice", "ops@example.test")  # closed twice while theirs: one ticket
    clock.advance(view - start)
    return ids


async def _links(client: TestClient[Any, Any], r: Rig) -> dict[str, tuple[int, int, set[int]]]:
    """Each linked figure of the board: its link → (its number, the list's count, the
    ids of the list's first page)."""
    await sign_in(client, r, "ops@example.test")
    board = await (await client.get("/board")).text()
    out = {}
    for href, n in LINKED.findall(board):
        href = href.replace("&amp;", "&")
        listed = await (await client.get(href)).text()
        total = LISTED.search(listed)
        out[href] = (
            int(n),
            int(total.group(1)) if total else 0,
            set(map(int, ROW.findall(listed))),
        )
        # the list says which tickets it shows, and its form keeps the filter
        for name, said in (("opened_days", 'id="opened-days"'), ("forced", 'id="forced"')):
            if f"{name}=" in href:
                assert said in listed and f'type="hidden" name="{name}"' in listed, href
    return out


def test_the_windows_and_the_force_closes_link_to_the_tickets_they_count(
    settings: Settings, clock: FakeClock
) -> None:
    with rig(settings, clock) as r:
        ids = _seed(r, clock)
        clock.advance(timedelta(seconds=30))  # half a minute into the board's minute
        seen = [r.serve(lambda c: _links(c, r))]
        clock.advance(timedelta(seconds=40))  # the next minute, 10 seconds in
        seen.append(r.serve(lambda c: _links(c, r)))
        clock.advance(timedelta(days=1))  # "inside" is 31 days old
        seen.append(r.serve(lambda c: _links(c, r)))
        april = datetime(2026, 3, 31, 15, 0, 20, tzinfo=UTC)  # April 1st in Tokyo
        clock.advance(april - clock.now())
        seen.append(r.serve(lambda c: _links(c, r)))
    for links in seen:
        for href, (n, total, _) in links.items():
            assert n == total, f"{href}: {n} on the board, {total} listed"
    first = seen[0]
    vpn30 = {"inside", "resolved", "ops", "nobody", "handed", "twice", "last_quarter"}
    assert first["/tickets?catalog=vpn&opened_days=30"][2] == {ids[k] for k in vpn30}
    vpn90 = vpn30 | {"sixty", "outside"}
    assert first["/tickets?catalog=vpn&opened_days=90"][2] == {ids[k] for k in vpn90}
    assert first["/tickets?forced=ops%40example.test"][2] == {ids["ops"], ids["twice"]}
    assert first["/tickets?forced=ops2%40example.test"][2] == {ids["handed"]}
    assert first["/tickets?forced=-"][2] == {ids["nobody"]}
    later = seen[2]["/tickets?catalog=vpn&opened_days=30"][2]
    assert ids["inside"] not in later and ids["resolved"] in later
    assert not any("forced=" in href for href in seen[3])  # a new quarter: none yet
