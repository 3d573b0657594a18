"""The ticket page's approve button (issue #16: "a manager's ``/approve`` by mail, the web
button, or the chat button"): a manager sees it while the entry's action waits for
approval, and it queues the run through the same function as ``/approve``, with the web
as the channel; a refusal says why, in the page's language; an ops member sees no button
and a forged post is refused the same way."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.actions import RECORDER, argv_yaml, catalog_text, runs, script
from tests.support.mails import mail
from tests.support.pipeline import deliver, show
from tests.support.web import csrf_of, member_page, rig, sign_in

BOSS, OPS = "boss@example.test", "ops@example.test"  # the boss reads Japanese


def _catalog(tmp_path: Path) -> Path:
    argv = [*script(tmp_path, "record.py", RECORDER), str(tmp_path / "runs.jsonl")]
    path = tmp_path / "catalog.yaml"
    action = f"type: command\nargv: {argv_yaml(argv)}\nwhen: approved\n"
    path.write_text(catalog_text(action), encoding="utf-8")
    return path


def _press(r: Any, who: str, ticket_id: int) -> tuple[str, int, str]:
    """The ticket page as ``who`` sees it, then a press of the approve button (posted
    whether or not the page shows it): (page, status, the answer's page or Location)."""

    async def scenario(client: TestClient[Any, Any]) -> tuple[str, int, str]:
        await sign_in(client, r, who)
        html = await (await client.get(f"/tickets/{ticket_id}")).text()
        csrf = await csrf_of(client, f"/tickets/{ticket_id}")
        answer = await client.post(
            f"/tickets/{ticket_id}",
            data={"csrf": csrf, "action": "approve"},
            allow_redirects=False,
        )
        said = answer.headers.get("Location", "") or await answer.text()
        return html, answer.status, said

    result: tuple[str, int, str] = r.serve(scenario)
    return result


def test_a_manager_approves_from_the_ticket_page(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    with rig(settings, clock, catalog=_catalog(tmp_path)) as r:
        tid = deliver(r.app, mail(subject="account", body="User ID: shiro\n")).ticket_id
        assert tid is not None and runs(r.app)[0]["state"] == "awaiting_approval"
        ops_page, ops_status, ops_said = _press(r, OPS, tid)
        assert 'id="approve"' not in ops_page
        assert ops_status == 409 and "only managers may approve an action" in ops_said
        assert runs(r.app)[0]["state"] == "awaiting_approval"

        boss_page, status, went = _press(r, BOSS, tid)
        assert 'id="approve"' in boss_page
        assert (status, went) == (303, f"/tickets/{tid}")
        [run] = runs(r.app)
        assert (run["state"], run["trigger"], run["triggered_by"]) == ("pending", "approved", BOSS)
        [approved] = [e for e in show(r.app, tid)["events"] if e["kind"] == "action-approved"]
        assert (approved["actor"], approved["channel"]) == (BOSS, "web")

        after, again, said = _press(r, BOSS, tid)  # nothing waits any more: no button
        assert 'id="approve"' not in after
        assert (again, said) == (303, f"/tickets/{tid}?already=approved")


def test_approve_pressed_twice_is_done_once_and_says_so(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """The second press of "approve" (a double click, or a second manager on the same
    page) found the run already released and answered 409 "already approved: run #1 is
    pending" titled "was not approved", over the approval just made. Now it lands on the
    ticket's page, which says it is approved already, in the page's language; one
    approval, one run. A real conflict (not a manager, a sheet not complete) is still
    refused: the tests above and below."""
    with rig(settings, clock, catalog=_catalog(tmp_path)) as r:
        tid = deliver(r.app, mail(subject="account", body="User ID: shiro\n")).ticket_id
        assert tid is not None
        assert _press(r, BOSS, tid)[1:] == (303, f"/tickets/{tid}")
        _, status, went = _press(r, BOSS, tid)
        ja = member_page(r, BOSS, went)
        en = member_page(r, BOSS, went + "&lang=en")
        ticket = show(r.app, tid)
        [run] = runs(r.app)
    assert status == 303
    assert "この自動処理はすでに承認されています" in ja
    assert "The action was already approved" in en and "すでに" not in en
    assert [e["kind"] for e in ticket["events"]].count("action-approved") == 1
    assert (run["state"], run["triggered_by"]) == ("pending", BOSS)


def test_an_incomplete_sheet_is_refused_with_the_reason(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    with rig(settings, clock, catalog=_catalog(tmp_path)) as r:
        tid = deliver(r.app, mail(subject="account", body="Hello\n")).ticket_id
        assert tid is not None
        _, status, said = _press(r, BOSS, tid)
        assert status == 409
        why = re.search(r'<p class="error" role="alert" id="why">(.*?)</p>', said)
        assert why and "user_id" in why.group(1) and "sheet" not in why.group(1), said
        assert runs(r.app) == []  # a run is written once the sheet is complete


def test_two_managers_approving_at_once_approve_once(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """Two managers press "approve" at the same moment, each in its own session: the
    second waits for the first (the ticket's row), reads the run released and is told
    it was approved already; one approval, one document."""
    import threading
    import time

    from gateway.actions import trigger
    from gateway.config.settings import Member
    from store import tickets
    from store.db import transaction

    team = [Member(email=BOSS, role="manager"), Member(email="boss2@example.test", role="manager")]
    with rig(settings, clock, catalog=_catalog(tmp_path)) as r:
        tid = deliver(r.app, mail(subject="account", body="User ID: shiro\n")).ticket_id
        assert tid is not None
        catalog, now = r.app.catalog.current, clock.now()
        second: list[object] = []
        first_holds = threading.Event()

        def approve(who: str) -> None:
            with transaction(r.app.sessions) as s:
                ticket = tickets.get_to_change(s, tid)
                assert ticket is not None
                trigger.approve(s, team, catalog, ticket, now, actor=who, channel="web")
                if who == BOSS:
                    first_holds.set()  # approved, not committed: the other one presses
                    time.sleep(0.5)

        def other_manager() -> None:
            first_holds.wait(10)
            try:
                approve("boss2@example.test")
                second.append("approved")
            except trigger.ApprovalRefused as exc:
                second.append(exc)

        thread = threading.Thread(target=other_manager)
        thread.start()
        try:
            approve(BOSS)
        finally:
            thread.join(30)
        assert not thread.is_alive()
        ticket = show(r.app, tid)
        [run] = runs(r.app)
    [said] = second
    assert isinstance(said, trigger.AlreadyApproved), said
    assert [e["kind"] for e in ticket["events"]].count("action-approved") == 1
    assert run["triggered_by"] == BOSS


def test_a_note_typed_before_approve_goes_with_it(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """The approve button is one of the note box's buttons: a manager's note (why they
    approve) typed before pressing it is added, once, with the approval."""

    async def scenario(client: TestClient[Any, Any]) -> None:
        await sign_in(client, r, BOSS)
        csrf = await csrf_of(client, f"/tickets/{tid}")
        html = await (await client.get(f"/tickets/{tid}")).text()
        assert 'form="work" name="action" value="approve"' in html
        for _ in range(2):
            sent = {"csrf": csrf, "action": "approve", "note": "部長承認済み"}
            await client.post(f"/tickets/{tid}", data=sent, allow_redirects=False)

    with rig(settings, clock, catalog=_catalog(tmp_path)) as r:
        tid = deliver(r.app, mail(subject="account", body="User ID: shiro\n")).ticket_id
        r.serve(scenario)
        ticket = show(r.app, tid)
    kinds = [e["kind"] for e in ticket["events"]]
    assert [e["detail"]["text"] for e in ticket["events"] if e["kind"] == "note"] == [
        "部長承認済み"
    ]
    assert kinds.count("action-approved") == 1
    assert kinds.index("note") < kinds.index("action-approved")


def test_the_button_follows_a_run_withdrawn_unapproved(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """A run awaiting approval is withdrawn when its ticket is closed (failed, never
    approved): the closed ticket's page offers no button (the approval would be
    refused), the reopened ticket's offers it again, and it queues the run."""
    from tests.support.actions import drain
    from tests.support.app import MEMBERS, reply_address

    with rig(settings, clock, catalog=_catalog(tmp_path)) as r:
        tid = deliver(r.app, mail(subject="account", body="User ID: shiro\n")).ticket_id
        assert tid is not None

        def member(body: str) -> bytes:
            name = {m.email: m.name for m in MEMBERS}[OPS]
            to = reply_address(r.app, tid, OPS)
            return mail(subject=f"Re: [#{tid}] account", body=body, sender=f"{name} <{OPS}>", to=to)

        deliver(r.app, member("/close\n"))
        drain(r.app)
        assert runs(r.app)[0]["state"] == "failed"
        closed_page, status, _said = _press(r, BOSS, tid)
        assert 'id="approve"' not in closed_page and status == 409
        deliver(r.app, member("/open\n"))
        open_page, status, went = _press(r, BOSS, tid)
        assert 'id="approve"' in open_page
        assert (status, went) == (303, f"/tickets/{tid}")
        assert runs(r.app)[0]["state"] == "pending"
