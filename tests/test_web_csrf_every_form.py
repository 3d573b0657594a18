"""Every form of the pages, posted after the browser lost its CSRF cookie (cookies of the
site cleared in part, a browser restarted, an old tab), answers as the ticket's buttons
do: nothing changed, a page in the reader's language that says so, what was typed shown
back and a fresh token, so that pressing again works. Merge and unmerge, the sign-in
forms and sign-out answered the bare "Not allowed" page, which lost the typed target or
address and did not say what to do.

The routes are enumerated from the router: a POST route added later fails here until
its answer is listed in :data:`FORMS`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.i18n import N_, translate
from gateway.web.app import make_app
from store import web_auth
from store.db import transaction
from tests.support.databases import sqlite_only
from tests.support.mails import mail
from tests.support.pipeline import deliver, inbox_rows, outbox, show
from tests.support.web import CSRF, Rig, asked_link, csrf_of, form_of, printer_form, rig, sign_in

MEMBER = "ops@example.test"
EXPIRED = N_(
    "For your security nothing was changed: the page had expired (the browser had lost"
    " part of its cookies). Press the button below to do it again."
)
GENERIC = N_(
    "The form was too old or came from another site. Please open the page again and"
    " send it once more."
)


def _lose_csrf_cookie(client: TestClient[Any, Any]) -> None:
    client.session.cookie_jar.clear(lambda c: c.key == "tg_csrf")


def _fresh(html: str, old: str) -> str:
    found = CSRF.search(html)
    assert found and found.group(1) != old, "no new token to press again with"
    return found.group(1)


def _said(html: str, lang: str, msgid: str = EXPIRED) -> None:
    assert 'role="alert"' in html and translate(msgid, lang) in html, html
    assert translate(GENERIC, lang) not in html  # not the bare error page


# Each form: the lost cookie's answer checked (nothing done, the typed thing kept), then
# the form pressed again with the answer's token, and what that did checked.
Check = Callable[[TestClient[Any, Any], Rig], Awaitable[None]]


async def _merge(client: TestClient[Any, Any], r: Rig) -> None:
    await sign_in(client, r, MEMBER)
    old = await csrf_of(client, "/tickets/2?lang=ja")
    _lose_csrf_cookie(client)
    sent = {"target": "＃１", "csrf": old}
    answer = await client.post("/tickets/2/merge", data=sent, allow_redirects=False)
    html = await answer.text()
    assert answer.status == 403
    _said(html, "ja")
    assert 'action="/tickets/2/merge"' in html and 'value="＃１"' in html
    assert show(r.app, 2)["merged_into"] is None
    fresh = {**sent, "csrf": _fresh(html, old)}
    again = await client.post("/tickets/2/merge", data=fresh, allow_redirects=False)
    assert again.status == 303 and again.headers["Location"] == "/tickets/1"
    assert show(r.app, 2)["merged_into"] == 1


async def _unmerge(client: TestClient[Any, Any], r: Rig) -> None:
    await sign_in(client, r, MEMBER)
    csrf = await csrf_of(client, "/tickets/2")
    merged = await client.post("/tickets/2/merge", data={"target": "1", "csrf": csrf})
    assert merged.status == 200 and show(r.app, 2)["merged_into"] == 1
    old = await csrf_of(client, "/tickets/2?lang=en")
    _lose_csrf_cookie(client)
    answer = await client.post("/tickets/2/unmerge", data={"csrf": old}, allow_redirects=False)
    html = await answer.text()
    assert answer.status == 403
    _said(html, "en")
    assert 'action="/tickets/2/unmerge"' in html
    assert show(r.app, 2)["merged_into"] == 1
    fresh = {"csrf": _fresh(html, old)}
    again = await client.post("/tickets/2/unmerge", data=fresh, allow_redirects=False)
    assert again.status == 303 and again.headers["Location"] == "/tickets/2"
    assert show(r.app, 2)["merged_into"] is None


async def _ticket_button(client: TestClient[Any, Any], r: Rig) -> None:
    await sign_in(client, r, MEMBER)
    old = await csrf_of(client, "/tickets/1?lang=ja")
    _lose_csrf_cookie(client)
    sent = {"action": "note", "note": "電話で確認しました。", "csrf": old}
    answer = await client.post("/tickets/1", data=sent, allow_redirects=False)
    html = await answer.text()
    assert answer.status == 403
    _said(html, "ja")
    assert "電話で確認しました。" in html and show(r.app, 1)["events"][-1]["kind"] != "note"
    again = await client.post(
        "/tickets/1", data={**sent, "csrf": _fresh(html, old)}, allow_redirects=False
    )
    assert again.status == 303 and show(r.app, 1)["events"][-1]["kind"] == "note"


async def _intake(client: TestClient[Any, Any], r: Rig) -> None:
    csrf, token = await form_of(client, "printer")
    _lose_csrf_cookie(client)
    sent = printer_form(csrf, token, "会議室Aのプロジェクターが映りません。")
    answer = await client.post("/new/printer", data=sent, headers={"Accept-Language": "ja"})
    html = await answer.text()
    assert answer.status == 403 and len(inbox_rows(r.app)) == 2
    assert translate(GENERIC, "ja") not in html and "プロジェクター" in html
    again = await client.post(
        "/new/printer", data={**sent, "csrf": _fresh(html, csrf)}, allow_redirects=False
    )
    assert again.status == 303 and len(inbox_rows(r.app)) == 3


async def _ask_for_link(client: TestClient[Any, Any], r: Rig) -> None:
    old = await csrf_of(client, "/sign-in?lang=ja")
    _lose_csrf_cookie(client)
    sent = {"email": MEMBER, "csrf": old}
    answer = await client.post("/sign-in", data=sent)
    html = await answer.text()
    assert answer.status == 403
    _said(html, "ja")
    assert f'value="{MEMBER}"' in html and 'action="/sign-in"' in html
    assert not outbox(r.app, "sign_in")
    fresh = _fresh(html, old)
    assert await asked_link(client, r, MEMBER, fresh)  # pressed again: the link is mailed


async def _use_link(client: TestClient[Any, Any], r: Rig) -> None:
    old = await csrf_of(client, "/sign-in?lang=en")
    token = await asked_link(client, r, MEMBER, old)
    _lose_csrf_cookie(client)
    answer = await client.post(f"/sign-in/{token}", data={"csrf": old}, allow_redirects=False)
    html = await answer.text()
    assert answer.status == 403
    _said(html, "en")
    assert f'action="/sign-in/{token}"' in html
    with transaction(r.app.sessions) as s:
        link = web_auth.sign_in_link(s, token)
        assert link is not None and link.used_at is None  # not spent by the refused press
    again = await client.post(
        f"/sign-in/{token}", data={"csrf": _fresh(html, old)}, allow_redirects=False
    )
    assert again.status == 303 and again.headers["Location"] == "/board"
    assert (await client.get("/tickets", allow_redirects=False)).status == 200


async def _sign_out(client: TestClient[Any, Any], r: Rig) -> None:
    await sign_in(client, r, MEMBER)
    old = await csrf_of(client, "/board?lang=ja")
    _lose_csrf_cookie(client)
    sent = {"then": "sign-in", "csrf": old}
    answer = await client.post("/sign-out", data=sent, allow_redirects=False)
    html = await answer.text()
    assert answer.status == 403
    _said(html, "ja")
    assert 'action="/sign-out"' in html and 'name="then" value="sign-in"' in html
    assert (await client.get("/tickets", allow_redirects=False)).status == 200  # still in
    again = await client.post(
        "/sign-out", data={**sent, "csrf": _fresh(html, old)}, allow_redirects=False
    )
    assert again.status == 303 and again.headers["Location"] == "/sign-in"
    assert (await client.get("/tickets", allow_redirects=False)).status == 303  # out


FORMS: dict[str, Check] = {
    "/tickets/{id}": _ticket_button,  # assign, wait, open, close, note, approve
    "/tickets/{id}/merge": _merge,
    "/tickets/{id}/unmerge": _unmerge,
    "/new/{entry}": _intake,  # a catalog entry's form (its own words: tests/test_web_csrf_kept)
    "/sign-in": _ask_for_link,
    "/sign-in/{token}": _use_link,
    "/sign-out": _sign_out,
}


def _post_routes(r: Rig) -> set[str]:
    return {
        str(route.resource.canonical)
        for route in make_app(r.ctx).router.routes()
        if route.method == "POST" and route.resource is not None
    }


@sqlite_only
def test_every_post_form_is_listed_here(settings: Settings, clock: FakeClock) -> None:
    with rig(settings, clock) as r:
        assert _post_routes(r) == set(FORMS)


@sqlite_only
@pytest.mark.parametrize("route", list(FORMS))
def test_each_form_after_a_lost_cookie_changes_nothing_says_so_and_works_again(
    settings: Settings, clock: FakeClock, route: str
) -> None:
    with rig(settings, clock) as r:
        deliver(r.app, mail(subject="Printer jam on 3F", message_id="<a@c.test>"))
        deliver(r.app, mail(subject="Printer jam again", message_id="<b@c.test>"))
        r.serve(lambda c: FORMS[route](c, r))
