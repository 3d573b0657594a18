"""What a press on a ticket's page did is said once on the page it comes back to
(:mod:`gateway.web.done`), including a note typed with a button the state refused: the
note is added, and the page said only "That change is not possible", so the member could
not tell whether the words were kept and typed them again. A reload says nothing again."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.mails import mail
from tests.support.pipeline import deliver, show
from tests.support.web import Rig, csrf_of, rig, sign_in

MEMBER = "ops@example.test"


def test_a_note_kept_beside_a_refused_change_is_said(settings: Settings, clock: FakeClock) -> None:
    async def scenario(client: TestClient[Any, Any], r: Rig, tid: int) -> tuple[str, str]:
        await sign_in(client, r, MEMBER)
        token = await csrf_of(client, f"/tickets/{tid}?lang=en")
        await client.post(
            f"/tickets/{tid}", data={"action": "close", "reason": "resolved", "csrf": token}
        )
        sent = {"action": "pending", "note": "Called them.", "csrf": token}
        answer = await client.post(f"/tickets/{tid}", data=sent)  # closed: no pending
        page = await answer.text()
        again = await (await client.get(f"/tickets/{tid}")).text()
        return page, again

    with rig(settings, clock) as r:
        tid = deliver(r.app, mail(subject="Printer jam on 3F")).ticket_id or 0
        page, again = r.serve(lambda c: scenario(c, r, tid))
        notes = [e for e in show(r.app, tid)["events"] if e["kind"] == "note"]
    assert len(notes) == 1
    assert "That change is not possible" in page
    assert '<p class="notice" role="status" id="done">Note added.</p>' in page
    assert 'id="done"' not in again  # said once
