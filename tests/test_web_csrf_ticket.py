"""A ticket page's button pressed after the browser lost its CSRF cookie while the
session lived on (cookies of the site cleared in part, a second browser profile): the
answer is a 403 page in the reader's language that says nothing was changed, shows the
typed note back to be copied and carries a fresh token, so pressing again works. A post
from another site stays a bare 403."""

from __future__ import annotations

import re
from typing import Any

from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.mails import mail
from tests.support.pipeline import deliver, show
from tests.support.web import CSRF, Rig, csrf_of, rig, sign_in

MEMBER = "ops@example.test"
NOTE = "電話で確認しました。\n来週の月曜に交換予定。"


def _lose_csrf_cookie(client: TestClient[Any, Any]) -> None:
    client.session.cookie_jar.clear(lambda c: c.key == "tg_csrf")


def _notes(detail: dict[str, Any]) -> list[str]:
    return [e["detail"]["text"] for e in detail["events"] if e["kind"] == "note"]


def test_close_with_a_note_and_a_lost_cookie_changes_nothing_and_works_again(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any], r: Rig, tid: int) -> tuple[str, int]:
        await sign_in(client, r, MEMBER)
        old = await csrf_of(client, f"/tickets/{tid}?lang=ja")
        _lose_csrf_cookie(client)
        sent = {"action": "close", "reason": "resolved", "note": NOTE, "csrf": old}
        answer = await client.post(f"/tickets/{tid}", data=sent)
        assert answer.status == 403
        html = await answer.text()
        assert show(r.app, tid)["state"] != "closed" and not _notes(show(r.app, tid))
        fresh = CSRF.search(html)
        assert fresh and fresh.group(1) != old
        again = await client.post(
            f"/tickets/{tid}", data={**sent, "csrf": fresh.group(1)}, allow_redirects=False
        )
        return html, again.status

    with rig(settings, clock) as r:
        tid = deliver(r.app, mail(subject="Printer jam on 3F")).ticket_id or 0
        html, again = r.serve(lambda c: scenario(c, r, tid))
        detail = show(r.app, tid)
    assert 'id="kept-note"' in html and NOTE in html.replace("\r\n", "\n")
    assert "何も変更していません" in html and "Nothing was changed" not in html
    assert 'action="/tickets/' in html and 'value="close"' in html
    assert again == 303
    assert detail["state"] == "closed" and _notes(detail) == [NOTE]


def test_a_button_without_a_note_is_said_in_english_and_changes_nothing(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any], r: Rig, tid: int) -> tuple[int, str]:
        await sign_in(client, r, MEMBER)
        old = await csrf_of(client, f"/tickets/{tid}?lang=en")
        _lose_csrf_cookie(client)
        answer = await client.post(
            f"/tickets/{tid}", data={"action": "assign_me", "note": "", "csrf": old}
        )
        return answer.status, await answer.text()

    with rig(settings, clock) as r:
        tid = deliver(r.app, mail(subject="Printer jam on 3F")).ticket_id or 0
        status, html = r.serve(lambda c: scenario(c, r, tid))
        assignee = show(r.app, tid)["assignee"]
    assert status == 403 and assignee != MEMBER
    assert "Nothing was changed" in html and 'id="kept-note"' not in html
    assert "変更" not in html


def test_a_post_from_another_site_stays_a_bare_403(settings: Settings, clock: FakeClock) -> None:
    async def scenario(client: TestClient[Any, Any], r: Rig, tid: int) -> tuple[int, str]:
        await sign_in(client, r, MEMBER)
        old = await csrf_of(client, f"/tickets/{tid}")
        answer = await client.post(
            f"/tickets/{tid}",
            data={"action": "note", "note": "from elsewhere", "csrf": old},
            headers={"Origin": "https://evil.test"},
        )
        return answer.status, await answer.text()

    with rig(settings, clock) as r:
        tid = deliver(r.app, mail(subject="Printer jam on 3F")).ticket_id or 0
        status, html = r.serve(lambda c: scenario(c, r, tid))
        notes = _notes(show(r.app, tid))
    assert status == 403 and "from elsewhere" not in html and notes == []


def test_the_press_again_keeps_what_the_page_had_seen(settings: Settings, clock: FakeClock) -> None:
    """The form that comes back after a lost cookie carries the ticket page's ``seen``:
    pressed again after a colleague's change, it does not undo it
    (:mod:`gateway.web.ticket_conflict`), as the page's own button would not."""

    async def scenario(client: TestClient[Any, Any], r: Rig, tid: int) -> str:
        await sign_in(client, r, MEMBER)
        page = await (await client.get(f"/tickets/{tid}?lang=en")).text()
        seen = re.search(r'name="seen" value="([0-9]+)"', page)
        assert seen
        old = CSRF.search(page)
        assert old
        _lose_csrf_cookie(client)
        sent = {"action": "open", "note": "", "csrf": old.group(1), "seen": seen.group(1)}
        answer = await client.post(f"/tickets/{tid}", data=sent)
        assert answer.status == 403
        html = await answer.text()
        assert f'name="seen" value="{seen.group(1)}"' in html
        return html

    with rig(settings, clock) as r:
        tid = deliver(r.app, mail(subject="Printer jam on 3F")).ticket_id or 0
        r.serve(lambda c: scenario(c, r, tid))
