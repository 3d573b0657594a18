"""An error page says what happened in its own words: a 405 (an address used another
way than its page's), a 408 (a body that did not arrive in time) and a 421 (a host name
not ours: :mod:`gateway.web.hosts`) said the generic
"That did not work" of a request that could not be understood, in both languages."""

from __future__ import annotations

import re
import socket
from dataclasses import replace
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.web.server import WebServer
from tests.support.databases import sqlite_only
from tests.support.web import rig

ACCEPT = {"ja": "ja", "en": "en"}
H1 = re.compile(r"<h1>(.*?)</h1>\s*<p>(.*?)</p>", re.S)


def _said(page: str) -> tuple[str, str]:
    found = H1.search(page)
    assert found, page
    return found.group(1), found.group(2)


async def _400_405_421(client: TestClient[Any, Any], locale: str) -> tuple[str, str, str]:
    said = {"Accept-Language": ACCEPT[locale]}
    bad = await client.post(
        "/sign-in",
        data=b"email=\xff",
        headers={**said, "Content-Type": "application/x-www-form-urlencoded"},
    )
    refused = await client.put("/sign-in", headers=said)
    elsewhere = await client.get("/", headers={**said, "Host": "rebind.evil.test"})
    assert (bad.status, refused.status, elsewhere.status) == (400, 405, 421)
    return await bad.text(), await refused.text(), await elsewhere.text()


def _408(port: int, locale: str) -> str:
    head = (
        "POST /sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        f"Accept-Language: {ACCEPT[locale]}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nemail="
    )
    with socket.create_connection(("127.0.0.1", port), timeout=3) as conn:
        conn.sendall(head.encode())
        answer = b""
        while b"</html>" not in answer and (chunk := conn.recv(65_536)):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 408"), answer[:100]
    return answer.decode()


@sqlite_only
@pytest.mark.parametrize("locale", ["ja", "en"])
def test_a_405_a_408_and_a_421_say_what_happened(
    settings: Settings, clock: FakeClock, locale: str
) -> None:
    with rig(settings, clock) as r:
        bad, refused, elsewhere = r.serve(lambda client: _400_405_421(client, locale))
        server = WebServer(replace(r.ctx, body_within=0.3), "127.0.0.1", 0)
        server.start()
        try:
            late = _408(server.port, locale)
        finally:
            server.stop()
    said = {
        status: _said(page)
        for status, page in ((400, bad), (405, refused), (408, late), (421, elsewhere))
    }
    assert len({heading for heading, _ in said.values()}) == 4, said
    assert len({words for _, words in said.values()}) == 4, said
