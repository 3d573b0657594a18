"""The ticket page's merge button (#19): a member merges through the web (channel
``web``, the member as actor), a refusal is a page that says why and changes
nothing, a POST without the CSRF token is refused, and the page shows the
watchers and where a merged ticket went."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show
from tests.support.web import Rig, csrf_of, rig, sign_in

MEMBER = "ops@example.test"  # locale en
ALICE = "Alice <alice@customer.test>"


def test_a_member_merges_from_the_ticket_page(settings: Settings, clock: FakeClock) -> None:
    async def scenario(client: TestClient[Any, Any], r: Rig) -> None:
        await sign_in(client, r, MEMBER)
        csrf = await csrf_of(client, "/tickets/2")
        forged = await client.post("/tickets/2/merge", data={"target": "1"})
        assert forged.status == 403  # no CSRF token: nothing happens
        refused = await client.post("/tickets/2/merge", data={"target": "2", "csrf": csrf})
        assert refused.status == 409
        assert "a ticket cannot be merged into itself" in await refused.text()
        done = await client.post(
            "/tickets/2/merge", data={"target": "#1", "csrf": csrf}, allow_redirects=False
        )
        assert done.status == 303 and done.headers["Location"] == "/tickets/1"
        merged = await (await client.get("/tickets/2")).text()
        assert 'id="merged-into"' in merged and 'href="/tickets/1"' in merged
        assert 'id="merge"' not in merged  # a closed ticket has no merge button
        assert 'id="open"' not in merged  # nor, merged, a reopen button: unmerge reopens it
        reopen = await client.post(
            "/tickets/2", data={"action": "open", "csrf": csrf}, allow_redirects=False
        )
        assert reopen.status == 303 and reopen.headers["Location"].endswith("?error=transition")
        target_page = await (await client.get("/tickets/1")).text()
        assert 'id="merge"' in target_page and "Ticket merged in" in target_page
        again = await client.post("/tickets/1/merge", data={"target": "2", "csrf": csrf})
        assert again.status == 409 and "would make a cycle" in await again.text()
        missing = await client.post("/tickets/99/merge", data={"target": "1", "csrf": csrf})
        assert missing.status == 404

    with rig(settings, clock) as r:
        deliver(r.app, mail("Printer jam on 3F", sender=ALICE, message_id="<a1@customer.test>"))
        deliver(r.app, mail("Printer still jams", sender=ALICE, message_id="<a2@customer.test>"))
        assert show(r.app, 2)["state"] == "new"
        r.serve(lambda c: scenario(c, r))
        source, target = show(r.app, 2), show(r.app, 1)
        statuses = outbox(r.app, "status_change")
    assert (source["state"], source["close_reason"], source["merged_into"]) == (
        "closed",
        "duplicate",
        1,
    )
    assert {m["message_id"] for m in target["messages"] if m["direction"] == "in"} == {
        "a1@customer.test",
        "a2@customer.test",
    }
    [merged] = [e for e in target["events"] if e["kind"] == "merged"]
    assert (merged["actor"], merged["channel"], merged["new"]) == (MEMBER, "web", "2")
    assert [s.recipients for s in statuses] == [["alice@customer.test"]]
