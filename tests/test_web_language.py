"""One language per page: every page, in Japanese, has no English sentence left in it
once the data is gone, and in English no Japanese — the rule the mails keep
(tests/test_one_language.py, whose scanner this uses).

Data on a page: what people typed (a subject, a name, the request), the team's
catalog (entry names, descriptions, field labels and choices, in every locale:
the team writes them), members' names and addresses. Everything else comes from
the catalogs and must be in the page's language.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from gateway.catalog.load import load_catalog
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.app import MEMBERS
from tests.support.catalogs import EXAMPLE
from tests.support.pipeline import show
from tests.test_one_language import findings, readable

TYPED = {
    "name": "伊藤 花子",
    "email": "ito@customer.test",
    "subject": "在宅勤務で VPN がつながりません",
    "text": "昨日から接続できません。 Please help, the client says error 809.",
}
# who reads which language: the member's own setting decides their pages
READER = {"ja": "ops2@example.test", "en": "ops@example.test"}
ACCEPT = {"ja": "ja,en;q=0.5", "en": "en"}


def _catalog_words() -> list[str]:
    """Every string of the team's catalog: data on the pages, in whatever language."""
    words: list[str] = []
    for entry in load_catalog(EXAMPLE).entries:
        words += [entry.id, *entry.names.values(), *entry.descriptions.values()]
        for f in entry.fields:
            words += [f.name, *f.labels.values(), *f.choices, f.example]
    return [w for w in words if w]


def _data() -> list[str]:
    people = [m.name for m in MEMBERS] + [m.email for m in MEMBERS]
    return [*TYPED.values(), *_catalog_words(), *people]


async def _pages(client: TestClient[Any, Any], r: Any, locale: str) -> dict[str, str]:
    """The pages a requester and a member see, in ``locale``."""
    from tests.support.web import form_of, sign_in

    headers = {"Accept-Language": ACCEPT[locale]}
    seen: dict[str, str] = {}
    for path in ("/", "/new/vpn", "/sign-in"):
        seen[path] = await (await client.get(path, headers=headers)).text()
    csrf, token = await form_of(client, "vpn")
    bad = {**TYPED, "email": "not-an-address", "csrf": csrf, "form_token": token, "f_os": ""}
    seen["/new/vpn (errors)"] = await (
        await client.post("/new/vpn", data=bad, headers=headers)
    ).text()
    good = {**TYPED, "csrf": csrf, "form_token": token, "f_os": "windows"}
    posted = await client.post("/new/vpn", data=good, headers=headers)
    seen["/new/vpn/sent"] = await posted.text()
    r.app.runner.process_pending()
    await sign_in(client, r, READER[locale])
    for path in ("/board", "/tickets", "/tickets/1", "/tickets?q=VPN"):
        seen[path] = await (await client.get(path, headers=headers)).text()
    return seen


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_every_page_is_in_one_language(settings: Settings, clock: FakeClock, locale: str) -> None:
    from tests.support.web import rig

    with rig(settings, clock) as r:
        pages = r.serve(lambda client: _pages(client, r, locale))
        # the mails stored on the ticket are data too (the acknowledgement went out in
        # the requester's language, the notice in the assignee's)
        stored = [x for m in show(r.app, 1)["messages"] for x in (m["subject"], m["text"])]
    assert len(pages) == 9
    found = {}
    for path, page in pages.items():
        assert f'lang="{locale}"' in page, path
        text = readable(re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S), True)
        left = findings(text, locale, [*_data(), *stored])
        if left:
            found[path] = left
    assert found == {}


def test_the_page_scanner_bites() -> None:
    """An English sentence on a Japanese page is found, and Japanese on an English one."""
    assert findings("送信しました。 Thank you for your request.", "ja")
    assert findings("Your request was sent. 送信しました", "en")


def test_only_what_is_marked_as_another_language_is_left_out() -> None:
    """The switch's "English" (marked ``lang="en"``) is not a slip on a Japanese page;
    an English sentence beside it, unmarked, still is; the page's own ``lang`` hides
    nothing."""
    page = (
        '<html lang="ja"><body><a href="/?lang=en" lang="en">English</a>'
        "<p>Thank you for your request.</p></body></html>"
    )
    assert findings(readable(page, True), "ja") == ["Thank you for your request"]
