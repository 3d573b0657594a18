"""A member already signed in who opens ``/sign-in`` (a bookmark, the header's link in
an old tab, the link in a mail that asked them to sign in) is taken on: to the page they
were going to, else the board, not shown a form to sign in again. Signing in as someone
else is asked for explicitly: a button that signs out first, then the form."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.web import CSRF, Rig, csrf_of, rig, sign_in

MEMBER = "ops@example.test"
OTHER = "ops2@example.test"


def _remember(client: TestClient[Any, Any], path: str) -> None:
    """The page a sign-in was asked for, as the server sets it (for this host)."""
    client.session.cookie_jar.update_cookies({"tg_next": path}, response_url=client.make_url("/"))


def test_a_member_signed_in_is_taken_to_the_board_or_where_they_were_going(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any], r: Rig, tid: int) -> None:
        await sign_in(client, r, MEMBER)
        opened = await client.get("/sign-in", allow_redirects=False)
        assert opened.status == 303 and opened.headers["Location"] == "/board"
        # a page asked for before (another tab whose session had not been seen yet)
        _remember(client, f"/tickets/{tid}")
        opened = await client.get("/sign-in", allow_redirects=False)
        assert opened.status == 303 and opened.headers["Location"] == f"/tickets/{tid}"
        again = await client.get("/sign-in", allow_redirects=False)  # used once: the board
        assert again.headers["Location"] == "/board"
        # a remembered place that is not ours is not followed
        _remember(client, "//evil.test/x")
        away = await client.get("/sign-in", allow_redirects=False)
        assert away.headers["Location"] == "/board"

    with rig(settings, clock) as r:
        tid = deliver(r.app, mail(subject="Printer jam on 3F")).ticket_id or 0
        r.serve(lambda c: scenario(c, r, tid))


def test_signing_in_as_someone_else_signs_out_first_then_shows_the_form(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any], r: Rig) -> None:
        await sign_in(client, r, MEMBER)
        csrf = await csrf_of(client, "/board")
        switched = await client.post(
            "/sign-out", data={"csrf": csrf, "then": "sign-in"}, allow_redirects=False
        )
        assert switched.status == 303 and switched.headers["Location"] == "/sign-in"
        form = await client.get("/sign-in", allow_redirects=False)
        html = await form.text()
        assert form.status == 200 and 'id="email"' in html and "/sign-out" not in html
        await sign_in(client, r, OTHER)
        board = await (await client.get("/board")).text()
        assert "Ops Two" in board and "Ops One" not in board
        # any other "then" is no place to go: the start page, as a plain sign-out
        csrf = await csrf_of(client, "/board")
        out = await client.post(
            "/sign-out", data={"csrf": csrf, "then": "//evil.test"}, allow_redirects=False
        )
        assert out.headers["Location"] == "/"

    with rig(settings, clock) as r:
        r.serve(lambda c: scenario(c, r))


def test_the_dead_link_page_offers_the_switch_to_a_member_signed_in(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any], r: Rig) -> str:
        await sign_in(client, r, MEMBER)
        dead = await client.get("/sign-in/" + "x" * 43)
        return await dead.text()

    with rig(settings, clock) as r:
        html = r.serve(lambda c: scenario(c, r))
    assert 'name="then" value="sign-in"' in html and CSRF.search(html)
