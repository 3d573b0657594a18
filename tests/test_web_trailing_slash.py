"""A page's address with a slash after it (``/board/``, ``/tickets/``,
``/tickets/12/``: a link pasted from a chat, a path completed by a browser or typed by
hand) answered the bare "not found" page, while the request form already led from
``/new/vpn/`` to ``/new/vpn``. Every page does that now: a ``303`` to the same address
without the slash, the query kept. Never to another host: ``//evil.test/`` is not a
redirect to ``//evil.test``, which a browser reads as that host."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.web import Rig, rig, sign_in


async def _raw_get(client: TestClient[Any, Any], target: str) -> tuple[int, str]:
    """(status, Location) of a GET whose request line holds ``target`` as written: a
    client library would read ``//evil.test/`` as a host, not a path."""
    server = client.server
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    head = (await reader.read()).split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    writer.close()
    location = next(
        (h.split(":", 1)[1].strip() for h in head if h.lower().startswith("location:")), ""
    )
    return int(head[0].split()[1]), location


def test_a_members_page_with_a_slash_after_it_leads_to_the_page(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any], r: Rig, ticket: int) -> None:
        await sign_in(client, r, "ops@example.test")
        for typed, meant in [
            ("/board/", "/board"),
            ("/tickets/", "/tickets"),
            (f"/tickets/{ticket}/", f"/tickets/{ticket}"),
            (f"/tickets/{ticket}//", f"/tickets/{ticket}"),
            ("/tickets/?state=open&q=VPN", "/tickets?state=open&q=VPN"),
            ("/sign-in/", "/sign-in"),
        ]:
            answer = await client.get(typed, allow_redirects=False)
            assert (answer.status, answer.headers.get("Location")) == (303, meant), typed
            assert (await client.get(typed)).status == 200, typed  # and the page is there
        # no page there without the slash either (``/tickets/abc`` is a path the ticket
        # page's route takes, so it goes on there, to its own "not found")
        for nowhere in ["/nothing/", "/nothing//", f"/tickets/{ticket}/nothing/"]:
            assert (await client.get(nowhere, allow_redirects=False)).status == 404, nowhere

    with rig(settings, clock) as r:
        outcome = deliver(r.app, mail(subject="VPN が遅い", body="遅いです。\n", date=clock.now()))
        assert outcome.ticket_id
        r.serve(lambda c: scenario(c, r, outcome.ticket_id or 0))


def test_a_slash_after_a_members_page_leads_a_stranger_to_the_page_then_sign_in(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any]) -> tuple[int, str]:
        answer = await client.get("/board/", allow_redirects=False)
        return answer.status, answer.headers.get("Location", "")

    with rig(settings, clock) as r:
        assert r.serve(scenario) == (303, "/board")


def test_a_posted_form_with_a_slash_after_it_is_not_redirected(
    settings: Settings, clock: FakeClock
) -> None:
    """A 303 would turn the POST into a GET and drop what was sent."""

    async def scenario(client: TestClient[Any, Any]) -> int:
        answer = await client.post("/sign-in/", data={"email": "x"}, allow_redirects=False)
        return answer.status

    with rig(settings, clock) as r:
        assert r.serve(scenario) in (403, 404)


@pytest.mark.parametrize(
    "target",
    [
        "//evil.test/",  # without the slash: //evil.test, another host to a browser
        "//evil.test//",
        "///evil.test/",
        "/%2F%2Fevil.test/",  # decodes to ///evil.test/
        "/%5Cevil.test/",  # /\evil.test: a browser reads the backslash as a slash
        "/%09/evil.test/",  # a browser drops the tab: //evil.test
        "/board%0D%0ALocation:%20http://evil.test/",
    ],
)
def test_a_slash_never_leads_to_another_host(
    settings: Settings, clock: FakeClock, target: str
) -> None:
    async def scenario(client: TestClient[Any, Any]) -> tuple[int, str]:
        return await _raw_get(client, target)

    with rig(settings, clock) as r:
        status, location = r.serve(scenario)
    assert status == 404, (target, location)
    assert location == ""
