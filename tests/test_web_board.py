"""The whiteboard: lanes and columns, badges, and panels with the numbers of ``stats``."""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import update

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.model import CloseReason, TicketState
from gateway.scheduling import workload
from gateway.tickets import changes
from store import reminders, tickets
from store.db import transaction
from store.models import Ticket
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.web import Rig, rig, sign_in


def _cell(html: str, lane: str, state: str) -> str:
    row = html.split(f'id="lane-{lane}"', 1)[1].split("</tr>", 1)[0]
    return row.split(f'data-state="{state}"', 1)[1].split("</td>", 1)[0]


def _seed(r: Rig, clock: FakeClock) -> dict[str, int]:
    ids = {}
    for key, subject, body in [
        ("vpn", "VPN が遅い", "在宅勤務で VPN が遅いです。\n"),
        ("server", "web01 障害", "web01 が応答しません。\n"),
        ("proj1", "プロジェクターが映らない", "会議室Aのプロジェクターが映らない。\n"),
        ("proj2", "プロジェクターの電源", "会議室Bのプロジェクターの電源が入らない。\n"),
        ("closed", "VPN の設定", "設定方法を教えてください。\n"),
    ]:
        outcome = deliver(r.app, mail(subject=subject, body=body, date=clock.now()))
        assert outcome.ticket_id
        ids[key] = outcome.ticket_id
    with transaction(r.app.sessions) as s:
        closed = tickets.get(s, ids["closed"])
        assert closed is not None
        changes.change_state(s, closed, TicketState.CLOSED, clock.now(), actor="t", channel="cli")
    clock.advance(timedelta(days=4))  # stale (vpn: 3d) and past the server SLA
    return ids


def test_the_board_puts_each_ticket_in_its_lane_and_column(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any], r: Rig) -> str:
        await sign_in(client, r, "ops2@example.test")  # locale ja
        answer = await client.get("/board")
        assert answer.status == 200
        return await answer.text()

    with rig(settings, clock) as r:
        ids = _seed(r, clock)
        html = r.serve(lambda c: scenario(c, r))
    vpn = _cell(html, "vpn", "new")
    assert f'id="card-{ids["vpn"]}"' in vpn and "放置" in vpn  # stale badge
    assert "未入力の項目あり" in vpn  # the vpn entry requires "os"
    server = _cell(html, "server", "new")
    assert f'id="card-{ids["server"]}"' in server and "SLA 超過" in server
    assert f'id="card-{ids["closed"]}"' in _cell(html, "vpn", "closed")
    assert f'id="card-{ids["proj1"]}"' in _cell(html, "other", "new")
    assert "プロジェクター" in html.split('id="other"', 1)[1]  # the "other" panel's word
    assert "- id: new-entry" in html or "keywords:" in html  # the stub for a new entry
    # no English word on a Japanese page (a class or a link's query is no word to read)
    assert "Board" not in html and "stale" not in re.sub(r'(class|href)="[^"]*"', "", html)


def test_the_panels_show_the_numbers_of_stats(settings: Settings, clock: FakeClock) -> None:
    async def scenario(client: TestClient[Any, Any], r: Rig) -> str:
        await sign_in(client, r, "ops@example.test")
        return await (await client.get("/board")).text()

    with rig(settings, clock) as r:
        ids = _seed(r, clock)
        # the only ticket of a member who left since, closed by the inventory
        with transaction(r.app.sessions) as s:
            left = tickets.get(s, ids["proj2"])
            assert left is not None
            changes.assign(s, left, "gone@example.test", clock.now(), actor="t", channel="cli")
            changes.change_state(
                s,
                left,
                TicketState.CLOSED,
                clock.now(),
                actor=reminders.INVENTORY_ACTOR,
                channel="system",
                reason=CloseReason.STALE,
            )
        clock.advance(timedelta(minutes=1))
        html = r.serve(lambda c: scenario(c, r))
        catalog = r.app.catalog.current
        with transaction(r.app.sessions) as s:
            figures = workload.stats_figures(s, catalog, r.app.settings, clock.now())
    members = html.split('id="members"', 1)[1].split("</section>", 1)[0]
    # each member's oldest open ticket (what piles up first), linked, with its age
    [gone] = [a for a in figures["assignees"] if a["assignee"] == "gone@example.test"]
    assert (gone["open"], gone["force_closed_quarter"], gone["oldest_ticket"]) == (0, 1, None)
    # listed, with no oldest ticket; the force-close linked to the ticket closed
    forced = '<td class="n"><a href="/tickets?forced=gone%40example.test">1</a></td><td>—</td>'
    assert forced in members
    for a in figures["assignees"]:
        if a["oldest_ticket"] is None:
            continue
        row = members.split(f'href="/tickets/{a["oldest_ticket"]}" class="oldest">', 1)
        assert len(row) == 2, a
        age = clock.now() - datetime.fromisoformat(a["oldest_created_at"])
        said = f"{age.days} d" if age.days else f"{int(age.total_seconds() // 3600)} h"
        assert row[1].startswith(f"#{a['oldest_ticket']}</a> ({said})"), row[1][:40]
    members = re.sub(r"</?a[^>]*>", "", members)  # the numbers, their links aside
    for a in figures["assignees"]:
        numbers = f'<td class="n">{a["open"]}</td><td class="n">{a["stale"]}</td>'
        assert numbers in members, a
    entries = html.split('id="catalog"', 1)[1].split("</section>", 1)[0]
    vpn30 = next(e for e in figures["recent"]["30d"] if e["entry"] == "vpn")
    last30 = f'href="/tickets?catalog=vpn&amp;opened_days=30">{vpn30["open"] + vpn30["closed"]}</a>'
    assert last30 in entries  # linked to the tickets it counts
    other = html.split('id="other"', 1)[1].split("</section>", 1)[0]
    n = figures["fallback"]["tickets"]  # of the report's days, and it says so
    # the fallback as the team named it, in the page's language (ja read 「その他」 whatever
    # the team's fallback was called)
    name = catalog.fallback.name("en")
    assert f"<h2>What piles up under {name}</h2>" in other
    said = f"of the {n} tickets filed under {name}, the fallback entry, in the last 30 days."
    assert said in other
    for t in figures["fallback"]["terms"]:
        assert f'<span class="term">{t["term"]}</span>' in other


def test_the_stub_for_a_new_entry_pastes_into_a_valid_catalog() -> None:
    from gateway.catalog.load import parse_catalog
    from gateway.catalog.stub import entry_stub
    from tests.support.catalogs import GOOD

    stub = entry_stub(["プロジェクター", "projector", "会議室"], ["vpn", "projector"])
    catalog = parse_catalog(GOOD + stub)
    entry = catalog.entry("projector-2")  # a free id, from the first Latin word
    assert entry is not None and entry.name("ja") == "プロジェクター"
    assert [k.source for k in entry.keywords] == ["プロジェクター", "projector", "会議室"]
    assert entry_stub([]) == ""


def test_a_new_ticket_is_due_soon_only_near_its_first_response(
    settings: Settings, clock: FakeClock
) -> None:
    """The example catalog's first responses are 30 minutes to a day: a fresh VPN ticket
    (4h) is not "due soon" from its first minute, only in the last quarter of its window."""

    async def board(client: TestClient[Any, Any], r: Rig) -> tuple[str, str]:
        await sign_in(client, r, "ops@example.test")
        fresh = _cell(await (await client.get("/board")).text(), "vpn", "new")
        clock.advance(timedelta(hours=3, minutes=5))
        later = _cell(await (await client.get("/board")).text(), "vpn", "new")
        return fresh, later

    with rig(settings, clock) as r:
        tid = deliver(r.app, mail(subject="VPN が遅い", body="VPN が遅いです。\n")).ticket_id
        fresh, later = r.serve(lambda c: board(c, r))
    assert f'id="card-{tid}"' in fresh and "badge soon" not in fresh
    assert "badge soon" in later


def test_the_closed_column_links_to_the_closes_it_counts(
    settings: Settings, clock: FakeClock
) -> None:
    """The closed column counts the last 7 days' closes; its number led to every closed
    ticket of the lane ever (a manager clicking "1" read a list of 2). Its links carry
    the window, and the list shows the same tickets, saying so."""

    def close(r: Rig, subject: str) -> int:
        tid = deliver(r.app, mail(subject=subject, body="VPN\n", date=clock.now())).ticket_id
        assert tid is not None
        with transaction(r.app.sessions) as s:
            t = tickets.get(s, tid)
            assert t is not None
            changes.change_state(s, t, TicketState.CLOSED, clock.now(), actor="t", channel="cli")
        return tid

    async def scenario(client: TestClient[Any, Any], r: Rig) -> tuple[str, str, str]:
        await sign_in(client, r, "ops@example.test")
        board = await (await client.get("/board")).text()
        link = re.search(r'<a class="count" href="([^"]+)">1</a>', _cell(board, "vpn", "closed"))
        assert link, _cell(board, "vpn", "closed")
        href = link.group(1).replace("&amp;", "&")
        listed = await (await client.get(href)).text()
        every = await (await client.get("/tickets?catalog=vpn&state=closed")).text()
        return href, listed, every

    with rig(settings, clock) as r:
        old = close(r, "VPN の設定 (old)")
        clock.advance(timedelta(days=10))
        recent = close(r, "VPN の設定 (new)")
        href, listed, every = r.serve(lambda c: scenario(c, r))
    assert "closed_days=7" in href
    assert f'href="/tickets/{recent}"' in listed and f'href="/tickets/{old}"' not in listed
    assert 'id="closed-days"' in listed and 'name="closed_days" value="7"' in listed
    assert f'href="/tickets/{old}"' in every and 'id="closed-days"' not in every


def test_fallback_words_that_come_together_make_one_entry_each() -> None:
    """Two patterns under the fallback (projectors in meeting rooms, expense claims) are
    two entries to add, not one entry with every word: a word joins the group whose
    tickets it shares, the groups are ranked by their tickets, and a word seen with
    neither pattern stays out of both."""
    from gateway.core.word_groups import group_terms

    seen = {
        "プロジェクター": {1, 2, 3, 4},
        "経費精算": {5, 6, 7},
        "会議室": {1, 2, 3},
        "領収書": {5, 6},
        "ケーブル": {2, 4},
        "至急": {3, 6},  # in one ticket of each: no pattern's word
    }
    groups = group_terms(seen, list(seen))
    assert [(g.terms, sorted(g.tickets)) for g in groups] == [
        (["プロジェクター", "会議室", "ケーブル"], [1, 2, 3, 4]),
        (["経費精算", "領収書"], [5, 6, 7]),
    ]
    assert group_terms({}, []) == []


def test_the_board_offers_one_stub_per_pattern_and_all_paste_together(
    settings: Settings, clock: FakeClock
) -> None:
    from gateway.catalog.load import parse_catalog
    from tests.support.catalogs import GOOD

    async def scenario(client: TestClient[Any, Any], r: Rig) -> str:
        await sign_in(client, r, "ops@example.test")
        return await (await client.get("/board")).text()

    with rig(settings, clock) as r:
        for n, (subject, body) in enumerate(
            [
                ("プロジェクターが映らない", "会議室Aのプロジェクターが映らない。\n"),
                ("プロジェクターの電源", "会議室Bのプロジェクターの電源が入らない。\n"),
                ("会議室のプロジェクター", "会議室Cのプロジェクターが暗い。\n"),
                ("経費精算の締め日", "経費精算の領収書はいつまでですか。\n"),
                ("経費精算について", "領収書を無くした場合の経費精算は?\n"),
            ]
        ):
            deliver(r.app, mail(subject=subject, body=body, message_id=f"<fb{n}@customer.test>"))
        html = r.serve(lambda c: scenario(c, r))
    other = html.split('id="other"', 1)[1].split("</section>", 1)[0]
    stubs = re.findall(r'<pre class="stub">(.*?)</pre>', other, re.S)
    assert len(stubs) == 2, other
    assert "プロジェクター" in stubs[0] and "経費精算" not in stubs[0]
    assert "経費精算" in stubs[1] and "プロジェクター" not in stubs[1]
    pasted = "".join(s.replace("&#39;", "'").replace("&#34;", '"') for s in stubs)
    catalog = parse_catalog(GOOD + pasted)  # both under entries: at once, ids distinct
    assert len(catalog.entries) == len(parse_catalog(GOOD).entries) + 2


def test_a_word_the_catalog_has_now_is_marked_and_offered_in_no_stub(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """After the manager added a projector entry, the tickets left in the fallback still
    hold the word: the panel says whose keyword it is, and the ready-to-paste entry
    leaves it out (pasted, it would be one keyword under two entries)."""
    from gateway.core.resources import examples_dir
    from tests.support.catalogs import EXAMPLE

    path = tmp_path / "catalog.yaml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    shutil.copy(examples_dir() / "account_action.py", tmp_path)  # the example's action

    async def scenario(client: TestClient[Any, Any], r: Rig) -> str:
        await sign_in(client, r, "ops@example.test")
        return await (await client.get("/board")).text()

    with rig(settings, clock, catalog=path) as r:
        for n, subject in enumerate(["プロジェクターと会議室", "会議室のプロジェクター"]):
            deliver(
                r.app, mail(subject=subject, body="映りません。\n", message_id=f"<k{n}@c.test>")
            )
        path.write_text(
            path.read_text(encoding="utf-8").replace(
                "entries:\n",
                "entries:\n  - id: projector\n    name: Projector\n"
                "    keywords: [プロジェクタ]\n    assignee: ops@example.test\n",
                1,
            ),
            encoding="utf-8",
        )
        assert r.app.catalog.reload()
        html = r.serve(lambda c: scenario(c, r))
    other = html.split('id="other"', 1)[1].split("</section>", 1)[0]
    assert "(a keyword of projector already)" in other, other
    stubs = re.findall(r'<pre class="stub">(.*?)</pre>', other, re.S)
    assert stubs and all("プロジェクター" not in s for s in stubs), other
    assert "会議室" in stubs[0]


@pytest.mark.parametrize("days", [40, 100])  # in the 90 days' window only; in neither
@pytest.mark.parametrize("entry", [None, "retired"])  # no entry; one removed since
def test_an_old_open_ticket_outside_the_catalog_does_not_break_the_board(
    settings: Settings, clock: FakeClock, entry: str | None, days: int
) -> None:
    """The catalog panel counts each entry's tickets of the last 30 and 90 days. A lane
    the catalog does not name (no entry, or one removed) with an open ticket but none
    opened in a window had no row in that window's figures: the board was a 500, for
    every member, until the ticket was closed."""

    async def scenario(client: TestClient[Any, Any], r: Rig) -> tuple[int, str]:
        await sign_in(client, r, "ops2@example.test")
        answer = await client.get("/board")
        return answer.status, await answer.text()

    with rig(settings, clock) as r:
        outcome = deliver(
            r.app, mail(subject="古い依頼", body="まだ開いています。\n", date=clock.now())
        )
        with transaction(r.app.sessions) as s:
            s.execute(update(Ticket).where(Ticket.id == outcome.ticket_id).values(catalog=entry))
        clock.advance(timedelta(days=days))
        status, html = r.serve(lambda c: scenario(c, r))
    assert status == 200
    entries = html.split('id="catalog"', 1)[1].split("</section>", 1)[0]
    name = "（未分類）" if entry is None else f"{entry}（カタログにない項目）"
    row = next(r for r in entries.split("<tr>") if f">{name}</a>" in r)
    cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    # open 1; opened in the last 30 days 0; in the last 90 days 1 only at 40 days
    assert (cells[1], cells[4], cells[5]) == ("1", "0", "1" if days < 90 else "0")


def test_a_count_and_its_list_are_read_at_the_same_minute(
    settings: Settings, clock: FakeClock
) -> None:
    """The board is read to the minute (its view is kept until the minute turns); its
    lists were read to the second. Half a minute in, a ticket closed seven days and 10
    seconds before was one of the closed column's "1" and missing from its list, and a
    deadline passed 10 seconds before counted as due soon on the board while the list
    behind that number showed it overdue: "1" led to an empty list."""

    async def scenario(client: TestClient[Any, Any], r: Rig) -> list[tuple[int, str]]:
        await sign_in(client, r, "ops@example.test")
        board = await (await client.get("/board")).text()
        found = [
            (int(n), html.replace("&amp;", "&"))
            for html, n in re.findall(r'<a class="count" href="([^"]+)">(\d+)</a>', board)
        ]
        found += [
            (int(n), html.replace("&amp;", "&"))
            for html, n in re.findall(r'<td class="n[^"]*"><a href="([^"]+)">(\d+)</a></td>', board)
        ]
        out = []
        for n, href in found:
            listed = await (await client.get(href)).text()
            total = re.search(r"(\d+) tickets?<", listed)
            out.append((n, f"{href} lists {total.group(1) if total else 0}"))
        return out

    with rig(settings, clock) as r:
        start = clock.now()  # on the minute
        closed = deliver(r.app, mail(subject="VPN の設定", body="VPN\n", date=start)).ticket_id
        with transaction(r.app.sessions) as s:
            t = tickets.get(s, closed or 0)
            assert t is not None
            changes.change_state(
                s, t, TicketState.CLOSED, start + timedelta(seconds=10), actor="t", channel="cli"
            )
        # vpn's first response is due in 4 hours: 10 seconds into the board's minute
        clock.advance(timedelta(days=7, seconds=10) - timedelta(hours=4))
        assert deliver(r.app, mail(subject="VPN が遅い", body="VPN\n", date=clock.now())).ticket_id
        clock.advance(timedelta(hours=4, seconds=20))
        counts = r.serve(lambda c: scenario(c, r))
    assert any("state=closed" in said for _, said in counts), counts
    assert any("mark=" in said for _, said in counts), counts
    for n, said in counts:
        assert said.endswith(f"lists {n}"), said
