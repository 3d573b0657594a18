"""A sign-in link opened again: by the member already signed in (their board, no
error page), twice at once from one browser (a double click, two tabs: both end
signed in), from another browser once it is used (refused, in the page's language),
and spent once only when two requests race for it, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from gateway.web.signin import AGAIN_WITHIN
from store import web_auth
from store.db import transaction
from store.models import WebSession
from tests.support.waiting import PATIENCE
from tests.support.web import CSRF, Rig, asked_link, csrf_of, rig
from tests.test_one_language import findings, readable

MEMBER = "ops@example.test"  # reads English
MEMBER_JA = "ops2@example.test"  # reads Japanese
SESSION = "tg_session"


async def _signed_in_with(client: TestClient[Any, Any], r: Rig, email: str) -> str:
    """Sign ``client`` in as ``email`` with a mailed link; the link's token."""
    csrf = await csrf_of(client)
    token = await asked_link(client, r, email, csrf)
    used = await client.post(f"/sign-in/{token}", data={"csrf": csrf}, allow_redirects=False)
    assert used.status == 303 and used.headers["Location"] == "/board"
    return token


def _drop_session_cookie(client: TestClient[Any, Any]) -> None:
    """The browser kept the CSRF cookie but not the session's: the answer that set it
    was cut off (the first of two clicks, whose navigation the second one cancelled)."""
    jar = client.session.cookie_jar
    kept = {c.key: c.value for c in jar if c.key != SESSION}
    jar.clear()
    jar.update_cookies(kept, client.make_url("/"))


@asynccontextmanager
async def _other_browser(client: TestClient[Any, Any]) -> AsyncIterator[aiohttp.ClientSession]:
    """A second browser (cookies of its own) on the same server."""
    async with aiohttp.ClientSession(
        base_url=client.make_url("/"), cookie_jar=aiohttp.CookieJar(unsafe=True)
    ) as other:
        yield other


def _sessions(app: App) -> int:
    with transaction(app.sessions) as s:
        return int(s.scalar(select(func.count()).select_from(WebSession)) or 0)


def test_the_member_signed_in_who_opens_a_link_again_is_taken_to_the_board(
    settings: Settings, clock: FakeClock
) -> None:
    """The link found again in the mailbox the next morning, or clicked once more: used
    or not, it is the member's own, and they are on their board, not on an error page."""

    async def scenario(client: TestClient[Any, Any], r: Rig) -> None:
        used = await _signed_in_with(client, r, MEMBER)
        opened = await client.get(f"/sign-in/{used}", allow_redirects=False)
        assert (opened.status, opened.headers.get("Location")) == (303, "/board")
        csrf = await csrf_of(client, "/board")
        posted = await client.post(f"/sign-in/{used}", data={"csrf": csrf}, allow_redirects=False)
        assert (posted.status, posted.headers.get("Location")) == (303, "/board")
        unused = await asked_link(client, r, MEMBER, csrf)
        opened = await client.get(f"/sign-in/{unused}", allow_redirects=False)
        assert (opened.status, opened.headers.get("Location")) == (303, "/board")
        assert (await client.get("/board", allow_redirects=False)).status == 200
        assert _sessions(r.app) == 1  # no second session for the same browser
        clock.advance(timedelta(hours=2))  # both links expired, the session lasts
        await asked_link(client, r, MEMBER_JA, csrf)  # expired links are purged then
        opened = await client.get(f"/sign-in/{used}", allow_redirects=False)
        assert (opened.status, opened.headers.get("Location")) == (303, "/board")

    with rig(settings, clock) as r:
        r.serve(lambda c: scenario(c, r))


def test_a_used_link_of_another_member_is_refused_in_the_pages_language(
    settings: Settings, clock: FakeClock
) -> None:
    """Opened by a member signed in as someone else: refused at once (no button that
    can only fail), in that member's language, and they stay signed in as themselves."""

    async def scenario(client: TestClient[Any, Any], r: Rig) -> list[tuple[int, str]]:
        theirs = await _signed_in_with(client, r, MEMBER)  # in another browser, say
        client.session.cookie_jar.clear()
        await _signed_in_with(client, r, MEMBER_JA)
        seen = []
        opened = await client.get(f"/sign-in/{theirs}")
        seen.append((opened.status, await opened.text()))
        csrf_ja = await csrf_of(client, "/board")
        posted = await client.post(f"/sign-in/{theirs}", data={"csrf": csrf_ja})
        seen.append((posted.status, await posted.text()))
        board = await client.get("/board", allow_redirects=False)
        assert board.status == 200  # still signed in, as themselves
        return seen

    with rig(settings, clock) as r:
        seen = r.serve(lambda c: scenario(c, r))
    for status, html in seen:
        assert status == 400
        assert 'lang="ja"' in html and "このリンクはもう使えません" in html
        said = re.search(r'id="still-signed-in">([^<]*)<a href="/board">', html)
        assert said and "Ops Two" in said.group(1)  # who they still are, where to go on
        text = readable(re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S), True)
        assert findings(text, "ja", ["Ops Two", MEMBER_JA]) == []


def test_a_used_link_opened_by_someone_signed_out_is_refused_before_any_button(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any], r: Rig) -> tuple[int, str]:
        token = await _signed_in_with(client, r, MEMBER)
        async with _other_browser(client) as elsewhere:
            opened = await elsewhere.get(f"/sign-in/{token}", headers={"Accept-Language": "en"})
            return opened.status, await opened.text()

    with rig(settings, clock) as r:
        status, html = r.serve(lambda c: scenario(c, r))
    assert status == 400 and "This link does not work any more" in html
    assert 'id="sign-in"' not in html and 'href="/sign-in"' in html


def test_two_clicks_at_once_on_one_link_both_end_signed_in(
    settings: Settings, clock: FakeClock
) -> None:
    """A double click on the button, or the link opened in two tabs of one browser: the
    answer the browser shows last must not be an error, whichever request came second."""

    async def scenario(client: TestClient[Any, Any], r: Rig) -> None:
        csrf = await csrf_of(client)
        token = await asked_link(client, r, MEMBER, csrf)

        async def click() -> tuple[int, str, bool]:
            answer = await client.post(
                f"/sign-in/{token}", data={"csrf": csrf}, allow_redirects=False
            )
            return answer.status, answer.headers.get("Location", ""), SESSION in answer.cookies

        assert await asyncio.gather(click(), click()) == [(303, "/board", True)] * 2
        assert (await client.get("/board", allow_redirects=False)).status == 200

    with rig(settings, clock) as r:
        r.serve(lambda c: scenario(c, r))


def test_a_second_click_whose_first_answer_was_lost_signs_in_from_that_browser_only(
    settings: Settings, clock: FakeClock
) -> None:
    """The second click's request went after the first answer was sent, but the browser
    dropped that answer (the second click cancelled its navigation): the same browser
    is signed in again for a few seconds; another browser, or later, is refused."""

    async def scenario(client: TestClient[Any, Any], r: Rig) -> list[int]:
        statuses = []
        csrf = await csrf_of(client)
        token = await asked_link(client, r, MEMBER, csrf)
        for _ in range(2):
            answer = await client.post(
                f"/sign-in/{token}", data={"csrf": csrf}, allow_redirects=False
            )
            statuses.append(answer.status)
            _drop_session_cookie(client)
        async with _other_browser(client) as elsewhere:
            other_csrf = CSRF.search(await (await elsewhere.get("/sign-in")).text())
            assert other_csrf
            answer = await elsewhere.post(
                f"/sign-in/{token}", data={"csrf": other_csrf.group(1)}, allow_redirects=False
            )
            statuses.append(answer.status)
        clock.advance(AGAIN_WITHIN + timedelta(seconds=1))
        answer = await client.post(f"/sign-in/{token}", data={"csrf": csrf}, allow_redirects=False)
        statuses.append(answer.status)
        return statuses

    with rig(settings, clock) as r:
        assert r.serve(lambda c: scenario(c, r)) == [303, 303, 400, 400]
        assert _sessions(r.app) == 2


def _second_request(app: App, token: str, now: datetime, browser: str, got: list[Any]) -> None:
    """Try to spend the link; then whose it is if ``browser`` spent it, else None."""
    with transaction(app.sessions) as s:
        if web_auth.use_sign_in_link(s, token, now, browser) is not None:
            got.append("spent twice")
        link = web_auth.sign_in_link(s, token)
        assert link is not None
        got.append(link.member if link.used_by == web_auth.token_hash(browser) else None)


def test_a_link_is_spent_once_when_two_requests_race_for_it(app: App, clock: FakeClock) -> None:
    """The second request waits for the first's commit and then finds the link spent: it
    never reads "unused" before the first commits and spends it a second time. The same
    browser is told whose link it spent (it signs in again); another is not."""
    now = clock.now()
    for browser, second_gets in (("browser-b", None), ("browser-a", MEMBER)):
        token = f"{browser}-token"
        with transaction(app.sessions) as s:
            web_auth.add_sign_in_link(s, token, MEMBER, now, now + timedelta(minutes=15))
        got: list[Any] = []
        racer = threading.Thread(target=_second_request, args=(app, token, now, browser, got))
        with app.sessions() as first, first.begin():
            assert web_auth.use_sign_in_link(first, token, now, "browser-a") == MEMBER
            racer.start()
            time.sleep(0.5)
            assert racer.is_alive()  # it waits for the first's commit: a race indeed
        racer.join(PATIENCE)
        assert got == [second_gets]
