"""Priority on the web side (issue #19): the board lists urgent cards first in each cell
with a badge, and the ticket page names the level, in the member's language."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.web import Rig, rig, sign_in


def _cell(html: str, lane: str, state: str) -> str:
    row = html.split(f'id="lane-{lane}"', 1)[1].split("</tr>", 1)[0]
    return row.split(f'data-state="{state}"', 1)[1].split("</td>", 1)[0]


def test_urgent_cards_come_first_and_the_page_names_the_level(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any], r: Rig, urgent: int) -> tuple[str, str]:
        await sign_in(client, r, "ops2@example.test")  # locale ja
        board = await (await client.get("/board")).text()
        page = await (await client.get(f"/tickets/{urgent}")).text()
        return board, page

    with rig(settings, clock) as r:
        ids = []
        for subject in (
            "プロジェクターが映らない",
            "プロジェクターの電源",
            "【至急】プロジェクター故障",
        ):
            outcome = deliver(
                r.app, mail(subject=subject, body="会議室Aです。\n", date=clock.now())
            )
            assert outcome.ticket_id
            ids.append(outcome.ticket_id)
            clock.advance(timedelta(minutes=5))
        old, newer, urgent = ids
        board, page = r.serve(lambda c: scenario(c, r, urgent))
    cell = _cell(board, "other", "new")
    order = [cell.index(f'id="card-{i}"') for i in (urgent, old, newer)]
    assert order == sorted(order)  # urgent first, then the oldest first
    urgent_card = cell.split(f'id="card-{urgent}"', 1)[1].split("</a>", 1)[0]
    assert "priority-urgent" in urgent_card and "緊急" in urgent_card
    assert "priority-" not in cell.split(f'id="card-{old}"', 1)[1].split("</a>", 1)[0]
    assert '<dd id="priority">緊急</dd>' in page
