"""A ticket closed while its action runs (a member closes it as done by hand, as spam,
merges it): the action's ``on_success`` state must not reopen it. ``open`` over a close
(a move the state machine allows: a member reopens so) put the spam back on the board;
the close stands, and the ticket says why the state was left."""

from __future__ import annotations

import threading
from pathlib import Path

from gateway.actions.outcome import Step
from gateway.actions.results import Done
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from tests.support.actions import action_app, argv_yaml, drain, script
from tests.support.app import MEMBERS, reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show
from tests.support.waiting import PATIENCE, eventually

# tells it started (a file), then waits until the test lets it end (another file)
SLOW = """
    import pathlib, sys, time
    sys.stdin.read()
    folder = pathlib.Path(sys.argv[1])
    (folder / "started").touch()
    for _ in range(600):
        if (folder / "go").exists():
            break
        time.sleep(0.05)
    print('{"account": "taro"}')
"""


def member_mail(app: App, ticket_id: int, member: str, body: str) -> bytes:
    name = {m.email: m.name for m in MEMBERS}[member]
    to = reply_address(app, ticket_id, member)
    return mail(
        subject=f"Re: [#{ticket_id}] account", body=body, sender=f"{name} <{member}>", to=to
    )


def test_on_success_never_reopens_a_ticket_closed_while_the_action_ran(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    argv = [*script(tmp_path, "slow.py", SLOW), str(tmp_path)]
    action = f"type: command\nargv: {argv_yaml(argv)}\ntimeout: 60s\non_success: {{state: open}}\n"
    app = action_app(settings, clock, tmp_path, action)
    try:
        ticket_id = deliver(app, mail(subject="account", body="User ID: taro\n")).ticket_id or 0
        done: list[Done] = []
        worker = threading.Thread(target=lambda: done.extend(drain(app)), daemon=True)
        worker.start()
        eventually(lambda: (tmp_path / "started").exists())
        deliver(app, member_mail(app, ticket_id, "ops@example.test", "/close spam\n"))
        assert show(app, ticket_id)["state"] == "closed"
        mails = len(outbox(app))
        (tmp_path / "go").touch()
        worker.join(PATIENCE)
        assert [d.step for d in done] == [Step.SUCCEEDED]  # it ran: that is recorded
        t = show(app, ticket_id)
        assert (t["state"], t["close_reason"]) == ("closed", "spam")
        assert [e for e in t["events"] if e["kind"] == "action-state-refused"]
        assert len(outbox(app)) == mails  # nothing more to anyone
    finally:
        (tmp_path / "go").touch()
        app.close()
