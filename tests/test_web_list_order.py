"""The list in the order a manager asks for, across its pages: the newest first (the
default), the oldest first (the longest waiting), or untouched the longest first (where
work stalls). The list showed the newest first only; a manager looking for the tickets
that pile up paged to its end, and its page links said "Newer"/"Older" whatever the order.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.tickets import changes
from gateway.web.ticket_list import PAGE_SIZE
from store import tickets
from store.db import transaction
from tests.support.databases import sqlite_only
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.web import rig, sign_in

TOTAL = PAGE_SIZE + 12  # two pages
ROW_ID = re.compile(r'<tr><td><a href="/tickets/(\d+)">')
LINKS = re.compile(r'<a href="(/tickets\?[^"]+)" rel="(prev|next)">([^<]+)</a>')


def _walk(r: Any, who: str, first: str) -> tuple[list[int], list[str], list[str]]:
    """Every page from ``first`` on by its "next" links: the ids in order, the link
    words seen, and each page's chosen order in the sort box."""

    async def scenario(client: TestClient[Any, Any]) -> tuple[list[int], list[str], list[str]]:
        await sign_in(client, r, who)
        ids: list[int] = []
        words: list[str] = []
        chosen: list[str] = []
        url: str | None = first
        while url is not None and len(words) < 10:
            page = await (await client.get(url)).text()
            ids += [int(i) for i in ROW_ID.findall(page)]
            box = re.search(r'<select name="sort"[^>]*>(.*?)</select>', page, re.DOTALL)
            assert box, url
            chosen += re.findall(r'<option value="([^"]*)" selected>', box.group(1))
            links = {rel: (html.unescape(href), text) for href, rel, text in LINKS.findall(page)}
            words += [text for _, text in links.values()]
            url = links["next"][0] if "next" in links else None
        return ids, words, chosen

    result: tuple[list[int], list[str], list[str]] = r.serve(scenario)
    return result


@sqlite_only
@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("", lambda idle: list(range(TOTAL, 0, -1))),  # the newest first
        ("newest", lambda idle: list(range(TOTAL, 0, -1))),
        ("oldest", lambda idle: list(range(1, TOTAL + 1))),
        ("bogus", lambda idle: list(range(TOTAL, 0, -1))),  # an unknown order: the default
        ("idle", lambda idle: idle),
    ],
)
def test_the_list_in_each_order_across_its_pages(
    settings: Settings, clock: FakeClock, sort: str, expected: Any
) -> None:
    with rig(settings, clock) as r:
        for i in range(TOTAL):
            deliver(r.app, mail(subject=f"三階の複合機 {i}", body="本文\n", sender=f"u{i}@c.test"))
            clock.advance(timedelta(minutes=5))
        # a note on every third ticket, the later ones first: each moves to the end of
        # "untouched the longest", in the order they were touched
        touched = list(range(TOTAL, 0, -3))
        for tid in touched:
            clock.advance(timedelta(minutes=5))
            with transaction(r.app.sessions) as s:
                t = tickets.get(s, tid)
                assert t is not None
                by = {"actor": "ops@example.test", "channel": "web"}
                changes.add_note(s, t, "見ました", clock.now(), **by)
        idle = [i for i in range(1, TOTAL + 1) if i not in touched] + touched
        ids, words, chosen = _walk(r, "ops@example.test", f"/tickets?state=active&sort={sort}")
        ja_ids, ja_words, _ = _walk(r, "ops2@example.test", f"/tickets?sort={sort}")
    assert ids == ja_ids == expected(idle)
    assert chosen == [sort if sort in ("oldest", "idle") else "newest"] * 2
    assert words == ["Next page", "Previous page"]  # never "Older" over newer tickets
    assert ja_words == ["次のページ", "前のページ"]
