"""A member whose session ended (or who was never signed in) and who opened a
ticket's address lands on that ticket after signing in, not on the board: the
link a colleague pasted, a bookmark, the page left open overnight. Only our own
paths are returned to."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.mails import mail
from tests.support.pipeline import deliver, show
from tests.support.web import Rig, asked_link, csrf_of, rig, sign_in

MEMBER = "ops@example.test"


def test_signing_in_returns_to_the_page_that_asked_for_it(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any], r: Rig, tid: int) -> None:
        asked = await client.get(f"/tickets/{tid}", allow_redirects=False)
        assert asked.status == 303 and asked.headers["Location"] == "/sign-in"
        await sign_in(client, r, MEMBER, lands=f"/tickets/{tid}")
        clock.advance(timedelta(hours=12, minutes=1))  # the session ends overnight
        again = await client.get("/tickets?state=open&q=jam", allow_redirects=False)
        assert again.headers["Location"] == "/sign-in"
        await sign_in(client, r, MEMBER, lands="/tickets?state=open&q=jam")
        await sign_in(client, r, MEMBER)  # once used, the board again

    with rig(settings, clock) as r:
        tid = deliver(r.app, mail(subject="Printer jam on 3F")).ticket_id or 0
        r.serve(lambda c: scenario(c, r, tid))


def test_only_our_own_paths_are_returned_to(settings: Settings, clock: FakeClock) -> None:
    async def scenario(client: TestClient[Any, Any], r: Rig) -> None:
        client.session.cookie_jar.update_cookies({"tg_next": "//evil.test/x"})
        await sign_in(client, r, MEMBER)

    with rig(settings, clock) as r:
        r.serve(lambda c: scenario(c, r))


def test_a_control_character_in_the_remembered_page_does_not_lead_away(
    settings: Settings, clock: FakeClock
) -> None:
    """A cookie set by a neighbouring host (``Domain=`` of a parent domain) or over plain
    http may hold a quoted ``\\011``, which reads back as a tab: ``/<tab>/evil.test``
    looks like a path of ours, but a browser drops the tab and goes to evil.test."""

    async def scenario(client: TestClient[Any, Any], r: Rig) -> None:
        for tossed in ('"/\\011/evil.test/x"', '"/\\015\\012/evil.test"'):
            csrf = await csrf_of(client)
            token = await asked_link(client, r, MEMBER, csrf)
            jar = client.session.cookie_jar.filter_cookies(client.make_url("/"))
            cookies = f"tg_csrf={jar['tg_csrf'].value}; tg_next={tossed}"  # as the browser sends it
            used = await client.post(
                f"/sign-in/{token}",
                data={"csrf": csrf},
                headers={"Cookie": cookies},
                allow_redirects=False,
            )
            assert used.status == 303 and used.headers["Location"] == "/board", tossed

    with rig(settings, clock) as r:
        r.serve(lambda c: scenario(c, r))


def test_a_note_sent_after_the_session_ended_is_shown_back_not_lost(
    settings: Settings, clock: FakeClock
) -> None:
    """The member wrote a long note and pressed "Add note" after the session ended:
    the sign-in page holds it for them to copy, and signing in leads back to the ticket."""
    note = "電話で確認しました。\n来週の月曜に交換予定。"

    async def scenario(client: TestClient[Any, Any], r: Rig, tid: int) -> str:
        from tests.support.web import csrf_of

        await sign_in(client, r, MEMBER)
        csrf = await csrf_of(client, f"/tickets/{tid}")
        clock.advance(timedelta(hours=12, minutes=1))
        sent = await client.post(
            f"/tickets/{tid}", data={"action": "note", "note": note, "csrf": csrf}
        )
        assert sent.status == 401
        html = await sent.text()
        await sign_in(client, r, MEMBER, lands=f"/tickets/{tid}")
        return html

    with rig(settings, clock) as r:
        tid = deliver(r.app, mail(subject="Printer jam on 3F")).ticket_id or 0
        html = r.serve(lambda c: scenario(c, r, tid))
        detail = show(r.app, tid)
    assert note in html and 'id="kept-note"' in html and "/sign-in" in html
    # the box is named by the words above it (a screen reader read "edit text, read only")
    said = re.search(r'<p class="error" role="alert" id="([\w-]+)">', html)
    assert said and f'<textarea id="kept-note" aria-labelledby="{said.group(1)}"' in html
    assert not [e for e in detail["events"] if e["kind"] == "note"]


def test_close_with_a_note_after_the_session_ended_says_neither_was_done(
    settings: Settings, clock: FakeClock
) -> None:
    """The note box goes with every button now: "Close" pressed with a note typed, after
    the session ended, showed only "your note was not saved", as if the close had been
    made. The page says both: the note to copy, and that nothing was changed."""

    async def scenario(client: TestClient[Any, Any], r: Rig, tid: int) -> str:
        from tests.support.web import csrf_of

        await sign_in(client, r, MEMBER)
        csrf = await csrf_of(client, f"/tickets/{tid}")
        clock.advance(timedelta(hours=12, minutes=1))
        sent = {"action": "close", "reason": "resolved", "note": "交換済み", "csrf": csrf}
        answer = await client.post(f"/tickets/{tid}", data=sent)
        assert answer.status == 401
        return await answer.text()

    with rig(settings, clock) as r:
        tid = deliver(r.app, mail(subject="Printer jam on 3F")).ticket_id or 0
        html = r.serve(lambda c: scenario(c, r, tid))
        state = show(r.app, tid)["state"]
    assert 'id="kept-note"' in html and "交換済み" in html
    assert "何も変更していません" in html  # signed out: the gateway's language
    assert state != "closed"
