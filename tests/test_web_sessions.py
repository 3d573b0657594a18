"""Sessions the server keeps, not only the cookie the browser holds: signing in as
another member in a browser that held a session ends that session, and a member's
other sign-in links stop working once one of them signs them in. On SQLite and
PostgreSQL, against a real aiohttp server."""

from __future__ import annotations

import socket
from dataclasses import replace
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient

from gateway.config.settings import Member, Settings
from gateway.core.clock import FakeClock
from gateway.web.server import WebServer
from tests.support.app import MEMBERS
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


def _board_over_socket(port: int, token: str) -> bytes:
    asked = (
        f"GET /board HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {SESSION}={token}\r\n"
        "Connection: close\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(asked.encode())
        data = b""
        while chunk := conn.recv(65_536):
            data += chunk
    return data.split(b" ", 2)[1]


def test_a_member_removed_from_the_config_is_signed_out_for_good(
    settings: Settings, clock: FakeClock
) -> None:
    """Removed from ``[[members]]`` (a lost laptop, someone who left), the member's
    session was refused only while they stayed removed: its row lived on to its expiry,
    and added back the next hour (or their address written back after a typo) the old
    cookie, wherever it was, signed them in again. The daemon that starts without them
    ends their sessions."""

    async def signed_in(client: TestClient[Any, Any], r: Rig) -> str:
        csrf = await csrf_of(client)
        token = await asked_link(client, r, MEMBER_A, csrf)
        await client.post(f"/sign-in/{token}", data={"csrf": csrf}, allow_redirects=False)
        return _session_of(client)

    def board_with(r: Rig, members: tuple[Member, ...], token: str) -> bytes:
        ctx = replace(r.ctx, settings=replace(r.ctx.settings, members=members))
        server = WebServer(ctx, "127.0.0.1", 0)
        server.start()
        try:
            return _board_over_socket(server.port, token)
        finally:
            server.stop()

    with rig(settings, clock) as r:
        token = r.serve(lambda c: signed_in(c, r))
        without = tuple(m for m in MEMBERS if m.email != MEMBER_A)
        assert board_with(r, without, token) == b"303"
        assert board_with(r, MEMBERS, token) == b"303"  # back in the team: not signed in
