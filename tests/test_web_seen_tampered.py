"""The ticket page's hidden ``seen`` (the latest event the page was drawn with) comes
back from the browser, so anything may come: a value of digits other than ASCII
("²", "١٢") made ``int()`` raise and the press answered 500. Any value that is not
ASCII digits is no check at all (as from a page drawn before it was carried); the
press goes through. The ``tg_done`` cookie, set by us and read back, says nothing when
tampered with, and never echoes what it carried."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.web.ticket_conflict import seen_of
from tests.support.mails import mail
from tests.support.pipeline import deliver, show
from tests.support.web import Rig, csrf_of, rig, sign_in

MEMBER = "ops@example.test"


def test_seen_of_reads_ascii_digits_alone() -> None:
    assert seen_of("42") == 42
    for hostile in ("²", "١٢", "4²", "-1", " 7", "1" * 19, None, "", "0x10"):
        assert seen_of(hostile) is None, hostile


def test_a_tampered_seen_is_no_check_and_the_press_goes_through(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any], r: Rig, tid: int) -> list[int]:
        await sign_in(client, r, MEMBER)
        statuses = []
        for seen in ("²", "١٢"):
            token = await csrf_of(client, f"/tickets/{tid}?lang=en")
            sent = {"action": "assign_me", "note": "", "csrf": token, "seen": seen}
            answer = await client.post(f"/tickets/{tid}", data=sent, allow_redirects=False)
            statuses.append(answer.status)
        return statuses

    with rig(settings, clock) as r:
        tid = deliver(r.app, mail(subject="Printer jam on 3F")).ticket_id or 0
        statuses = r.serve(lambda c: scenario(c, r, tid))
        assignee = show(r.app, tid)["assignee"]
    assert statuses == [303, 303]
    assert assignee == MEMBER


def test_a_tampered_done_cookie_says_nothing_and_echoes_nothing(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any], r: Rig, tid: int) -> list[str]:
        await sign_in(client, r, MEMBER)
        pages = []
        for value in (
            f"{tid}.note<script>",
            f"{tid}.merged.1<b>x</b>",
            f"{tid}.merged",  # no ticket number: "Ticket # was merged" before
            f"{tid}.evil",
            f"{tid}.note\r\nSet-Cookie: x=1",
        ):
            client.session.cookie_jar.update_cookies({"tg_done": value})
            answer = await client.get(f"/tickets/{tid}?lang=en")
            assert answer.status == 200
            pages.append(await answer.text())
        return pages

    with rig(settings, clock) as r:
        tid = deliver(r.app, mail(subject="Printer jam on 3F")).ticket_id or 0
        pages = r.serve(lambda c: scenario(c, r, tid))
    for html in pages:
        assert "Note added." not in html and "<script>" not in html
        assert "<b>x</b>" not in html and "was merged into this one" not in html
