"""A ticket page's state button pressed twice (a double click, or two members at once
from the same page): the second press finds the ticket already as asked. It answered
"That change is not possible in the ticket's current state", over the page of the change
just made, as if it had failed. Now it is done, once: one event, no error."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.databases import sqlite_only
from tests.support.mails import mail
from tests.support.pipeline import deliver, show
from tests.support.web import csrf_of, member_page, rig, sign_in

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
            sent = {"action": action, "reason": "resolved", "note": "見ました", "csrf": csrf}
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
    # the note typed before the button went with it, once
    assert [e["detail"]["text"] for e in ticket["events"] if e["kind"] == "note"] == ["見ました"]


@sqlite_only
def test_merge_pressed_twice_is_done_once_without_a_refusal(
    settings: Settings, clock: FakeClock
) -> None:
    """The second press of "merge into #2" found #1 already merged there and answered
    409 "ticket #1 was already merged into #2": a refusal over the merge just made.
    (A second "undo the merge": below.)"""

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


def _unmerge_twice(r: Any, who: str) -> list[tuple[int, str]]:
    """#1 merged into #2, then "undo the merge" pressed twice from the same page:
    (status, Location) of each press."""

    async def scenario(client: TestClient[Any, Any]) -> list[tuple[int, str]]:
        await sign_in(client, r, who)
        csrf = await csrf_of(client, "/tickets/1")
        await client.post("/tickets/1/merge", data={"target": "2", "csrf": csrf})
        went = []
        for _ in range(2):
            sent = {"csrf": csrf}
            answer = await client.post("/tickets/1/unmerge", data=sent, allow_redirects=False)
            went.append((answer.status, answer.headers.get("Location", "")))
        return went

    result: list[tuple[int, str]] = r.serve(scenario)
    return result


@sqlite_only
@pytest.mark.parametrize(
    ("who", "words"),
    [
        ("ops@example.test", "The merge was already undone"),
        ("ops2@example.test", "統合はすでに取り消されています"),
    ],
)
def test_unmerge_pressed_twice_is_done_once_and_says_so(
    settings: Settings, clock: FakeClock, who: str, words: str
) -> None:
    """The second press of "undo the merge" found #1 no longer merged and answered 409
    "this ticket was not merged into another", over the unmerge just made. Now it lands
    on the ticket's page, which says the merge is already undone; one unmerge."""
    with rig(settings, clock) as r:
        deliver(r.app, mail(subject="Printer jam on 3F"))
        deliver(r.app, mail(subject="VPN does not connect"))
        went = _unmerge_twice(r, who)
        landed = member_page(r, who, went[1][1])
        ticket = show(r.app, 1)
    assert [status for status, _ in went] == [303, 303]
    assert went[0][1] == "/tickets/1" and went[1][1].startswith("/tickets/1?")
    assert words in landed
    assert ticket["merged_into"] is None and ticket["state"] == "new"  # as before the merge
    assert [e["kind"] for e in ticket["events"]].count("unmerged") == 1


@sqlite_only
def test_unmerge_of_a_ticket_never_merged_is_still_refused(
    settings: Settings, clock: FakeClock
) -> None:
    """Nothing was undone before: no merge to undo is a refusal, not "already done"."""

    async def scenario(client: TestClient[Any, Any]) -> tuple[int, str]:
        await sign_in(client, r, "ops@example.test")
        csrf = await csrf_of(client, "/tickets/1")
        answer = await client.post("/tickets/1/unmerge", data={"csrf": csrf})
        return answer.status, await answer.text()

    with rig(settings, clock) as r:
        deliver(r.app, mail(subject="Printer jam on 3F"))
        status, html = r.serve(scenario)
    assert status == 409 and "this ticket was not merged into another" in html


@sqlite_only
def test_add_note_pressed_twice_adds_it_once(settings: Settings, clock: FakeClock) -> None:
    """A double click on "Add note" posted the note twice: two identical notes in the
    history, and the assignee told of each. The second post of the same words by the
    same member within a minute, no other note between, is the first one's; another
    note, or the same words later on, is a note of its own."""

    async def scenario(client: TestClient[Any, Any]) -> list[str]:
        await sign_in(client, r, "ops@example.test")
        csrf = await csrf_of(client, "/tickets/1")
        went = []
        for text, wait in [("トナー交換済み", 0), ("トナー交換済み", 5), ("Tray 2 too", 0)]:
            clock.advance(timedelta(seconds=wait))
            sent = {"action": "note", "note": text, "csrf": csrf}
            answer = await client.post("/tickets/1", data=sent, allow_redirects=False)
            went.append(answer.headers["Location"])
        clock.advance(timedelta(minutes=2))  # the same words again, later: meant
        sent = {"action": "note", "note": "トナー交換済み", "csrf": csrf}
        await client.post("/tickets/1", data=sent, allow_redirects=False)
        return went

    with rig(settings, clock) as r:
        deliver(r.app, mail(subject="Printer jam on 3F"))
        went = r.serve(scenario)
        ticket = show(r.app, 1)
    assert went == ["/tickets/1"] * 3
    notes = [e["detail"]["text"] for e in ticket["events"] if e["kind"] == "note"]
    assert notes == ["トナー交換済み", "Tray 2 too", "トナー交換済み"]
