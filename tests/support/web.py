"""The pages under test: an application wired like the daemon's, served by aiohttp's
test server on a loopback port, and a client that keeps cookies like a browser.

``Rig`` is one gateway (its App with a fake clock, the example catalog, the team of
tests/support/app.py) with the web context the daemon would build; ``serve`` runs a
coroutine against it through a real :class:`aiohttp.test_utils.TestServer`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from aiohttp.test_utils import TestClient, TestServer

from gateway.config.settings import CatalogSettings, Member, Settings, WebSettings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from gateway.web.app import make_app
from gateway.web.context import WebContext
from store.accept.contract import InboxAcceptor
from store.accept.generic import open_inbox
from tests.support.app import MEMBERS
from tests.support.catalogs import EXAMPLE

T = TypeVar("T")
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')
FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def web_settings(
    settings: Settings,
    catalog: Path = EXAMPLE,
    members: tuple[Member, ...] = MEMBERS,
    **web: Any,
) -> Settings:
    """The test settings with the team (or ``members``), the example catalog (or
    ``catalog``) and the pages on."""
    return replace(
        settings,
        members=members,
        catalog=CatalogSettings(path=catalog),
        web=WebSettings(enabled=True, port=0, **web),
    )


@dataclass
class Rig:
    app: App
    clock: FakeClock
    ctx: WebContext
    nudges: list[int] = field(default_factory=list)

    def serve(self, scenario: Callable[[TestClient[Any, Any]], Awaitable[T]]) -> T:
        async def run() -> T:
            async with TestClient(TestServer(make_app(self.ctx))) as client:
                return await scenario(client)

        return asyncio.run(run())


@contextmanager
def rig(
    settings: Settings,
    clock: FakeClock,
    acceptor: Callable[[], InboxAcceptor] | None = None,
    catalog: Path = EXAMPLE,
    members: tuple[Member, ...] = MEMBERS,
    **web: Any,
) -> Iterator[Rig]:
    s = web_settings(settings, catalog, members, **web)
    app = build(s, clock)
    nudges: list[int] = []
    ctx = WebContext(
        settings=s,
        sessions=app.sessions,
        clock=clock,
        catalog=lambda: app.catalog.current,
        open_acceptor=acceptor or (lambda: open_inbox(s.database.url, app.sessions)),
        nudge=lambda: nudges.append(1),
    )
    try:
        yield Rig(app, clock, ctx, nudges)
    finally:
        ctx.close()
        app.close()


async def csrf_of(client: TestClient[Any, Any], path: str = "/sign-in") -> str:
    """The CSRF token a page gives this client (its cookie is set on the way)."""
    page = await client.get(path)
    found = CSRF.search(await page.text())
    assert found, "no CSRF field on " + path
    return found.group(1)


async def form_of(client: TestClient[Any, Any], entry: str) -> tuple[str, str]:
    """(csrf, form token) of an entry's form."""
    page = await client.get(f"/new/{entry}")
    html = await page.text()
    csrf, token = CSRF.search(html), FORM_TOKEN.search(html)
    assert csrf and token
    return csrf.group(1), token.group(1)


async def asked_link(client: TestClient[Any, Any], rig_: Rig, email: str, csrf: str) -> str:
    """Ask for a sign-in link for ``email`` and take its token from the mail queued for
    it, as the member's mail client would. The mail is queued just after the answer
    (so that the answer's timing tells nothing): waited for, 5 seconds at most."""
    from tests.support.pipeline import outbox, text_of

    def mails() -> list[Any]:
        return [m for m in outbox(rig_.app, "sign_in") if m.recipients == [email]]

    before = len(mails())
    asked = await client.post("/sign-in", data={"email": email, "csrf": csrf})
    assert asked.status == 200
    for _ in range(500):
        if len(queued := mails()) > before:
            break
        await asyncio.sleep(0.01)
    else:
        raise AssertionError("no sign-in mail queued")
    link = re.search(r"https?://\S+/sign-in/(\S+)", text_of(queued[-1]))
    assert link
    return link.group(1)


async def sign_in(
    client: TestClient[Any, Any], rig_: Rig, email: str, lands: str = "/board"
) -> None:
    """Ask for the link, take it from the outbox as the member's mail client would, use
    it; ``lands``: the page the member is sent to then."""
    csrf = await csrf_of(client)
    token = await asked_link(client, rig_, email, csrf)
    used = await client.post(f"/sign-in/{token}", data={"csrf": csrf}, allow_redirects=False)
    assert used.status == 303 and used.headers["Location"] == lands


def member_page(rig_: Rig, email: str, path: str) -> str:
    """The HTML of ``path`` as the member ``email`` sees it, signed in afresh."""

    async def scenario(client: TestClient[Any, Any]) -> str:
        await sign_in(client, rig_, email)
        answer = await client.get(path)
        assert answer.status == 200, path
        return await answer.text()

    return rig_.serve(scenario)


def printer_form(csrf: str, token: str, text: str) -> dict[str, str]:
    """The example catalog's printer form as a Japanese requester fills it in."""
    return {
        "csrf": csrf,
        "form_token": token,
        "name": "伊藤 花子",
        "email": "ito@customer.test",
        "subject": "プロジェクターの件",
        "text": text,
        "f_printer_name": "3F-MFP-01",
    }
