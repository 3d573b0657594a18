"""The board's numbers with a few hundred tickets, against the list they link to and
``ticket-gateway tickets list``: a count a manager clicks must open exactly the tickets
it counted, whichever lane it sits in (a ticket of no catalog entry included)."""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import update

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from store.db import transaction
from store.models import Ticket
from tests.support.app import MEMBERS as TEAM
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.databases import sqlite_only
from tests.support.mails import mail
from tests.support.pipeline import all_tickets, deliver
from tests.support.web import rig, sign_in

SUBJECTS = ("プリンタで紙詰まり", "VPN does not connect", "会議室の予約", "Printer jam on 3F")
MEMBERS = ("ops@example.test", "ops2@example.test", None)
TOTAL = 240
COUNT = re.compile(r'<a class="(?:count|more)" href="([^"]+)">')
LISTED = re.compile(r"(\d+) tickets?<")
# a panel's row: its name, linked to the list of its open tickets, and their count
PANEL_ROW = re.compile(
    r'<tr><td[^>]*><a href="([^"]+)">([^<]+)</a>.*?</td><td class="n">(\d+)</td>'
)


def _many(r: Any) -> None:
    """TOTAL tickets over the example catalog's entries, states and assignees; every
    ninth one of no entry (filed before the catalog existed), every eleventh of an
    entry since removed from the catalog."""
    for i in range(TOTAL):
        deliver(
            r.app, mail(subject=f"{SUBJECTS[i % 4]} {i}", body=f"#{i}\n", sender=f"u{i % 7}@c.test")
        )
    now = r.clock.now()
    with transaction(r.app.sessions) as s:
        for i in range(1, TOTAL + 1):
            state = ("new", "open", "pending", "closed")[i % 4]
            s.execute(
                update(Ticket)
                .where(Ticket.id == i)
                .values(
                    state=state,
                    closed_at=now if state == "closed" else None,
                    close_reason="resolved" if state == "closed" else None,
                    assignee=MEMBERS[i % 3] if state != "new" else None,
                    **({"catalog": None} if i % 9 == 0 else {}),
                    **({"catalog": "retired"} if i % 11 == 0 and i % 9 else {}),
                )
            )


def _cli_count(config: Path, capsys: pytest.CaptureFixture[str], params: dict[str, str]) -> int:
    args = [f"--{k}={v}" for k, v in params.items() if k in ("state", "catalog", "assignee")]
    ran = run(config, "tickets", "list", "--json", *args, capsys=capsys)
    assert ran.code == 0, ran.err
    return len(json.loads(ran.out))


@sqlite_only
def test_every_count_on_the_board_opens_the_tickets_it_counts(
    settings: Settings, clock: FakeClock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with rig(settings, clock) as r:
        _many(r)
        counted = Counter((t["catalog"], t["state"]) for t in all_tickets(r.app))
        panel: dict[str, int] = {}
        panels: list[str] = []
        assert counted[(None, "new")] and counted[("retired", "open")]  # the lanes are there

        async def scenario(client: TestClient[Any, Any]) -> list[tuple[str, int, int]]:
            await sign_in(client, r, "ops@example.test")
            board = await (await client.get("/board")).text()
            out = []
            # the panels' rows: each member's and each entry's open tickets link to the
            # list of exactly those (a manager's way from "Ops Two: 72" to the 72)
            for section in ("members", "catalog"):
                rows = board.split(f'id="{section}"', 1)[1].split("</section>", 1)[0]
                for href, name, n in PANEL_ROW.findall(rows):
                    href = html.unescape(href)
                    if section == "members":
                        panel[name] = int(n)
                    total = LISTED.search(await (await client.get(href)).text())
                    on_list = int(total.group(1)) if total else 0  # "No tickets match."
                    assert (href, on_list) == (href, int(n)), section
                    panels.append(href)
            for cell in re.findall(r'<td class="cell".*?</td>', board, re.DOTALL):
                found = re.search(r'<a class="count" href="([^"]+)">(\d+)</a>', cell)
                if found is None:
                    continue
                href = html.unescape(found.group(1))
                listed = await (await client.get(href)).text()
                total = LISTED.search(listed)
                assert total, href
                # the list's filters show what it is filtered by (pressing its button
                # again keeps them): the count's entry and state are selected
                for name in ("catalog", "state"):
                    box = re.search(rf'<select name="{name}">(.*?)</select>', listed, re.DOTALL)
                    assert box, name
                    chosen = re.findall(r'<option value="([^"]*)" selected>', box.group(1))
                    assert chosen == [dict(parse_qsl(href.split("?", 1)[1]))[name]], (href, name)
                out.append((href, int(found.group(2)), int(total.group(1))))
            return out

        links = r.serve(scenario)
    config = write_config(tmp_path, url=settings.database.url, secret_file=True)
    assert len(links) == sum(1 for (_, state), n in counted.items() if n)
    for href, on_board, on_list in links:
        params = dict(p.split("=", 1) for p in href.split("?", 1)[1].split("&"))
        assert on_list == on_board, href
        if "closed_days" not in params:
            assert _cli_count(config, capsys, params) == on_board, href
    # the members panel's open tickets: as many as the CLI lists for each, nobody's too
    names = {m.name: m.email for m in TEAM}
    assert len(panel) == 3, panel
    assert len(panels) == 3 + 9, panels  # the members, nobody, the 7 entries, retired, none
    for name, n in panel.items():
        who = names.get(name, "-")  # the row of nobody's tickets
        assert _cli_count(config, capsys, {"assignee": who, "state": "active"}) == n, name


# a number of a panel that links to its tickets: the link and the number
PANEL_NUMBER = re.compile(r'<td class="n[^"]*"><a href="([^"]+)">(\d+)</a></td>')


@sqlite_only
def test_the_panels_stale_and_sla_numbers_open_the_tickets_they_count(
    settings: Settings, clock: FakeClock
) -> None:
    """ "Ops Two: 66 stale, 72 SLA breached": the panels counted them, and nothing led to
    them (the list had no such filter; a card's badge is one ticket among 12 a cell).
    Now each number links to the list of exactly the tickets it counts, by the same
    rules as the badges and the reminders (stale, SLA breached, due soon)."""
    with rig(settings, clock) as r:
        _many(r)
        clock.advance(timedelta(days=4))  # past the entries' SLA and stale times, some

        async def scenario(client: TestClient[Any, Any]) -> list[tuple[str, int, int, str]]:
            await sign_in(client, r, "ops@example.test")
            board = await (await client.get("/board")).text()
            out = []
            for section in ("members", "catalog"):
                rows = board.split(f'id="{section}"', 1)[1].split("</section>", 1)[0]
                for href, n in PANEL_NUMBER.findall(rows):
                    href = html.unescape(href)
                    listed = await (await client.get(href)).text()
                    total = LISTED.search(listed)
                    out.append((href, int(n), int(total.group(1)) if total else 0, section))
            return out

        links = r.serve(scenario)
    assert all(on_board == on_list for _, on_board, on_list, _ in links), links
    linked: Counter[tuple[str, str]] = Counter()
    for href, n, _, section in links:
        query = dict(parse_qsl(href.split("?", 1)[1]))
        if "mark" in query:  # the 30/90 days' and the force-closes' links have none
            linked[(section, query["mark"])] += n
    assert linked[("members", "stale")] > 0 and linked[("members", "overdue")] > 0
    for mark in ("overdue", "due_soon"):  # every open ticket is in one row of each panel
        assert linked[("members", mark)] == linked[("catalog", mark)], mark
