"""The ticket page's "New assignee" choice (the browser side is in
test_web_browser_assign.py): pressed after the browser lost its CSRF cookie, it changes
nothing and comes back with the member chosen, so one more press gives the ticket."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.mails import mail
from tests.support.pipeline import deliver, show
from tests.support.web import CSRF, Rig, csrf_of, rig, sign_in


def test_an_assign_after_the_csrf_cookie_was_lost_comes_back_to_press_again(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any], r: Rig, tid: int) -> tuple[str, int]:
        await sign_in(client, r, "ops@example.test")
        old = await csrf_of(client, f"/tickets/{tid}?lang=ja")
        client.session.cookie_jar.clear(lambda c: c.key == "tg_csrf")
        sent = {"action": "assign", "assignee": "boss@example.test", "csrf": old}
        answer = await client.post(f"/tickets/{tid}", data=sent)
        assert answer.status == 403
        html = await answer.text()
        assert show(r.app, tid)["assignee"] != "boss@example.test"
        fresh = CSRF.search(html)
        assert fresh
        again = await client.post(
            f"/tickets/{tid}", data={**sent, "csrf": fresh.group(1)}, allow_redirects=False
        )
        return html, again.status

    with rig(settings, clock) as r:
        tid = deliver(r.app, mail(subject="Printer jam on 3F")).ticket_id or 0
        html, again = r.serve(lambda c: scenario(c, r, tid))
        detail = show(r.app, tid)
    assert 'name="assignee" value="boss@example.test"' in html
    assert again == 303 and detail["assignee"] == "boss@example.test"
