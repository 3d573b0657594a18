"""The pages' language switch: a link in every page's header to the same page in the
other language, for the requester on a shared PC or a company PC set up in a language
they do not read, and the member who wants the team's pages in another one. The choice
is kept for the browser (a cookie) and comes before the member's setting and the
browser's languages."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.web import language
from tests.support.databases import sqlite_only
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.web import rig, sign_in

JA = {"Accept-Language": "ja,en;q=0.5"}
SWITCH = re.compile(r'<a href="([^"]+)" lang="(\w+)" hreflang="\w+"[^>]*>([^<]+)</a>')


def _lang(page: str) -> str:
    found = re.search(r'<html lang="(\w+)"', page)
    assert found
    return found.group(1)


def _switch(page: str) -> tuple[str, str, str]:
    [(href, lang, name)] = SWITCH.findall(page)
    return html.unescape(href), lang, name


@sqlite_only
def test_a_requester_switches_the_form_to_the_other_language_and_it_stays(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any]) -> list[Any]:
        start = await (await client.get("/new/vpn", headers=JA)).text()
        href, lang, name = _switch(start)
        switched = await client.get(href, headers=JA)
        later = await (await client.get("/", headers=JA)).text()
        back_href = _switch(later)[0]
        back = await (await client.get(back_href, headers=JA)).text()
        odd = await client.get("/?lang=fr", headers=JA)
        return [
            _lang(start),
            (href, lang, name),
            _lang(await switched.text()),
            "tg_lang=en" in switched.headers.get("Set-Cookie", ""),
            _lang(later),
            back_href,
            _lang(back),
            _lang(await odd.text()),
        ]

    with rig(settings, clock) as r:
        seen = r.serve(scenario)
    assert seen == [
        "ja",
        ("/new/vpn?lang=en", "en", "English"),  # the language named in itself
        "en",
        True,
        "en",  # kept: the next page without the link is English too
        "/?lang=ja",
        "ja",
        "ja",  # not one of ours: the last choice stands
    ]


@sqlite_only
def test_a_members_choice_comes_before_the_setting_and_keeps_the_filters(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any]) -> list[Any]:
        await sign_in(client, r, "ops2@example.test")  # locale = "ja" in [[members]]
        mine = await (await client.get("/tickets?state=new&q=VPN")).text()
        href = _switch(mine)[0]
        there = await (await client.get(href)).text()
        ticket = await (await client.get("/tickets/1")).text()
        return [_lang(mine), href, _lang(there), "1 ticket<" in there, _lang(ticket)]

    with rig(settings, clock) as r:
        deliver(r.app, mail(subject="VPN does not connect"))
        seen = r.serve(scenario)
    assert seen == ["ja", "/tickets?state=new&q=VPN&lang=en", "en", True, "en"]


@sqlite_only
def test_a_page_that_answers_a_post_offers_no_switch(settings: Settings, clock: FakeClock) -> None:
    """A link cannot send the form again: the page of a form sent with errors has no
    switch (it would open an empty form), the form's own page has."""

    async def scenario(client: TestClient[Any, Any]) -> str:
        from tests.support.web import form_of

        csrf, token = await form_of(client, "vpn")
        sent = {"csrf": csrf, "form_token": token, "email": "nope", "subject": "x"}
        return await (await client.post("/new/vpn", data=sent, headers=JA)).text()

    with rig(settings, clock) as r:
        page = r.serve(scenario)
    assert 'id="error-email"' in page and SWITCH.findall(page) == []


def _raw_get(port: int, path: str) -> str:
    """The page for ``path`` exactly as written (a client library would tidy it)."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
        )
        data = b""
        while chunk := conn.recv(65_536):
            data += chunk
    return data.decode("utf-8", "replace")


@sqlite_only
def test_the_switch_of_a_page_at_an_odd_path_never_leads_to_another_site(
    settings: Settings, clock: FakeClock
) -> None:
    """A browser reads ``////evil.test/x`` and ``/\\evil.test/`` as links to the host
    evil.test: the switch on the "not found" page of ``https://gateway//evil.test/x`` (a
    link anyone can mail) led to that site, under our own page's header. It leads to our
    start page in the other language instead."""
    import asyncio

    odd = ["//evil.test/x", "/\\evil.test/", "//evil.test", "/%09/evil.test", "/nope"]

    async def scenario(client: TestClient[Any, Any]) -> list[str]:
        port = client.server.port
        assert port is not None
        pages = [await asyncio.to_thread(_raw_get, port, path) for path in odd]
        return [_switch(page)[0] for page in pages]

    with rig(settings, clock) as r:
        hrefs = r.serve(scenario)
    # the pages speak ja here; an escaped tab stays escaped, a path of ours stays itself
    assert hrefs == ["/?lang=en"] * 3 + ["/%09/evil.test?lang=en", "/nope?lang=en"]


# Accept-Language as browsers and other clients send it → the page's language, where the
# site's default is the other one (so a fall back to it shows)
HEADERS = [
    ("en_US", "ja", "en"),  # an underscore, as some clients send the POSIX form
    ("en-GB", "ja", "en"),  # a region: its base language
    ("EN-us", "ja", "en"),  # tags are case-insensitive
    ("ja-JP", "en", "ja"),
    ("ja_JP", "en", "ja"),
    ("ja-Hira-JP", "en", "ja"),  # a script subtag too
    ("fr-FR,en-US;q=0.8,ja;q=0.5", "ja", "en"),  # q-values: en before ja
    ("ja;q=0.4, en_GB;q=0.9", "ja", "en"),
    ("en;Q=0.2,ja;q=0.3", "en", "ja"),  # the parameter's name is case-insensitive too
    ("en; q = 0.2, ja; q = 0.3", "en", "ja"),  # spaces around ';' and '='
    ("en;q=0, ja-JP;q=0.1", "en", "ja"),  # q=0: not acceptable
    ("en-US;q=nan,ja;q=0.5", "en", "ja"),  # a q that is no number: that item is left out
    ("en;q=inf,ja;q=0.5", "en", "ja"),  # … and one out of 0–1
    ("en;q=2,ja;q=0.5", "en", "ja"),
    ("en-;q=1", "ja", "en"),
    ("", "ja", "ja"),  # nothing: the default
    ("*", "ja", "ja"),
    (";;,,;q=,=,-_", "en", "en"),  # malformed: ignored, no error
    ("x" * 5000, "ja", "ja"),
    ("_en", "ja", "ja"),  # no language before the separator
    ("english", "ja", "ja"),  # not a tag of ours ("en" is only its beginning)
]


@pytest.mark.parametrize(("header", "default", "expected"), HEADERS)
def test_regional_and_underscore_tags_name_their_base_language(
    header: str, default: str, expected: str
) -> None:
    assert language.choose("", "", header, default) == expected


@sqlite_only
def test_a_page_asked_for_in_en_us_is_english(settings: Settings, clock: FakeClock) -> None:
    async def scenario(client: TestClient[Any, Any]) -> list[str]:
        return [
            _lang(await (await client.get("/new/vpn", headers={"Accept-Language": h})).text())
            for h in ("en_US", "en-GB,ja;q=0.5", "ja-JP")
        ]

    with rig(settings, clock) as r:
        assert r.app.settings.gateway.locale == "ja"
        assert r.serve(scenario) == ["en", "en", "ja"]
