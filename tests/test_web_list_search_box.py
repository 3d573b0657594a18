"""The list's search box keeps to what the server reads: a long text pasted into it
(an error message, a log line) made a request line past aiohttp's 8190 bytes, answered
by a bare English ``400 Got more than 8190 bytes`` with a traceback in the log."""

from __future__ import annotations

import re
from typing import Any

from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.web.ticket_list import MAX_SEARCH
from tests.support.databases import sqlite_only
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.web import rig, sign_in


@sqlite_only
def test_the_longest_search_the_box_takes_is_answered(settings: Settings, clock: FakeClock) -> None:
    async def scenario(client: TestClient[Any, Any]) -> tuple[dict[str, int], int, int]:
        await sign_in(client, r, "ops@example.test")
        page = await (await client.get("/tickets")).text()
        boxes = {
            name: int(size)
            for name, size in re.findall(r'<input name="(\w+)"[^>]*maxlength="(\d+)"', page)
        }
        longest = "エラー" * (boxes["q"] // 3)  # 9 bytes each in the URL
        found = await client.get("/tickets", params={"q": longest, "requester": "a" * 300})
        return boxes, found.status, len(await found.text())

    with rig(settings, clock) as r:
        deliver(r.app, mail(subject="Printer jam on 3F"))
        boxes, status, _ = r.serve(scenario)
    assert boxes["q"] <= MAX_SEARCH and boxes["requester"] <= 320
    assert status == 200
