"""The public forms: generated from the catalog, checked like mail, accepted then processed."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, timedelta
from typing import Any

from aiohttp import FormData
from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.errors import TransientError
from gateway.core.i18n import N_, translate
from gateway.core.sqlite_url import sqlite_path
from store.accept.contract import BYTES_ONLY, Accepted, DuplicateRule, Incoming, StoredRaw
from tests.support.databases import sqlite_only
from tests.support.pipeline import all_tickets, inbox_rows, outbox, show, subject_of, text_of
from tests.support.web import Rig, form_of, rig

JA = {"Accept-Language": "ja,en;q=0.5"}


def _vpn_form(csrf: str, token: str, **changes: str) -> dict[str, str]:
    values = {
        "csrf": csrf,
        "form_token": token,
        "name": "伊藤 花子",
        "email": "Ito@Customer.test",
        "subject": "在宅勤務で VPN がつながりません",
        "text": "昨日から接続できません。<b>太字</b>",
        "f_os": "windows",
        "f_client_version": "5.1",
    }
    values.update(changes)
    return values


def test_the_start_page_lists_the_catalog_in_the_readers_language(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any]) -> tuple[str, str]:
        ja = await (await client.get("/", headers=JA)).text()
        en = await (await client.get("/", headers={"Accept-Language": "en-US"})).text()
        return ja, en

    with rig(settings, clock) as r:
        ja, en = r.serve(scenario)
    assert 'lang="ja"' in ja and "VPN・リモートアクセス" in ja and "購入申請" in ja
    assert "どのようなご用件でしょうか" in ja and "What do you need" not in ja
    assert 'href="/new/purchase"' in ja
    assert "Purchase requests" in en and "What do you need help with?" in en


def test_a_missing_required_field_comes_back_next_to_it_with_everything_typed(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any]) -> tuple[int, str]:
        csrf, token = await form_of(client, "vpn")
        answer = await client.post("/new/vpn", data=_vpn_form(csrf, token, f_os=""), headers=JA)
        return answer.status, await answer.text()

    with rig(settings, clock) as r:
        status, html = r.serve(scenario)
        assert inbox_rows(r.app) == []  # nothing stored
    assert status == 400
    assert '<p class="error" id="error-f_os" role="alert">この項目は必須です。</p>' in html
    assert 'value="在宅勤務で VPN がつながりません"' in html
    assert "昨日から接続できません。&lt;b&gt;太字&lt;/b&gt;</textarea>" in html  # escaped
    # everything typed comes back as typed (the address too, not yet normalised)
    assert 'id="f_client_version" name="f_client_version" value="5.1"' in html
    assert 'id="email" name="email" type="email" value="Ito@Customer.test"' in html
    # a Japanese page says it in Japanese
    assert "required" not in html.split("<main", 1)[1].split(">", 1)[1]


def test_wrong_values_are_refused_by_the_catalog_rules(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any]) -> str:
        csrf, token = await form_of(client, "purchase")
        form = {
            "csrf": csrf,
            "form_token": token,
            "email": "not-an-address",
            "subject": "ノートPC",
            "f_item": "ThinkPad",
            "f_quantity": "たくさん",
            "f_needed_by": "来週",
        }
        return await (await client.post("/new/purchase", data=form, headers=JA)).text()

    with rig(settings, clock) as r:
        html = r.serve(scenario)
    # the same reasons a mail's transcript gives (gateway.catalog.sheet), in Japanese
    assert 'id="error-email"' in html and translate(N_("not an e-mail address"), "ja") in html
    assert (
        'id="error-f_quantity"' in html
        and translate(N_("not a number: write one number, such as 3"), "ja") in html
    )
    assert 'id="error-f_needed_by"' in html and "日付として読めません" in html


def test_a_submission_is_stored_then_becomes_a_ticket_with_its_fields(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any]) -> tuple[int, str]:
        csrf, token = await form_of(client, "vpn")
        data = FormData(_vpn_form(csrf, token))
        data.add_field(
            "files", b"\x89PNG\r\nfake", filename="エラー画面.png", content_type="image/png"
        )
        answer = await client.post("/new/vpn", data=data, headers=JA, allow_redirects=False)
        return answer.status, answer.headers.get("Location", "")

    with rig(settings, clock) as r:
        status, location = r.serve(scenario)
        assert (status, location) == (303, "/new/vpn/sent")
        [row] = inbox_rows(r.app)
        assert row.source == "web" and row.state == "pending"  # stored before the answer
        assert r.nudges == [1]  # and the runner woken
        r.app.runner.process_pending()
        [t] = all_tickets(r.app)
        detail = show(r.app, t["id"])
        assert t["catalog"] == "vpn" and t["requester"] == "ito@customer.test"
        assert detail["fields"] == {"os": "windows", "client_version": "5.1"}
        assert detail["messages"][0]["attachments"][0]["filename"] == "エラー画面.png"
        created = next(e for e in detail["events"] if e["kind"] == "created")
        assert created["channel"] == "web"
        [ack] = outbox(r.app, "acknowledgement")
        assert ack.recipients == ["ito@customer.test"]
        assert "client_version:" not in text_of(ack)  # the form asked for them already


def test_a_japanese_page_is_answered_in_japanese_whatever_the_subject_says(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any]) -> int:
        csrf, token = await form_of(client, "vpn")
        typed = _vpn_form(csrf, token, name="Ito", subject="VPN", text="")
        answer = await client.post("/new/vpn", data=typed, headers=JA, allow_redirects=False)
        return answer.status

    with rig(settings, clock) as r:
        assert r.serve(scenario) == 303
        r.app.runner.process_pending()
        [ack] = outbox(r.app, "acknowledgement")
        assert "受け付けました" in str(subject_of(ack)) and "received" not in text_of(ack)


def test_a_double_click_makes_one_ticket(settings: Settings, clock: FakeClock) -> None:
    async def scenario(client: TestClient[Any, Any]) -> list[int]:
        csrf, token = await form_of(client, "vpn")
        statuses = []
        for _ in range(2):
            answer = await client.post(
                "/new/vpn", data=_vpn_form(csrf, token), allow_redirects=False
            )
            statuses.append(answer.status)
        return statuses

    with rig(settings, clock) as r:
        assert r.serve(scenario) == [303, 303]
        assert len(inbox_rows(r.app)) == 1
        r.app.runner.process_pending()
        assert len(all_tickets(r.app)) == 1


class _Down:
    """An inbox that is not there (our own interface): every accept is transient."""

    def accept_many(
        self, items: Sequence[Incoming], *, now: datetime, rule: DuplicateRule = BYTES_ONLY
    ) -> list[Accepted]:
        raise TransientError("database unavailable: test")

    streams_files = False

    def expecting(self) -> AbstractContextManager[None]:
        return nullcontext()

    def stored(self, inbox_id: int) -> AbstractContextManager[StoredRaw | None]:
        return nullcontext(None)

    def close(self) -> None:
        pass


def test_an_unavailable_inbox_gets_a_503_with_the_form_kept(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any]) -> tuple[int, str, str | None]:
        csrf, token = await form_of(client, "vpn")
        answer = await client.post("/new/vpn", data=_vpn_form(csrf, token), headers=JA)
        return answer.status, await answer.text(), answer.headers.get("Retry-After")

    with rig(settings, clock, acceptor=_Down) as r:
        status, html, retry_after = r.serve(scenario)
        assert inbox_rows(r.app) == [] and all_tickets(r.app) == []
    assert status == 503
    assert retry_after == "60"  # the page says "in a minute"; a script reads the header
    assert "ただいまお問い合わせを保存できませんでした" in html
    assert 'value="在宅勤務で VPN がつながりません"' in html and 'value="5.1"' in html


@sqlite_only
def test_a_locked_database_gets_an_error_page_and_stores_nothing_half(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any], r: Rig) -> tuple[int, str]:
        csrf, token = await form_of(client, "vpn")
        path = sqlite_path(r.app.settings.database.url)
        assert path
        locker = sqlite3.connect(path, isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
        try:
            answer = await client.post("/new/vpn", data=_vpn_form(csrf, token), headers=JA)
            return answer.status, await answer.text()
        finally:
            locker.execute("ROLLBACK")
            locker.close()

    with rig(settings, clock) as r:
        status, html = r.serve(lambda c: scenario(c, r))
        assert status == 503 and 'value="在宅勤務で VPN がつながりません"' in html
        assert inbox_rows(r.app) == [] and all_tickets(r.app) == []


def test_too_many_submissions_from_one_address_are_refused(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any]) -> list[tuple[int, str | None]]:
        seen = []
        for n in range(4):
            csrf, token = await form_of(client, "vpn")
            form = _vpn_form(csrf, token, subject=f"VPN {n}")
            answer = await client.post("/new/vpn", data=form, allow_redirects=False)
            seen.append((answer.status, answer.headers.get("Retry-After")))
        return seen

    clock.advance(timedelta(minutes=17, seconds=30))  # the hour's counts end in 42:30
    with rig(settings, clock, submissions_per_hour=3) as r:
        assert r.serve(scenario) == [(303, None), (303, None), (303, None), (429, "2550")]
        assert len(inbox_rows(r.app)) == 3


def test_an_unknown_entry_is_not_found(settings: Settings, clock: FakeClock) -> None:
    async def scenario(client: TestClient[Any, Any]) -> int:
        return (await client.get("/new/nope")).status

    with rig(settings, clock) as r:
        assert r.serve(scenario) == 404


def test_a_double_click_at_the_limit_is_answered_as_the_sent_form_it_is(
    settings: Settings, clock: FakeClock
) -> None:
    """The last submission the hour allows, clicked twice: the first click stored it, the
    second counted again and answered 429 "too many requests, try later", the page the
    browser shows. The requester, told it failed, sent it again later: two tickets. The
    same document again is not another submission: it gets the "received" page and is
    not counted; a different one at the limit is still refused."""

    async def scenario(client: TestClient[Any, Any]) -> list[int]:
        statuses = []
        for n in range(2):
            csrf, token = await form_of(client, "vpn")
            form = _vpn_form(csrf, token, subject=f"VPN {n}")
            statuses.append(
                (await client.post("/new/vpn", data=form, allow_redirects=False)).status
            )
        csrf, token = await form_of(client, "vpn")
        last = _vpn_form(csrf, token, subject="VPN last")
        for _ in range(2):  # the double click
            statuses.append(
                (await client.post("/new/vpn", data=last, allow_redirects=False)).status
            )
        csrf, token = await form_of(client, "vpn")
        other = _vpn_form(csrf, token, subject="one more")
        statuses.append((await client.post("/new/vpn", data=other, allow_redirects=False)).status)
        return statuses

    with rig(settings, clock, submissions_per_hour=3) as r:
        assert r.serve(scenario) == [303, 303, 303, 303, 429]
        assert len(inbox_rows(r.app)) == 3
        r.app.runner.process_pending()
        assert len(outbox(r.app, "acknowledgement")) == 3
