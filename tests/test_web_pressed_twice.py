"""A ticket page's state button pressed twice (a double click, or two members at once
from the same page): the second press finds the ticket already as asked. It answered
"That change is not possible in the ticket's current state", over the page of the change
just made, as if it had failed. Now it is done, once: one event, no error."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.databases import sqlite_only
from tests.support.mails import mail
from tests.support.pipeline import deliver, show
from tests.support.web import csrf_of, rig, sign_in

# the button, the state it asks for, and the state the ticket is brought to first
BUTTONS = [("pending", "pending", "open"), ("open", "open", "pending"), ("close", "closed", "open")]


@sqlite_only
@pytest.mark.parametrize(("action", "state", "before"), BUTTONS)
def test_a_state_button_pressed_twice_is_done_once_without_an_error(
    settings: Settings, clock: FakeClock, action: str, state: str, before: str
) -> None:
    async def scenario(client: TestClient[Any, Any]) -> list[str]:
        await sign_in(client, r, "ops@example.test")
        csrf = await csrf_of(client, "/tickets/1")
        await client.post("/tickets/1", data={"action": before, "csrf": csrf})
        went = []
        for _ in range(2):
            sent = {"action": action, "reason": "resolved", "csrf": csrf}
            answer = await client.post("/tickets/1", data=sent, allow_redirects=False)
            went.append(answer.headers["Location"])
        return went

    with rig(settings, clock) as r:
        deliver(r.app, mail(subject="Printer jam on 3F"))
        went = r.serve(scenario)
        ticket = show(r.app, 1)
    assert went == ["/tickets/1", "/tickets/1"]
    assert ticket["state"] == state
    changes = [e for e in ticket["events"] if e["kind"] == "state" and e["new"] == state]
    assert len(changes) == 1, ticket["events"]


@sqlite_only
def test_merge_pressed_twice_is_done_once_without_a_refusal(
    settings: Settings, clock: FakeClock
) -> None:
    """The second press of "merge into #2" found #1 already merged there and answered
    409 "ticket #1 was already merged into #2": a refusal over the merge just made.
    (A second "undo the merge" is still refused as ``tickets unmerge`` refuses it:
    tests/test_web_browser_pages.py.)"""

    async def scenario(client: TestClient[Any, Any]) -> list[tuple[int, str | None]]:
        await sign_in(client, r, "ops@example.test")
        csrf = await csrf_of(client, "/tickets/1")
        went = []
        for _ in range(2):
            sent = {"target": "2", "csrf": csrf}
            answer = await client.post("/tickets/1/merge", data=sent, allow_redirects=False)
            went.append((answer.status, answer.headers.get("Location")))
        return went

    with rig(settings, clock) as r:
        deliver(r.app, mail(subject="Printer jam on 3F"))
        deliver(r.app, mail(subject="VPN does not connect"))
        went = r.serve(scenario)
        ticket = show(r.app, 1)
    assert went == [(303, "/tickets/2"), (303, "/tickets/2")]
    assert ticket["merged_into"] == 2
    assert [e["kind"] for e in ticket["events"]].count("merged-into") == 1  # merged once
