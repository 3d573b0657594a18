"""A merge the ticket page's box asked for and that was refused (a target that names
no ticket, the ticket itself, a cycle) answered with a page of its own without the
box: a retry needed Back. It is the ticket page again, with the box, what was typed in
it, and why next to the field (``aria-invalid``, ``aria-describedby``, focus), in the
member's language; nothing is merged."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.mails import mail
from tests.support.pipeline import deliver, show
from tests.support.web import Rig, csrf_of, rig, sign_in

MEMBERS = {"en": "ops@example.test", "ja": "ops2@example.test"}
WHY = {
    "en": ("a ticket cannot be merged into itself", "not a ticket number"),
    "ja": ("チケットを自分自身に統合することはできません", "チケット番号ではありません"),
}
TARGET = re.compile(r'<input id="merge-target"[^>]*>')


def _refused(r: Rig, who: str, typed: list[str]) -> list[tuple[int, str]]:
    async def scenario(client: TestClient[Any, Any]) -> list[tuple[int, str]]:
        await sign_in(client, r, who)
        csrf = await csrf_of(client, "/tickets/2")
        out = []
        for target in typed:
            answer = await client.post("/tickets/2/merge", data={"target": target, "csrf": csrf})
            out.append((answer.status, await answer.text()))
        return out

    return r.serve(scenario)


@pytest.mark.parametrize("locale", ["en", "ja"])
def test_a_refused_merge_brings_the_ticket_page_back_with_the_box(
    settings: Settings, clock: FakeClock, locale: str
) -> None:
    with rig(settings, clock) as r:
        deliver(r.app, mail("Printer jam on 3F", message_id="<a1@customer.test>"))
        deliver(r.app, mail("Printer still jams", message_id="<a2@customer.test>"))
        answers = _refused(r, MEMBERS[locale], ["＃２", "no <such> ticket"])
        assert show(r.app, 2)["merged_into"] is None
    for (status, html), typed, why in zip(
        answers, ["＃２", "no <such> ticket"], WHY[locale], strict=True
    ):
        assert status == (409 if typed == "＃２" else 400)
        assert "Printer still jams" in html and 'id="note"' in html  # the ticket page
        box = TARGET.search(html)
        assert box, html
        field = box.group(0)
        assert unescape(re.search(r'value="([^"]*)"', field).group(1)) == typed  # type: ignore[union-attr]
        assert 'aria-invalid="true"' in field and "autofocus" in field
        described = re.search(r'aria-describedby="([^"]+)"', field)
        assert described
        said = re.search(rf'<p[^>]*id="{described.group(1)}"[^>]*>(.*?)</p>', html, re.S)
        assert said and why in unescape(said.group(1))
        assert html.count("autofocus") == 1
    other = WHY["ja" if locale == "en" else "en"]
    assert not any(w in html for w in other for _, html in answers)


def test_a_merge_that_is_not_refused_shows_no_error(settings: Settings, clock: FakeClock) -> None:
    """The ticket page as it is opened: an empty box, nothing marked."""
    with rig(settings, clock) as r:
        deliver(r.app, mail("Printer jam on 3F", message_id="<a1@customer.test>"))
        deliver(r.app, mail("Printer still jams", message_id="<a2@customer.test>"))

        async def scenario(client: TestClient[Any, Any]) -> str:
            await sign_in(client, r, MEMBERS["en"])
            return await (await client.get("/tickets/2")).text()

        html = r.serve(scenario)
    box = TARGET.search(html)
    assert box and "aria-invalid" not in box.group(0) and "autofocus" not in box.group(0)
    assert 'id="error-target"' not in html
