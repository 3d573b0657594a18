"""A public form whose CSRF check fails (the browser lost its cookie while the
requester typed: a restart of the browser, cookies cleared, a form left open in an old
tab) comes back with everything typed, a message in the page's language and a token
that works, as a 403 that stores nothing; sending it again files the request. A post
from another site stays a bare 403 that echoes nothing."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import FormData
from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.pipeline import inbox_rows
from tests.support.web import CSRF, FORM_TOKEN, form_of, printer_form, rig

JA = {"Accept-Language": "ja,en;q=0.5"}
TEXT = "会議室Aのプロジェクターが映りません。\n朝から何度試してもだめです。"


def _typed(csrf: str, token: str) -> dict[str, str]:
    return printer_form(csrf, token, TEXT)


def _kept(html: str) -> bool:
    return (
        'value="プロジェクターの件"' in html
        and 'value="3F-MFP-01"' in html
        and 'value="ito@customer.test"' in html
        and TEXT in html.replace("\r\n", "\n")
    )


def test_a_lost_cookie_brings_the_form_back_with_everything_typed(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any]) -> tuple[int, str, int]:
        csrf, token = await form_of(client, "printer")
        client.session.cookie_jar.clear()  # the cookie is gone while they typed
        answer = await client.post("/new/printer", data=_typed(csrf, token), headers=JA)
        html = await answer.text()
        fresh = CSRF.search(html)
        kept_token = FORM_TOKEN.search(html)
        assert fresh and kept_token and fresh.group(1) != csrf
        again = await client.post(
            "/new/printer",
            data=_typed(fresh.group(1), kept_token.group(1)),
            allow_redirects=False,
        )
        return answer.status, html, again.status

    with rig(settings, clock) as r:
        status, html, again = r.serve(scenario)
        assert status == 403
        assert _kept(html)
        assert 'role="alert"' in html and "もう一度送信してください" in html
        assert again == 303  # the form as it came back is good to send
        assert len(inbox_rows(r.app)) == 1


def test_a_wrong_token_is_said_in_english_too_and_stores_nothing(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any]) -> tuple[int, str]:
        _, token = await form_of(client, "printer")
        answer = await client.post(
            "/new/printer",
            data=_typed("0" * 32, token),
            headers={"Accept-Language": "en"},
        )
        return answer.status, await answer.text()

    with rig(settings, clock) as r:
        status, html = r.serve(scenario)
        assert inbox_rows(r.app) == []
    assert status == 403 and _kept(html)
    assert re.search(r"expired|security check", html), html


def test_a_post_from_another_site_echoes_nothing(settings: Settings, clock: FakeClock) -> None:
    async def scenario(client: TestClient[Any, Any]) -> tuple[int, str]:
        csrf, token = await form_of(client, "printer")
        answer = await client.post(
            "/new/printer", data=_typed(csrf, token), headers={"Origin": "https://evil.test"}
        )
        return answer.status, await answer.text()

    with rig(settings, clock) as r:
        status, html = r.serve(scenario)
        assert inbox_rows(r.app) == []
    assert status == 403 and "プロジェクターの件" not in html and "3F-MFP-01" not in html


def test_attachments_are_asked_for_again(settings: Settings, clock: FakeClock) -> None:
    async def scenario(client: TestClient[Any, Any]) -> tuple[int, str]:
        csrf, token = await form_of(client, "printer")
        client.session.cookie_jar.clear()
        data = FormData(_typed(csrf, token))
        data.add_field("files", b"%PDF-1.4", filename="見積書.pdf", content_type="application/pdf")
        answer = await client.post("/new/printer", data=data, headers=JA)
        return answer.status, await answer.text()

    with rig(settings, clock) as r:
        status, html = r.serve(scenario)
        assert inbox_rows(r.app) == []
    assert status == 403 and _kept(html)
    assert 'id="error-files"' in html and "添付ファイルをもう一度お選びください" in html
