"""Every POST the pages take, enumerated from the router (a route added later is
tested too): none does anything without the visitor's CSRF token, and a member's
button pressed after the session ended says that nothing was done, in the page's
language, instead of a bare trip to the sign-in page that looked like success."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.i18n import N_, translate
from gateway.web.app import make_app
from tests.support.databases import sqlite_only
from tests.support.mails import mail
from tests.support.pipeline import deliver, inbox_rows, show
from tests.support.web import Rig, csrf_of, rig, sign_in

MEMBER = "ops@example.test"
PUBLIC = {"/new/{entry}", "/sign-in", "/sign-in/{token}", "/sign-out"}  # anyone posts these
# what each member's button posts (the fields the ticket page's forms send)
PRESSED: dict[str, dict[str, str]] = {
    "/tickets/{id}": {"action": "close", "reason": "resolved"},
    "/tickets/{id}/merge": {"target": "2"},
    "/tickets/{id}/unmerge": {},
}
ENDED = N_("Your session had ended, so nothing was changed. Sign in and do it again.")


def _post_routes(r: Rig) -> set[str]:
    app = make_app(r.ctx)
    return {
        str(route.resource.canonical)
        for route in app.router.routes()
        if route.method == "POST" and route.resource is not None
    }


def _path(route: str, tid: int) -> str:
    return re.sub(r"\{\w+\}", lambda m: str(tid) if m.group(0) == "{id}" else "other", route)


@sqlite_only
def test_no_post_route_acts_without_the_csrf_token(settings: Settings, clock: FakeClock) -> None:
    async def scenario(client: TestClient[Any, Any], r: Rig, routes: set[str]) -> dict[str, Any]:
        await sign_in(client, r, MEMBER)
        out = {}
        for route in sorted(routes):
            fields = {**PRESSED.get(route, {}), "email": MEMBER, "subject": "s"}
            for csrf in (None, "0" * 32):
                sent = fields if csrf is None else {**fields, "csrf": csrf}
                answer = await client.post(_path(route, 1), data=sent, allow_redirects=False)
                out[f"{route} {csrf}"] = answer.status
        return out

    with rig(settings, clock) as r:
        deliver(r.app, mail(subject="Printer jam on 3F"))
        deliver(r.app, mail(subject="VPN does not connect"))
        routes = _post_routes(r)
        assert PUBLIC | set(PRESSED) <= routes, routes  # the enumeration finds them
        statuses = r.serve(lambda c: scenario(c, r, routes))
        ticket = show(r.app, 1)
        rows = inbox_rows(r.app)
    assert set(statuses.values()) == {403}, statuses
    assert ticket["state"] == "new" and ticket["merged_into"] is None
    assert len(rows) == 2  # the two mails: no form stored


@sqlite_only
def test_a_button_pressed_after_the_session_ended_says_nothing_was_done(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any], r: Rig, routes: set[str]) -> list[Any]:
        await sign_in(client, r, MEMBER)
        csrf = await csrf_of(client, "/tickets/1")
        clock.advance(timedelta(hours=12, minutes=1))  # left open overnight
        out = []
        for route in sorted(routes - PUBLIC):
            for lang in ("ja", "en"):
                answer = await client.post(
                    _path(route, 1),
                    data={**PRESSED.get(route, {}), "csrf": csrf},
                    headers={"Accept-Language": lang},
                    allow_redirects=False,
                )
                out.append((route, lang, answer.status, await answer.text()))
        return out

    with rig(settings, clock) as r:
        deliver(r.app, mail(subject="Printer jam on 3F"))
        deliver(r.app, mail(subject="VPN does not connect"))
        answers = r.serve(lambda c: scenario(c, r, _post_routes(r)))
        ticket = show(r.app, 1)
    assert {route for route, *_ in answers} >= set(PRESSED)
    for route, lang, status, html in answers:
        assert status == 401, (route, lang)
        assert translate(ENDED, lang) in html, (route, lang)
        assert 'action="/sign-in"' in html
    assert ticket["state"] == "new" and ticket["merged_into"] is None
