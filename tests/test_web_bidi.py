"""A ticket's subject, a message's text or a file's name may carry Unicode's
bidirectional overrides (U+202E RIGHT-TO-LEFT OVERRIDE, the isolates U+2066-U+2069).
The mails drop them (tests/test_mail_bidi.py); the pages printed them: on the board an
unclosed one reversed the rest of the card (the ticket's age, its assignee) and in the
tab's title, the list and the ticket's heading "Pay invoice \u202etxt.exe" read as
"…exe.txt". No page carries them now; right-to-left letters are shown as they are."""

from __future__ import annotations

import re
from typing import Any

from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.web import rig, sign_in

OVERRIDES = re.compile("[\u202a-\u202e\u2066-\u2069]")
SUBJECT = "Pay invoice \u202etxt.exe\u2067 שלום プリンタ"


def test_no_page_carries_a_bidirectional_override(settings: Settings, clock: FakeClock) -> None:
    async def scenario(client: TestClient[Any, Any], ticket: int) -> dict[str, str]:
        await sign_in(client, r, "ops2@example.test")
        paths = ["/board", "/tickets", "/tickets?q=invoice", f"/tickets/{ticket}"]
        return {p: await (await client.get(p)).text() for p in paths}

    with rig(settings, clock) as r:
        outcome = deliver(r.app, mail(subject=SUBJECT, body="請求書です \u202eexe.fdp\n"))
        assert outcome.ticket_id
        pages = r.serve(lambda c: scenario(c, outcome.ticket_id or 0))
    for path, html in pages.items():
        assert "Pay invoice txt.exe שלום プリンタ" in html, path  # the rest kept, in order
        assert not OVERRIDES.search(html), (path, OVERRIDES.search(html))
