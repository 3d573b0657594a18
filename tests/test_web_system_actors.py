"""Who did it, in a ticket's history, when no person did: the gateway's own words.

The history's last column named a person by name or address, and anything else as
its raw actor: a Japanese member read 「gateway (システム)」 beside the filing's
assignment and 「schedule (システム)」 beside the no-response close, English words the
notices and the chat thread never show (they say ゲートウェイ, スケジューラ). The page
now says them as the notices do, in its language; people stay as they were.
"""

from __future__ import annotations

import re
from datetime import timedelta

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.tickets import changes
from store import tickets
from store.db import transaction
from tests.support.mails import mail
from tests.support.pipeline import deliver, show
from tests.support.scheduling import tick_and_send
from tests.support.web import member_page, rig

READERS = {"ja": "ops2@example.test", "en": "ops@example.test"}


def _by(html: str) -> list[str]:
    """The history's "by" cells, their markup taken off."""
    return [re.sub(r"<[^>]+>", "", c) for c in re.findall(r'<td class="by">(.*?)</td>', html)]


def test_the_history_names_the_gateway_and_the_scheduler_in_the_pages_language(
    settings: Settings, clock: FakeClock
) -> None:
    with rig(settings, clock) as r:
        tid = deliver(r.app, mail(subject="プリンタで紙詰まり", body="3F です。\n")).ticket_id
        assert tid
        with transaction(r.app.sessions) as s:
            t = tickets.get(s, tid)
            assert t is not None
            changes.change_state(
                s, t, TicketState.PENDING, clock.now(), actor="ops@example.test", channel="web"
            )
        for wait in (timedelta(days=3, hours=1), timedelta(days=15)):  # reminder, close
            clock.advance(wait)
            tick_and_send(r.app)  # the close counts from the reminder's sending
        assert show(r.app, tid)["close_reason"] == "no-response"
        by = {loc: _by(member_page(r, who, f"/tickets/{tid}")) for loc, who in READERS.items()}
    ja, en = by["ja"], by["en"]
    assert "ゲートウェイ (システム)" in ja and "スケジューラ (システム)" in ja, ja
    assert not any(re.search(r"\b(gateway|schedule)\b", cell) for cell in ja), ja
    assert "Ops One (web)" in en, en  # a member by name, as before
    assert "The gateway (system)" in en and "The scheduler (system)" in en, en
