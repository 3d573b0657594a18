"""One form token, two documents, at the same instant: on two instances of one
PostgreSQL database, or as two requests on one. The token was recorded only after
the inbox had taken the request, so both requests found it unused and both were
stored: two tickets from one form. Now the token is claimed in the transaction that
stores the inbox row: one is stored, the other comes back (a 409) with what was
typed and a fresh token. The same document twice is one row and "received" twice."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import FormData
from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.web import form_token
from store.accept.contract import Accepted, Incoming
from tests.support.databases import postgres_only
from tests.support.pipeline import inbox_rows
from tests.support.web import Rig, form_of, rig

SENT = (303, "/new/vpn/sent")


def _vpn(csrf: str, token: str, subject: str) -> FormData:
    return FormData(
        {
            "csrf": csrf,
            "form_token": token,
            "email": "ito@customer.test",
            "subject": subject,
            "text": "昨日から接続できません。",
            "f_os": "windows",
        }
    )


def _meet_before_accepting(r: Rig, barrier: threading.Barrier) -> None:
    """Each request that passed its checks waits for the other before the inbox takes
    it: both have looked at the token before either is stored."""
    accept: Callable[[Sequence[Incoming]], Awaitable[list[Accepted]]] = r.ctx.accept

    async def meeting(items: Sequence[Incoming]) -> list[Accepted]:
        await asyncio.get_running_loop().run_in_executor(None, barrier.wait, 10)
        return await accept(items)

    r.ctx.accept = meeting  # type: ignore[method-assign]


async def _post(client: TestClient[Any, Any], token: str, subject: str) -> tuple[int, str]:
    csrf, _ = await form_of(client, "vpn")
    sent = _vpn(csrf, token, subject)
    answer = await client.post("/new/vpn", data=sent, allow_redirects=False)
    return answer.status, answer.headers.get("Location", "")


def test_two_documents_with_one_token_at_once_are_stored_once(
    settings: Settings, clock: FakeClock
) -> None:
    """Two requests on one instance (a typo fixed and Send pressed again before the
    first answer came)."""

    async def both(client: TestClient[Any, Any]) -> list[tuple[int, str]]:
        token = form_token.issue(r.ctx.keys.form, clock.now())
        first = _post(client, token, "VPN がつながりません")
        second = _post(client, token, "VPN がつながりません（再送）")
        return list(await asyncio.gather(first, second))

    with rig(settings, clock) as r:
        _meet_before_accepting(r, threading.Barrier(2))
        seen = r.serve(both)
        rows = inbox_rows(r.app)
    assert len(rows) == 1
    assert sorted(status for status, _ in seen) == [303, 409]


@postgres_only
def test_two_instances_given_one_token_at_once_store_it_once(
    settings: Settings, clock: FakeClock
) -> None:
    meet = threading.Barrier(2)
    with rig(settings, clock) as one, rig(settings, clock) as two:
        token = form_token.issue(one.ctx.keys.form, clock.now())
        seen: dict[str, tuple[int, str]] = {}

        def send(r: Rig, subject: str) -> None:
            _meet_before_accepting(r, meet)
            seen[subject] = r.serve(lambda c: _post(c, token, subject))

        threads = [
            threading.Thread(target=send, args=(one, "VPN がつながりません")),
            threading.Thread(target=send, args=(two, "VPN がつながりません（再送）")),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        rows = inbox_rows(one.app)
        # the same document at once on both: one row, and both told it was received
        again = threading.Barrier(2)
        twice: list[tuple[int, str]] = []
        other = form_token.issue(one.ctx.keys.form, clock.now())

        def same(r: Rig) -> None:
            _meet_before_accepting(r, again)
            twice.append(r.serve(lambda c: _post(c, other, "プリンタが動きません")))

        threads = [threading.Thread(target=same, args=(r,)) for r in (one, two)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        after = inbox_rows(one.app)
    assert len(rows) == 1, [r.id for r in rows]
    assert sorted(status for status, _ in seen.values()) == [303, 409]
    assert len(after) == 2
    assert twice == [SENT, SENT]
