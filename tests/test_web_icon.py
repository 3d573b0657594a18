"""The site's own icon: every page links it, and the browser's own guess,
``/favicon.ico``, is answered too, so no page load ends in a 404 in the console.
The icon is a file under ``/static`` (``img-src 'self'``), never a ``data:`` URI."""

from __future__ import annotations

import re
from typing import Any

from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.databases import sqlite_only
from tests.support.web import rig


@sqlite_only
def test_the_pages_link_an_icon_that_is_served(settings: Settings, clock: FakeClock) -> None:
    async def scenario(client: TestClient[Any, Any]) -> tuple[str, list[tuple[int, str, int]]]:
        page = await (await client.get("/")).text()
        linked = re.search(r'<link rel="icon" href="([^"]+)"', page)
        assert linked, "the base template links no icon"
        answers = []
        for path in (linked.group(1), "/favicon.ico"):
            answer = await client.get(path, allow_redirects=True)
            answers.append((answer.status, answer.content_type, len(await answer.read())))
        return linked.group(1), answers

    with rig(settings, clock) as r:
        href, answers = r.serve(scenario)
    assert href.startswith("/static/") and not href.startswith("data:")
    for status, content_type, size in answers:
        assert status == 200
        assert content_type.startswith("image/"), content_type
        assert 0 < size < 4096  # a small icon
