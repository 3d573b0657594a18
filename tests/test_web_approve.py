"""The ticket page's approval button (issue #16: ``when: approved`` waits for a manager's
``/approve`` by mail, the web button, or the chat button): shown to managers while the
ticket's action waits, it queues the run through the function ``/approve`` uses."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from gateway.config.settings import CatalogSettings, Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import build
from gateway.web.context import WebContext
from store.accept.generic import open_inbox
from tests.support.actions import argv_yaml, catalog_text, runs, script
from tests.support.mails import mail
from tests.support.pipeline import deliver, show
from tests.support.web import Rig, csrf_of, sign_in, web_settings

BOSS, OPS = "boss@example.test", "ops@example.test"  # the entry's manager; a member
APPROVE_BUTTON = re.compile(r'<input type="hidden" name="action" value="approve">')


@contextmanager
def approval_rig(settings: Settings, clock: FakeClock, folder: Path) -> Iterator[Rig]:
    argv = script(folder, "noop.py", "import sys; sys.stdin.read()")
    action = f"type: command\nargv: {argv_yaml(argv)}\nwhen: approved"
    (folder / "catalog.yaml").write_text(catalog_text(action), encoding="utf-8")
    s = replace(web_settings(settings), catalog=CatalogSettings(folder / "catalog.yaml"))
    app = build(s, clock)
    ctx = WebContext(
        settings=s,
        sessions=app.sessions,
        clock=clock,
        catalog=lambda: app.catalog.current,
        open_acceptor=lambda: open_inbox(s.database.url, app.sessions),
        nudge=lambda: None,
    )
    try:
        yield Rig(app, clock, ctx)
    finally:
        ctx.close()
        app.close()


def _waiting(r: Rig) -> int:
    tid = deliver(r.app, mail(subject="account please", body="User ID: taro\n")).ticket_id
    assert tid is not None and [x["state"] for x in runs(r.app)] == ["awaiting_approval"]
    return tid


def test_a_manager_approves_from_the_ticket_page(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    async def scenario(client: TestClient[Any, Any], r: Rig, tid: int) -> tuple[str, str, str]:
        await sign_in(client, r, BOSS)
        page = await (await client.get(f"/tickets/{tid}")).text()
        csrf = await csrf_of(client, f"/tickets/{tid}")
        done = await client.post(
            f"/tickets/{tid}", data={"action": "approve", "csrf": csrf}, allow_redirects=False
        )
        after = await (await client.get(f"/tickets/{tid}")).text()
        again = await client.post(
            f"/tickets/{tid}", data={"action": "approve", "csrf": csrf}, allow_redirects=False
        )
        return page, done.headers["Location"] + " " + again.headers["Location"], after

    with approval_rig(settings, clock, tmp_path) as r:
        tid = _waiting(r)
        page, where, after = r.serve(lambda c: scenario(c, r, tid))
        assert APPROVE_BUTTON.search(page) and "承認" in page  # the manager reads Japanese
        assert where == f"/tickets/{tid} /tickets/{tid}?error=approval"  # once only
        assert not APPROVE_BUTTON.search(after)
        assert [x["state"] for x in runs(r.app)] == ["pending"]
        [approved] = [e for e in show(r.app, tid)["events"] if e["kind"] == "action-approved"]
        assert (approved["actor"], approved["channel"]) == (BOSS, "web")


def test_a_member_who_is_not_a_manager_cannot_approve(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    async def scenario(client: TestClient[Any, Any], r: Rig, tid: int) -> tuple[str, str]:
        await sign_in(client, r, OPS)
        page = await (await client.get(f"/tickets/{tid}")).text()
        csrf = await csrf_of(client, f"/tickets/{tid}")
        refused = await client.post(
            f"/tickets/{tid}", data={"action": "approve", "csrf": csrf}, allow_redirects=False
        )
        return page, refused.headers["Location"]

    with approval_rig(settings, clock, tmp_path) as r:
        tid = _waiting(r)
        page, where = r.serve(lambda c: scenario(c, r, tid))
        assert not APPROVE_BUTTON.search(page)
        assert where == f"/tickets/{tid}?error=approval"
        assert [x["state"] for x in runs(r.app)] == ["awaiting_approval"]
