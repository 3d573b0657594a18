"""Every error page, met as a visitor meets it, in the visitor's language only, with the
security headers: 400, 403, 404, 405, 413, 415, 500 and 503, in Japanese and English
(tests/test_web_language.py holds the pages that work; its scanner is the mails')."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.errors import TransientError
from tests.support.databases import sqlite_only
from tests.support.web import Rig, csrf_of, rig
from tests.test_one_language import findings, readable

ACCEPT = {"ja": "ja,en;q=0.5", "en": "en"}
FORM = "application/x-www-form-urlencoded"


async def _answers(client: TestClient[Any, Any], locale: str) -> dict[int, tuple[str, str]]:
    """status: (page, its CSP), each met by a request a visitor (or a script) could send."""
    said = {"Accept-Language": ACCEPT[locale]}
    csrf = await csrf_of(client)
    asked = {
        400: client.post("/sign-in", data=b"email=\xff", headers={**said, "Content-Type": FORM}),
        403: client.post(
            "/sign-in", data={"csrf": csrf}, headers={**said, "Origin": "http://x.test"}
        ),
        404: client.get("/nope", headers=said),
        405: client.put("/sign-in", headers=said),
        413: client.post("/sign-in", data={"csrf": csrf, "email": "a" * 300_000}, headers=said),
        415: client.post("/sign-in", data=b"{}", headers={**said, "Content-Type": "text/json"}),
    }
    out = {}
    for status, request in asked.items():
        answer = await request
        assert answer.status == status, (status, answer.status)
        out[status] = (await answer.text(), answer.headers.get("Content-Security-Policy", ""))
    return out


async def _failing(client: TestClient[Any, Any], locale: str) -> tuple[str, str]:
    answer = await client.get("/", headers={"Accept-Language": ACCEPT[locale]})
    return await answer.text(), f"{answer.status} {answer.headers['Content-Security-Policy']}"


def _broken_catalog() -> Any:
    raise RuntimeError("a bug of ours")


def _database_away() -> None:
    raise TransientError("database locked")


@sqlite_only
@pytest.mark.parametrize("locale", ["ja", "en"])
def test_every_error_page_speaks_the_visitors_language_only(
    settings: Settings, clock: FakeClock, locale: str
) -> None:
    with rig(settings, clock, max_upload_size=100_000) as r:
        pages = r.serve(lambda client: _answers(client, locale))
        for status, changed in (
            (500, {"catalog": _broken_catalog}),
            (503, {"gate": _database_away}),
        ):
            broken = Rig(r.app, r.clock, replace(r.ctx, **changed))
            try:
                page, head = broken.serve(lambda client: _failing(client, locale))
            finally:
                broken.ctx.close()
            assert head.startswith(f"{status} default-src 'self'")
            pages[status] = (page, head)
    assert sorted(pages) == [400, 403, 404, 405, 413, 415, 500, 503]
    found = {}
    for status, (page, csp) in pages.items():
        assert f'lang="{locale}"' in page and "default-src 'self'" in csp, status
        text = readable(re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S), True)
        left = findings(text, locale)
        if left:
            found[status] = left
    assert found == {}
