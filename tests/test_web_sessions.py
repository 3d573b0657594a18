"""Sessions the server keeps, not only the cookie the browser holds: signing in as
another member in a browser that held a session ends that session, and a member's
other sign-in links stop working once one of them signs them in. On SQLite and
PostgreSQL, against a real aiohttp server."""

from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.web import Rig, asked_link, csrf_of, rig

MEMBER_A = "ops@example.test"
MEMBER_B = "ops2@example.test"
SESSION = "tg_session"


def _session_of(client: TestClient[Any, Any]) -> str:
    return next(c.value for c in client.session.cookie_jar if c.key == SESSION)


async def _board_with(client: TestClient[Any, Any], token: str) -> int:
    """The status of /board asked with the session cookie ``token`` alone (a browser
    of its own: no cookie jar)."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as other:
        answer = await other.get(
            client.make_url("/board"),
            headers={"Cookie": f"{SESSION}={token}"},
            allow_redirects=False,
        )
        return answer.status


def test_signing_in_as_another_member_ends_the_session_the_browser_held(
    settings: Settings, clock: FakeClock
) -> None:
    """A's session stayed valid on the server after B signed in in the same browser:
    anyone who had copied A's cookie (or the browser's back-up of it) was still A for
    the rest of the 12 hours, although the browser had left it."""

    async def scenario(client: TestClient[Any, Any], r: Rig) -> tuple[int, int, int]:
        csrf = await csrf_of(client)
        token = await asked_link(client, r, MEMBER_A, csrf)
        await client.post(f"/sign-in/{token}", data={"csrf": csrf}, allow_redirects=False)
        held_a = _session_of(client)
        before = await _board_with(client, held_a)
        csrf = await csrf_of(client, "/board")  # the token is bound to A's session now
        token = await asked_link(client, r, MEMBER_B, csrf)
        used = await client.post(f"/sign-in/{token}", data={"csrf": csrf}, allow_redirects=False)
        assert used.status == 303 and _session_of(client) != held_a
        return (
            before,
            await _board_with(client, held_a),
            await _board_with(client, _session_of(client)),
        )

    with rig(settings, clock) as r:
        before, a_after, b_after = r.serve(lambda c: scenario(c, r))
    assert (before, a_after, b_after) == (200, 303, 200)


def test_a_members_other_links_stop_working_once_one_signed_them_in(
    settings: Settings, clock: FakeClock
) -> None:
    """Each ask mails a link that works for 15 minutes: after one signed the member
    in, the others in the mailbox (or in a forwarded copy, another browser's) still
    started sessions of their own."""

    async def scenario(client: TestClient[Any, Any], r: Rig) -> int:
        csrf = await csrf_of(client)
        first = await asked_link(client, r, MEMBER_A, csrf)
        second = await asked_link(client, r, MEMBER_A, csrf)
        used = await client.post(f"/sign-in/{second}", data={"csrf": csrf}, allow_redirects=False)
        assert used.status == 303
        client.session.cookie_jar.clear()  # another browser
        csrf = await csrf_of(client)
        other = await client.post(f"/sign-in/{first}", data={"csrf": csrf}, allow_redirects=False)
        return other.status

    with rig(settings, clock) as r:
        assert r.serve(lambda c: scenario(c, r)) == 400
