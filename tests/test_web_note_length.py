"""A ticket's internal note as long as the page's box allows arrives whole.

The textarea's ``maxlength`` counts a line break as one character, but a browser
sends each as CR LF: a note of many short lines at the box's limit came to more
than the server's cap and lost its end without a word (the request form's details
had the same trouble, tests/test_web_form_input.py)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.mails import mail
from tests.support.pipeline import deliver, show
from tests.support.web import csrf_of, rig, sign_in

TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "web" / "ticket.html.j2"


def test_a_note_as_long_as_the_box_allows_is_kept_whole(
    settings: Settings, clock: FakeClock
) -> None:
    found = re.search(r'<textarea id="note"[^>]*maxlength="(\d+)"', TEMPLATE.read_text())
    assert found
    limit = int(found.group(1))
    typed = "\n".join(["ログの行です。"] * (limit // 8))  # 7 characters and a line break each
    assert len(typed) <= limit < len(typed.replace("\n", "\r\n"))

    async def scenario(client: TestClient[Any, Any], tid: int) -> int:
        await sign_in(client, r, "ops@example.test")
        csrf = await csrf_of(client, f"/tickets/{tid}")
        sent = {"action": "note", "note": typed.replace("\n", "\r\n"), "csrf": csrf}
        answer = await client.post(f"/tickets/{tid}", data=sent, allow_redirects=False)
        return answer.status

    with rig(settings, clock) as r:
        tid = deliver(r.app, mail(subject="Printer jam on 3F")).ticket_id or 0
        assert r.serve(lambda c: scenario(c, tid)) == 303
        [note] = [e for e in show(r.app, tid)["events"] if e["kind"] == "note"]
    assert note["detail"]["text"] == typed
