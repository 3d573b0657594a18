"""The board's "and N more" (and its count) in a column of work to do opens the list in the
order the cards run after the urgent ones, the oldest first, so the list goes on where the
cards stopped.

A cell shows its 12 most urgent, then oldest, tickets; its link opened the list newest
first, so a member who followed "and 3 more" to see what else had piled up in "New" read
the newest tickets, the ones the cards had already shown last, and found the oldest at the
end. The closed column's cards are the latest closes, as the list's default order.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.web import member_page, rig

MEMBER = "ops@example.test"


def _ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr><td><a href="/tickets/([0-9]+)">', page)]


def test_the_list_goes_on_where_the_cards_stopped(settings: Settings, clock: FakeClock) -> None:
    with rig(settings, clock) as r:
        made = []
        for n in range(15):  # 15 printer tickets, one an hour: the board shows 12
            made.append(
                deliver(r.app, mail(subject=f"プリンタ {n} の紙詰まり", body="3F です。\n"))
            )
            clock.advance(timedelta(hours=1))
        ids = [out.ticket_id for out in made]
        board = member_page(r, MEMBER, "/board")
        lane = board.split('id="lane-printer"')[1].split("</tr>")[0]
        cards = [int(n) for n in re.findall(r'id="card-([0-9]+)"', lane)]
        more = re.search(r'<a class="more" href="([^"]+)"', lane)
        assert more is not None
        listed = member_page(r, MEMBER, html.unescape(more.group(1)))
    assert cards == ids[:12]  # the oldest first
    assert _ids(listed) == ids  # the list in the same order: the 3 more after the 12
