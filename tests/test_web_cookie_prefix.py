"""Behind https the session and CSRF cookies carry the ``__Host-`` prefix: a browser
takes such a cookie only from a secure answer of this very host, with ``Path=/`` and no
``Domain``, so a neighbouring host (``*.example.test``) or a plain-http answer cannot set
one, and a session cookie planted that way (a fixation) signs nobody in."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from store import web_auth
from store.db import transaction
from tests.support.web import rig

MEMBER = "ops@example.test"
HTTPS = "https://help.example.test"


async def _met(client: TestClient[Any, Any], token: str) -> tuple[list[str], int, int]:
    """(the Set-Cookie lines of the sign-in page, /board's status with the session
    under its plain name, and under its prefixed name)."""
    page = await client.get("/sign-in")
    set_cookie = page.headers.getall("Set-Cookie", [])
    client.session.cookie_jar.clear()
    statuses = []
    for name in ("tg_session", "__Host-tg_session"):
        board = await client.get(
            "/board", headers={"Cookie": f"{name}={token}"}, allow_redirects=False
        )
        statuses.append(board.status)
    return set_cookie, statuses[0], statuses[1]


def test_behind_https_the_session_and_csrf_cookies_are_host_only(
    settings: Settings, clock: FakeClock
) -> None:
    with rig(settings, clock, base_url=HTTPS) as r:
        token = "t" * 43
        now = clock.now()
        with transaction(r.app.sessions) as s:
            web_auth.add_session(s, token, MEMBER, now, now + timedelta(hours=1))
        set_cookie, plain, prefixed = r.serve(lambda client: _met(client, token))
    csrf = [c for c in set_cookie if "tg_csrf=" in c]
    assert csrf and csrf[0].startswith("__Host-tg_csrf="), set_cookie
    assert "Secure" in csrf[0] and "Path=/" in csrf[0] and "Domain" not in csrf[0]
    assert (plain, prefixed) == (303, 200)
