"""A form sent, then sent again from the browser's Back button. The browser fills the
form back in but fetches a new page, with a new one-time token: the same request was
a second document, a second ticket and a second acknowledgement, without a word. The
same request (the same entry, address, title, details, sheet and files) sent again
from the same browser within the hour now stores nothing and comes back asking: sent
once more from there, it is a request of its own (nothing is refused for good).
Anything changed is a new request, and so is the same one from another browser or
hours later."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import FormData
from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.errors import TransientError
from store.accept.contract import InboxAcceptor
from store.accept.generic import open_inbox
from tests.support.pipeline import inbox_rows
from tests.support.web import FORM_TOKEN, Rig, form_of, rig


def _vpn(csrf: str, token: str, **changes: Any) -> FormData:
    values = {
        "csrf": csrf,
        "form_token": token,
        "email": "ito@customer.test",
        "subject": "在宅勤務で VPN がつながりません",
        "text": "昨日から接続できません。",
        "f_os": "windows",
    }
    data = FormData({**values, **{k: v for k, v in changes.items() if k != "file"}})
    data.add_field("files", changes.get("file", b"png"), filename="e.png", content_type="image/png")
    return data


async def _send(client: TestClient[Any, Any], **changes: Any) -> tuple[int, str]:
    """The form fetched afresh (a new token, as after Back) and sent."""
    csrf, token = await form_of(client, "vpn")
    answer = await client.post("/new/vpn", data=_vpn(csrf, token, **changes), allow_redirects=False)
    return answer.status, answer.headers.get("Location", "")


def test_the_same_request_sent_again_from_a_fresh_form_is_asked_about(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any], r: Rig) -> list[tuple[int, str]]:
        seen = [await _send(client), await _send(client)]  # sent, Back, sent again
        seen.append(await _send(client, again="1"))  # yes, once more
        seen.append(await _send(client, subject="VPN がつながりません（続き）"))
        seen.append(await _send(client, f_os="macos"))
        seen.append(await _send(client, file=b"another picture"))
        r.clock.advance(timedelta(hours=3))
        seen.append(await _send(client))  # the same, later: asked again
        return seen

    async def another_browser(client: TestClient[Any, Any]) -> tuple[int, str]:
        return await _send(client)

    with rig(settings, clock) as r:
        seen = r.serve(lambda c: scenario(c, r))
        assert len(inbox_rows(r.app)) == 6
        assert r.serve(another_browser) == (303, "/new/vpn/sent")
        assert len(inbox_rows(r.app)) == 7
    sent = (303, "/new/vpn/sent")
    assert seen == [sent, (409, ""), sent, sent, sent, sent, sent]


def test_the_question_is_asked_in_the_pages_words_with_everything_kept(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any]) -> str:
        await _send(client)
        csrf, token = await form_of(client, "vpn")
        answer = await client.post("/new/vpn", data=_vpn(csrf, token))
        assert answer.status == 409
        return await answer.text()

    with rig(settings, clock) as r:
        html = r.serve(scenario)
    assert "同じお問い合わせを少し前に送信され、受け付けています" in html
    assert '<input type="hidden" name="again" value="1">' in html
    assert 'value="在宅勤務で VPN がつながりません"' in html
    assert "添付ファイルをもう一度お選びください" in html  # a browser cannot keep them
    assert 'aria-invalid="true"' in html  # the attachments: the one field to see to
    assert "印の付いた項目をご確認ください" in html


def test_a_form_with_no_field_to_fix_does_not_say_to_check_the_marked_fields(
    settings: Settings, clock: FakeClock
) -> None:
    """The question marks no field (nothing to fix): the summary above the form said
    "please check the marked fields" over a form with none marked."""

    async def scenario(client: TestClient[Any, Any]) -> str:
        csrf, token = await form_of(client, "vpn")
        values = {"csrf": csrf, "form_token": token, "email": "ito@customer.test"}
        values |= {"subject": "VPN がつながりません", "f_os": "windows"}
        await client.post("/new/vpn", data=values)
        csrf, token = await form_of(client, "vpn")
        answer = await client.post("/new/vpn", data={**values, "form_token": token})
        assert answer.status == 409
        return await answer.text()

    with rig(settings, clock) as r:
        html = r.serve(scenario)
    assert "同じお問い合わせを少し前に送信され" in html
    assert 'aria-invalid="true"' not in html
    assert "印の付いた項目をご確認ください" not in html


def test_the_same_request_across_the_hour_is_asked_about(
    settings: Settings, clock: FakeClock
) -> None:
    """Sent at 10:59, Back and sent again at 11:01: the same request still."""
    clock.advance(timedelta(minutes=59) - timedelta(seconds=clock.now().minute * 60))

    async def scenario(client: TestClient[Any, Any], r: Rig) -> None:
        await _send(client)
        r.clock.advance(timedelta(minutes=2))
        assert (await _send(client))[0] == 409

    with rig(settings, clock) as r:
        r.serve(lambda c: scenario(c, r))
        assert len(inbox_rows(r.app)) == 1


class _FailsOnce:
    """The real inbox, away for the first accept (our own interface)."""

    def __init__(self, inner: InboxAcceptor) -> None:
        self.inner, self.failed = inner, False

    def accept_many(self, items: Any, **kw: Any) -> Any:
        if not self.failed:
            self.failed = True
            raise TransientError("database unavailable: test")
        return self.inner.accept_many(items, **kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_a_request_the_inbox_could_not_take_is_stored_when_sent_again(
    settings: Settings, clock: FakeClock
) -> None:
    """A 503, then the page reloaded (a fresh form) and the same request sent: it was
    never stored, so it is stored now, not answered "received" from memory."""

    async def scenario(client: TestClient[Any, Any]) -> list[tuple[int, str]]:
        return [await _send(client), await _send(client)]

    apps: list[Rig] = []  # the inbox is opened at the first post, the rig built by then

    def flaky() -> Any:
        return _FailsOnce(open_inbox(settings.database.url, apps[0].app.sessions))

    with rig(settings, clock, acceptor=flaky) as r:
        apps.append(r)
        assert [s for s, _ in r.serve(scenario)] == [503, 303]
        assert len(inbox_rows(r.app)) == 1


def test_a_form_sent_then_changed_and_sent_again_with_its_token_is_asked_about(
    settings: Settings, clock: FakeClock
) -> None:
    """Send pressed, a typo seen while the page was still loading, fixed, Send pressed
    again: the one form's one-time token in two different documents made two tickets
    and two acknowledgements. The second press now stores nothing and comes back with
    what was typed, saying the form was received; pressed once more, the changed
    request is sent as one of its own."""

    async def scenario(client: TestClient[Any, Any]) -> tuple[list[int], str, str]:
        csrf, token = await form_of(client, "vpn")
        first = await client.post("/new/vpn", data=_vpn(csrf, token), allow_redirects=False)
        fixed = _vpn(csrf, token, subject="在宅勤務で VPN につながりません")
        asked = await client.post("/new/vpn", data=fixed, headers={"Accept-Language": "ja"})
        html = await asked.text()
        fresh = FORM_TOKEN.search(html)
        assert fresh
        again = _vpn(csrf, fresh.group(1), subject="在宅勤務で VPN につながりません")
        sent = await client.post("/new/vpn", data=again, allow_redirects=False)
        return [first.status, asked.status, sent.status], html, fresh.group(1) + " " + token

    with rig(settings, clock) as r:
        statuses, html, tokens = r.serve(scenario)
        assert statuses == [303, 409, 303]
        assert len(inbox_rows(r.app)) == 2
    fresh, old = tokens.split()
    assert fresh != old
    assert "このフォームは少し前に送信され" in html
    assert 'value="在宅勤務で VPN につながりません"' in html
