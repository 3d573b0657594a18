"""A closed ticket's sheet completed by a member's mail (``/field`` on a ticket closed as
done by hand, or ``/field`` with ``/close`` in one mail): the README promises such a
sheet "starts no action" (the work was done by hand, or withdrawn), as ``tickets field``
keeps it. The mail's commands queued a run anyway, which the worker then ended as "not
run: the ticket was closed", telling the team to reopen and retry work nobody wants."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from tests.support.actions import RECORDER, action_app, argv_yaml, drain, recorded, runs, script
from tests.support.app import MEMBERS, reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, show


def member_mail(app: App, ticket_id: int, body: str) -> bytes:
    member = "ops@example.test"
    name = {m.email: m.name for m in MEMBERS}[member]
    to = reply_address(app, ticket_id, member)
    return mail(
        subject=f"Re: [#{ticket_id}] account", body=body, sender=f"{name} <{member}>", to=to
    )


@pytest.mark.parametrize(
    ("before", "commands"),
    [
        ("/close\n", "/field user_id taro\n"),  # closed first, corrected later
        ("", "/field user_id taro\n/close\n"),  # completed and closed by one mail
    ],
    ids=["closed-before", "closed-with"],
)
def test_a_closed_tickets_sheet_completed_by_mail_starts_no_action(
    settings: Settings, clock: FakeClock, tmp_path: Path, before: str, commands: str
) -> None:
    log = tmp_path / "ran.jsonl"
    argv = [*script(tmp_path, "record.py", RECORDER), str(log)]
    app = action_app(settings, clock, tmp_path, f"type: command\nargv: {argv_yaml(argv)}\n")
    try:
        tid = deliver(app, mail(subject="New account please", body="Hello.\n")).ticket_id or 0
        if before:
            deliver(app, member_mail(app, tid, before))
        deliver(app, member_mail(app, tid, commands))
        t = show(app, tid)
        assert t["state"] == "closed" and t["fields"]["user_id"] == "taro"
        assert runs(app) == []
        drain(app)
        assert recorded(log) == []
        kinds = [e["kind"] for e in show(app, tid)["events"]]
        assert "action-queued" not in kinds
        deliver(app, member_mail(app, tid, "/open\n"))  # wanted after all: it starts now
        assert [r["state"] for r in runs(app)] == ["pending"]
    finally:
        app.close()
