"""A bookmark to an entry's form the catalog no longer has (removed, or renamed to
another id): ``GET /new/<old-id>`` answered the bare "not found" page, which left the
requester nowhere. It is a 404 in the reader's language that says the form was removed
or renamed and links the kinds of request offered now."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.web import rig

WORDS = {
    "ja": ("このフォームは削除されたか、名前が変わりました", "VPN・リモートアクセス"),
    "en": ("This form was removed or renamed", "VPN and remote access"),
}


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_an_old_bookmark_to_a_form_lists_the_requests_offered_now(
    settings: Settings, clock: FakeClock, locale: str
) -> None:
    async def scenario(client: TestClient[Any, Any]) -> tuple[int, str, str]:
        headers = {"Accept-Language": locale}
        old = await client.get("/new/remote-access", headers=headers)
        offered = await (await client.get("/", headers=headers)).text()
        return old.status, await old.text(), offered

    with rig(settings, clock) as r:
        status, html, index = r.serve(scenario)
    said, vpn_name = WORDS[locale]
    assert status == 404
    assert said in html
    links = re.findall(r'href="(/new/[^"/?]+)"', html)
    assert links and links == re.findall(r'href="(/new/[^"/?]+)"', index)  # the same list
    assert vpn_name in html
    assert 'href="/new/remote-access"' not in html
    assert 'id="kept-subject"' not in html  # nothing was typed: nothing to copy
    other = WORDS["en" if locale == "ja" else "ja"][0]
    assert other not in html  # one language on the page


@pytest.mark.parametrize(
    "typed",
    [
        "/new/VPN",  # as a poster or a mail writes the name
        "/new/%EF%BD%96%EF%BD%90%EF%BD%8E",  # ｖｐｎ: typed with the input method on
        "/new/vpn/",  # a slash a link or a person added
        "/new/vpn%20",  # a space copied with the address
        "/new/vpn%E3%80%82",  # 。: the full stop of the Japanese sentence it ended
    ],
)
def test_an_address_of_a_form_written_another_way_leads_to_the_form(
    settings: Settings, clock: FakeClock, typed: str
) -> None:
    """It said the form had been removed or renamed (or, with the slash, only "not
    found") while the form was there, under the same name written otherwise."""

    async def scenario(client: TestClient[Any, Any]) -> tuple[int, str]:
        answer = await client.get(typed, allow_redirects=False)
        return answer.status, answer.headers.get("Location", "")

    with rig(settings, clock) as r:
        assert r.serve(scenario) == (303, "/new/vpn")
