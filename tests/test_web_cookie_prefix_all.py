"""Behind https every cookie of ours has the ``__Host-`` prefix, not only the session's
and the CSRF token's: the page a member asked for before signing in (``tg_next``) and
the language chosen with the switch (``tg_lang``) too. A neighbouring host
(``*.example.test``, ``Domain=`` of the parent domain) can set a plain ``tg_next``,
which must not choose where a member lands after signing in; a plain ``tg_lang`` left
from before the prefix keeps the reader's language once and is then renamed.

The client's cookie jar treats the test server as a secure origin, as a browser treats
the https address of the proxy in front of the pages."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiohttp import CookieJar
from aiohttp.test_utils import TestClient, TestServer

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.web.app import make_app
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.web import Rig, asked_link, csrf_of, rig

MEMBER = "ops@example.test"
HTTPS = "https://help.example.test"
T = TypeVar("T")


def _serve(r: Rig, scenario: Callable[[TestClient[Any, Any]], Awaitable[T]]) -> T:
    """``scenario`` with a client whose jar keeps and sends ``Secure`` cookies."""

    async def run() -> T:
        server = TestServer(make_app(r.ctx))
        await server.start_server()
        origin = str(server.make_url("/").origin())
        jar = CookieJar(unsafe=True, treat_as_secure_origin=[origin])
        async with TestClient(server, cookie_jar=jar) as client:
            return await scenario(client)

    return asyncio.run(run())


def _set(answer: Any, name: str) -> list[str]:
    return [c for c in answer.headers.getall("Set-Cookie", []) if c.startswith(f"{name}=")]


async def _sign_in(client: TestClient[Any, Any], r: Rig) -> str:
    """Use a fresh sign-in link; where the member is sent then."""
    csrf = await csrf_of(client)
    token = await asked_link(client, r, MEMBER, csrf)
    used = await client.post(f"/sign-in/{token}", data={"csrf": csrf}, allow_redirects=False)
    assert used.status == 303
    return str(used.headers["Location"])


def test_behind_https_the_page_to_return_to_is_host_only_and_a_planted_one_is_not_read(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any], r: Rig, tid: int) -> list[Any]:
        asked = await client.get(f"/tickets/{tid}", allow_redirects=False)
        remembered = _set(asked, "__Host-tg_next") + _set(asked, "tg_next")
        lands = await _sign_in(client, r)
        # a neighbouring host's cookie (Domain=.example.test): sent under the plain name
        jar = client.session.cookie_jar
        jar.update_cookies({"tg_next": f"/tickets/{tid}/merge"}, client.make_url("/"))
        planted = await _sign_in(client, r)
        return [remembered, lands, planted]

    with rig(settings, clock, base_url=HTTPS) as r:
        tid = deliver(r.app, mail(subject="Printer jam on 3F")).ticket_id or 0
        remembered, lands, planted = _serve(r, lambda c: scenario(c, r, tid))
    assert len(remembered) == 1 and remembered[0].startswith(f'__Host-tg_next="/tickets/{tid}";')
    assert all(a in remembered[0] for a in ("Secure", "HttpOnly", "Path=/", "SameSite=Lax"))
    assert "Domain" not in remembered[0]
    assert (lands, planted) == (f"/tickets/{tid}", "/board")


def test_behind_https_the_language_is_host_only_and_an_old_choice_is_kept_once(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any]) -> list[Any]:
        switched = await client.get("/?lang=en", headers={"Accept-Language": "ja"})
        chosen = _set(switched, "__Host-tg_lang") + _set(switched, "tg_lang")
        client.session.cookie_jar.clear()
        # a browser that chose English before the prefix: its cookie under the plain name
        client.session.cookie_jar.update_cookies({"tg_lang": "en"}, client.make_url("/"))
        old = await client.get("/", headers={"Accept-Language": "ja"})
        renamed = [_set(old, "__Host-tg_lang"), _set(old, "tg_lang")]
        later = await client.get("/", headers={"Accept-Language": "ja"})
        names = sorted(c.key for c in client.session.cookie_jar)
        english = ['<html lang="en"' in await a.text() for a in (old, later)]
        return [chosen, english, renamed, names]

    with rig(settings, clock, base_url=HTTPS) as r:
        chosen, english, renamed, names = _serve(r, scenario)
    assert len(chosen) == 1 and chosen[0].startswith("__Host-tg_lang=en;")
    assert "Secure" in chosen[0] and "Domain" not in chosen[0]
    assert english == [True, True]  # the old choice kept, then under the new name
    assert renamed[0] and renamed[0][0].startswith("__Host-tg_lang=en;")
    assert renamed[1] and "Max-Age=0" in renamed[1][0]  # the plain name expired
    assert "tg_lang" not in names and "__Host-tg_lang" in names
