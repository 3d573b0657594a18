"""Members: sign-in by a mailed one-time link, sessions that expire, the ticket pages
and the changes made from them (through the tickets service, channel ``web``)."""

from __future__ import annotations

import asyncio
import re
import threading
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import event

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.priority import Priority
from gateway.tickets.priority import set_priority
from store import tickets
from store.db import transaction
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of
from tests.support.web import Rig, asked_link, csrf_of, member_page, rig, sign_in

MEMBER = "ops@example.test"  # locale en
MEMBER_JA = "ops2@example.test"


def _attached_mail(payload: bytes, name: str, html: str = "") -> bytes:
    msg = EmailMessage()
    msg["From"] = "Sato <sato@customer.test>"
    msg["To"] = "support@example.test"
    msg["Subject"] = "プロジェクターが映りません"
    msg["Message-ID"] = "<proj-1@customer.test>"
    msg["Date"] = "Mon, 02 Mar 2026 09:00:00 +0900"
    msg.set_content("会議室Aのプロジェクターが映りません。\n")
    if html:
        msg.add_alternative(html, subtype="html")
    msg.add_attachment(payload, maintype="application", subtype="octet-stream", filename=name)
    return bytes(msg)


def test_pages_for_members_send_others_to_sign_in(settings: Settings, clock: FakeClock) -> None:
    async def scenario(client: TestClient[Any, Any]) -> list[tuple[int, str]]:
        out = []
        for path in ("/board", "/tickets", "/tickets/1", "/tickets/1/attachments/1"):
            answer = await client.get(path, allow_redirects=False)
            out.append((answer.status, answer.headers.get("Location", "")))
        return out

    with rig(settings, clock) as r:
        assert r.serve(scenario) == [(303, "/sign-in")] * 4


def test_a_member_signs_in_once_with_the_mailed_link(settings: Settings, clock: FakeClock) -> None:
    async def scenario(client: TestClient[Any, Any], r: Rig) -> None:
        await sign_in(client, r, MEMBER)
        board = await client.get("/board", allow_redirects=False)
        assert board.status == 200 and "Board" in await board.text()
        [link_mail] = outbox(r.app, "sign_in")
        token = re.search(r"/sign-in/(\S+)", text_of(link_mail))
        assert token
        client.session.cookie_jar.clear()  # another browser (tests/test_web_sign_in_again.py)
        csrf = await csrf_of(client)
        again = await client.post(f"/sign-in/{token.group(1)}", data={"csrf": csrf})
        assert again.status == 400  # used once already

    with rig(settings, clock) as r:
        r.serve(lambda c: scenario(c, r))


def test_strangers_get_the_same_answer_and_no_mail(settings: Settings, clock: FakeClock) -> None:
    async def scenario(client: TestClient[Any, Any]) -> str:
        csrf = await csrf_of(client)
        answer = await client.post("/sign-in", data={"email": "eve@evil.test", "csrf": csrf})
        assert answer.status == 200
        return await answer.text()

    with rig(settings, clock) as r:
        assert "メールをご確認ください" in r.serve(scenario)  # the team default: ja
        assert outbox(r.app, "sign_in") == []


def test_an_address_that_is_not_one_comes_back_as_typed(
    settings: Settings, clock: FakeClock
) -> None:
    """A typo ("at" for "@") came back as an empty field: what was typed is kept, marked
    invalid and tied to its message, as the request form does."""

    async def scenario(client: TestClient[Any, Any]) -> tuple[int, str]:
        csrf = await csrf_of(client)
        typed = {"email": "ops at example.test", "csrf": csrf}
        answer = await client.post("/sign-in", data=typed, headers={"Accept-Language": "ja"})
        return answer.status, await answer.text()

    with rig(settings, clock) as r:
        status, html = r.serve(scenario)
        assert outbox(r.app, "sign_in") == []
    assert status == 400
    assert 'value="ops at example.test"' in html and 'aria-invalid="true"' in html
    assert 'id="error-email"' in html and "メールアドレスではありません" in html


@pytest.mark.parametrize(
    "typed",
    [
        "Ops One <OPS@example.test>",  # pasted from a mail client's address field
        "ｏｐｓ＠ｅｘａｍｐｌｅ．ｔｅｓｔ",  # typed with the Japanese input method still on
        " ops@example.test\t",
    ],
)
def test_a_members_address_as_people_paste_or_type_it_gets_the_link(
    settings: Settings, clock: FakeClock, typed: str
) -> None:
    """The page answers "check your mail" for any address (it must not tell who is a
    member), so a member whose address was written another way waited for a mail that
    never came. The link still goes only to the address in the config."""

    async def scenario(client: TestClient[Any, Any], r: Rig) -> list[Any]:
        csrf = await csrf_of(client)
        answer = await client.post("/sign-in", data={"email": typed, "csrf": csrf})
        assert answer.status == 200
        for _ in range(200):  # the link is queued just after the answer
            if queued := outbox(r.app, "sign_in"):
                return queued
            await asyncio.sleep(0.01)
        return []

    with rig(settings, clock) as r:
        [link_mail] = r.serve(lambda c: scenario(c, r))
        assert link_mail.recipients == [MEMBER]


def test_a_members_answer_does_not_wait_for_the_link_mail(
    settings: Settings, clock: FakeClock
) -> None:
    """A member's ask made a link and rendered its mail before the answer; a stranger's
    only counted: the member's answer came milliseconds later, which tells anyone who
    times the answers who is a member. The answer now goes before the link is made:
    with the link's row held back, the member's answer still comes, the same page as a
    stranger's, and the mail follows once the row may be written."""
    gate = threading.Event()

    def hold(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO SIGN_IN_LINKS"):
            gate.wait(20)  # released by the test either way

    async def scenario(client: TestClient[Any, Any], r: Rig) -> tuple[str, str]:
        csrf = await csrf_of(client)
        stranger = await client.post("/sign-in", data={"email": "eve@evil.test", "csrf": csrf})
        event.listen(r.app.engine, "before_cursor_execute", hold)
        try:
            answer = await asyncio.wait_for(
                client.post("/sign-in", data={"email": MEMBER, "csrf": csrf}), 5
            )
            member = await asyncio.wait_for(answer.text(), 5)  # while the link is held
        finally:
            gate.set()
        for _ in range(500):
            if outbox(r.app, "sign_in"):
                break
            await asyncio.sleep(0.01)
        event.remove(r.app.engine, "before_cursor_execute", hold)
        assert answer.status == stranger.status == 200
        return member, await stranger.text()

    with rig(settings, clock) as r:
        member, stranger = r.serve(lambda c: scenario(c, r))
        assert member == stranger
        [link_mail] = outbox(r.app, "sign_in")
        assert link_mail.recipients == [MEMBER]


def test_links_and_sessions_expire(settings: Settings, clock: FakeClock) -> None:
    async def scenario(client: TestClient[Any, Any], r: Rig) -> None:
        csrf = await csrf_of(client)
        token = await asked_link(client, r, MEMBER, csrf)
        clock.advance(timedelta(minutes=16))  # the link lasts 15 minutes
        late = await client.post(f"/sign-in/{token}", data={"csrf": csrf})
        assert late.status == 400
        await sign_in(client, r, MEMBER)
        assert (await client.get("/board", allow_redirects=False)).status == 200
        clock.advance(timedelta(hours=12, minutes=1))  # the session lasts 12 hours
        assert (await client.get("/board", allow_redirects=False)).status == 303

    with rig(settings, clock) as r:
        r.serve(lambda c: scenario(c, r))


def test_sign_out_ends_the_session(settings: Settings, clock: FakeClock) -> None:
    async def scenario(client: TestClient[Any, Any], r: Rig) -> int:
        await sign_in(client, r, MEMBER)
        csrf = await csrf_of(client, "/board")
        await client.post("/sign-out", data={"csrf": csrf})
        return (await client.get("/board", allow_redirects=False)).status

    with rig(settings, clock) as r:
        assert r.serve(lambda c: scenario(c, r)) == 303


def test_a_ticket_page_shows_text_never_the_mails_html(
    settings: Settings, clock: FakeClock
) -> None:
    evil = '<p>hello</p><script>alert("x")</script><img src="http://tracker.test/p.gif">'
    with rig(settings, clock) as r:
        outcome = deliver(r.app, _attached_mail(b"data", "a.bin", html=evil))
        assert outcome.ticket_id
        html = member_page(r, MEMBER_JA, f"/tickets/{outcome.ticket_id}")
    assert "会議室Aのプロジェクターが映りません。" in html
    assert "<script>alert" not in html and "tracker.test" not in html
    assert 'lang="ja"' in html and "State changed" not in html


def test_changes_from_the_page_are_events_of_the_member_through_the_web(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any], r: Rig, tid: int) -> None:
        await sign_in(client, r, MEMBER)
        csrf = await csrf_of(client, f"/tickets/{tid}")
        for form in (
            {"action": "assign_me"},
            {"action": "note", "note": "電話で確認済み"},
            {"action": "close", "reason": "duplicate"},
        ):
            done = await client.post(
                f"/tickets/{tid}", data={**form, "csrf": csrf}, allow_redirects=False
            )
            assert done.status == 303 and done.headers["Location"] == f"/tickets/{tid}"
        refused = await client.post(
            f"/tickets/{tid}", data={"action": "pending", "csrf": csrf}, allow_redirects=False
        )
        assert refused.headers["Location"] == f"/tickets/{tid}?error=transition"
        bad = await client.post(
            f"/tickets/{tid}", data={"action": "close", "reason": "x", "csrf": csrf}
        )
        assert bad.status == 400

    with rig(settings, clock) as r:
        outcome = deliver(r.app, mail(subject="Printer jam on 3F"))
        tid = outcome.ticket_id or 0
        r.serve(lambda c: scenario(c, r, tid))
        detail = show(r.app, tid)
    assert detail["state"] == "closed" and detail["close_reason"] == "duplicate"
    assert detail["assignee"] == MEMBER
    mine = [e for e in detail["events"] if e["channel"] == "web"]
    assert [e["kind"] for e in mine] == ["assign", "note", "state"]
    assert all(e["actor"] == MEMBER for e in mine)


def test_attachments_download_byte_identical_and_safely(
    settings: Settings, clock: FakeClock
) -> None:
    payload = bytes(range(256)) * 300 + b"<html><script>x</script></html>"

    async def scenario(client: TestClient[Any, Any], r: Rig, tid: int) -> None:
        await sign_in(client, r, MEMBER)
        html = await (await client.get(f"/tickets/{tid}")).text()
        link = re.search(rf'href="(/tickets/{tid}/attachments/\d+)"', html)
        assert link
        got = await client.get(link.group(1))
        assert got.status == 200 and await got.read() == payload
        assert got.headers["Content-Type"] == "application/octet-stream"
        assert got.headers["X-Content-Type-Options"] == "nosniff"
        # opened in a tab all the same (a link's "open"), it runs nothing as our page
        assert got.headers["Content-Security-Policy"].startswith("sandbox; default-src 'none'")
        disposition = got.headers["Content-Disposition"]
        assert disposition.startswith("attachment; ")
        assert "filename*=UTF-8''%E8%A6%8B%E7%A9%8D_%3B%20x.html" in disposition
        assert '";' not in disposition.split("filename=")[1].split(";")[0][1:-1]
        other = await client.get(f"/tickets/{tid + 1}/attachments/1")
        assert other.status == 404  # an attachment is reached through its own ticket only

    with rig(settings, clock) as r:
        outcome = deliver(r.app, _attached_mail(payload, '見積"; x.html'))
        r.serve(lambda c: scenario(c, r, outcome.ticket_id or 0))


def test_search_finds_japanese_substrings_and_filters_narrow(
    settings: Settings, clock: FakeClock
) -> None:
    searches = ("プロジェクター", "映り", "ジェクタ", "ＶＰＮ", "印刷", "projector&state=closed")
    with rig(settings, clock) as r:
        deliver(r.app, _attached_mail(b"x", "x.bin"))
        deliver(r.app, mail(subject="VPN broken", body="vpn down\n"))
        pages = _list_pages(r, {q: f"?q={q}" for q in searches})
    for q in ("プロジェクター", "映り", "ジェクタ"):
        assert "プロジェクターが映りません" in pages[q] and "VPN broken" not in pages[q], q
    assert "VPN broken" in pages["ＶＰＮ"]  # full-width typed, NFKC folded
    assert "プロジェクターが映りません" not in pages["印刷"]
    assert "プロジェクターが映りません" not in pages["projector&state=closed"]


def test_the_list_shows_each_tickets_priority_and_filters_by_it(
    settings: Settings, clock: FakeClock
) -> None:
    with rig(settings, clock) as r:
        quiet = deliver(r.app, mail(subject="Toner low", message_id="<quiet@c.test>"))
        loud = deliver(r.app, mail(subject="Server down", message_id="<loud@c.test>"))
        with transaction(r.app.sessions) as s:
            ticket = tickets.get(s, loud.ticket_id or 0)
            assert ticket is not None
            set_priority(
                s,
                ticket,
                Priority.URGENT,
                r.clock.now(),
                actor=MEMBER,
                channel="web",
                source="priority",
            )
        queries = ("", "?priority=urgent", "?priority=normal", "?priority=bogus")
        pages = _list_pages(r, {q: q for q in queries})
    assert quiet.ticket_id and loud.ticket_id

    def rows(html: str) -> list[str]:
        return re.findall(r"<tr><td>.*?</tr>", html.split("<tbody>")[1])

    listed = rows(pages[""])
    assert len(listed) == 2
    assert any("Server down" in row and ">urgent<" in row for row in listed)
    assert any("Toner low" in row and ">normal<" in row for row in listed)
    assert [("Server down" in row) for row in rows(pages["?priority=urgent"])] == [True]
    assert [("Toner low" in row) for row in rows(pages["?priority=normal"])] == [True]
    assert len(rows(pages["?priority=bogus"])) == 2  # an unknown level filters nothing
    assert '<option value="urgent" selected>' in pages["?priority=urgent"]


def _list_pages(r: Rig, queries: dict[str, str]) -> dict[str, str]:
    """``/tickets`` with each query string, as a signed-in member sees it, by key."""

    async def scenario(client: TestClient[Any, Any]) -> dict[str, str]:
        await sign_in(client, r, MEMBER)
        return {k: await (await client.get(f"/tickets{q}")).text() for k, q in queries.items()}

    pages: dict[str, str] = r.serve(scenario)
    return pages


def test_one_client_asking_for_many_addresses_is_told_when_to_come_back(
    settings: Settings, clock: FakeClock
) -> None:
    """Past four times the hourly limit of one client's asks: 429, in the page's language,
    with ``Retry-After`` saying when the hour's counts end (for a script; the page says
    to try later)."""

    async def scenario(client: TestClient[Any, Any]) -> list[tuple[int, str | None]]:
        csrf = await csrf_of(client)
        seen = []
        for n in range(6):
            answer = await client.post(
                "/sign-in", data={"email": f"guess{n}@evil.test", "csrf": csrf}
            )
            seen.append((answer.status, answer.headers.get("Retry-After")))
        return seen

    clock.advance(timedelta(minutes=59, seconds=15))
    with rig(settings, clock, sign_ins_per_hour=1) as r:
        assert r.serve(scenario) == [(200, None)] * 4 + [(429, "45")] * 2
