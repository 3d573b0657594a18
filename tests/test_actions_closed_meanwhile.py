"""A ticket closed while its action runs (a member closes it as done by hand, as spam,
merges it): the action's ``on_success`` state must not reopen it. ``open`` over a close
(a move the state machine allows: a member reopens so) put the spam back on the board;
the close stands, and the ticket says why the state was left."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from gateway.actions import results
from gateway.actions.outcome import Step
from gateway.actions.results import Done
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from store.db import transaction
from tests.support.actions import action_app, argv_yaml, drain, script
from tests.support.app import MEMBERS, reply_address
from tests.support.databases import postgres_only
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


def _team_reply(folder: Path) -> Path:
    """The team's ``account_created`` reply, in both languages."""
    for locale in ("ja", "en"):
        (folder / locale).mkdir(parents=True)
        (folder / locale / "account_created.subject.j2").write_text("Ready\n", encoding="utf-8")
        (folder / locale / "account_created.txt.j2").write_text(
            "Account {{ result.account }} is ready.\n", encoding="utf-8"
        )
    return folder


@pytest.mark.parametrize(
    ("command", "replied"),
    [
        ("/close spam", False),  # never a request: nobody to answer
        ("/close duplicate", False),  # the other ticket answers
        ("/merge {other}", False),  # the ticket it went into answers
        ("/close", True),  # done by hand meanwhile: the answer is still true and useful
        ("/close stale", True),
    ],
)
def test_the_reply_to_the_requester_is_held_back_when_the_ticket_was_closed_as_no_request(
    settings: Settings, clock: FakeClock, tmp_path: Path, command: str, replied: bool
) -> None:
    """``on_success``'s reply after a close while the action ran: the work was done, and
    a requester whose ticket was closed as resolved still wants its answer; one closed as
    spam, as a duplicate, or merged into another is no conversation of the requester's
    (the sender of spam must hear nothing; a duplicate's requester hears on the other)."""
    argv = [*script(tmp_path, "slow.py", SLOW), str(tmp_path)]
    action = (
        f"type: command\nargv: {argv_yaml(argv)}\ntimeout: 60s\n"
        "on_success: {reply: account_created}\n"
    )
    team = _team_reply(tmp_path / "team")
    app = action_app(settings, clock, tmp_path, action, templates_dir=team)
    try:
        ticket_id = deliver(app, mail(subject="account", body="User ID: taro\n")).ticket_id or 0
        other = deliver(app, mail(subject="Printer jam on 3F", message_id="<p@c.test>")).ticket_id
        done: list[Done] = []
        worker = threading.Thread(target=lambda: done.extend(drain(app)), daemon=True)
        worker.start()
        eventually(lambda: (tmp_path / "started").exists())
        said = command.format(other=other) + "\n"
        deliver(app, member_mail(app, ticket_id, "ops@example.test", said))
        assert show(app, ticket_id)["state"] == "closed"
        (tmp_path / "go").touch()
        worker.join(PATIENCE)
        assert [d.step for d in done] == [Step.SUCCEEDED]
        t = show(app, ticket_id)
        withheld = [e for e in t["events"] if e["kind"] == "action-reply-withheld"]
        if replied:
            [reply] = outbox(app, "action_reply")
            assert reply.recipients == ["alice@customer.test"]
            assert withheld == []
        else:
            assert outbox(app, "action_reply") == []
            [event] = withheld
            assert event["detail"]["template"] == "account_created"
            assert event["detail"]["reason"]
    finally:
        (tmp_path / "go").touch()
        app.close()


QUICK = """
    import sys
    sys.stdin.read()
    print('{"account": "taro"}')
"""


@postgres_only
def test_a_close_on_another_instance_while_the_outcome_is_recorded_stands(
    settings: Settings, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The outcome's check ("closed while it ran?") read the ticket without its row
    lock: a member's ``/close spam`` committed on another instance between that read
    and the outcome's commit was written over with ``open``. The row is now locked for
    the outcome: the close waits for it, and comes after."""
    argv = script(tmp_path, "quick.py", QUICK)
    action = f"type: command\nargv: {argv_yaml(argv)}\ntimeout: 60s\non_success: {{state: open}}\n"
    app = action_app(settings, clock, tmp_path, action)
    closing: list[threading.Thread] = []
    event = results.event

    def meanwhile(*args: Any) -> None:
        """The other instance's close, sent between the read and the commit."""
        if not closing:
            said = member_mail(app, ticket_id, "ops@example.test", "/close spam\n")
            closing.append(threading.Thread(target=deliver, args=(app, said)))
            closing[0].start()
            eventually(lambda: not closing[0].is_alive() or _waits_for_a_row(app))
        event(*args)

    try:
        ticket_id = deliver(app, mail(subject="account", body="User ID: taro\n")).ticket_id or 0
        monkeypatch.setattr(results, "event", meanwhile)
        assert [d.step for d in drain(app)] == [Step.SUCCEEDED]
        closing[0].join(PATIENCE)
        t = show(app, ticket_id)
        assert (t["state"], t["close_reason"]) == ("closed", "spam")
    finally:
        app.close()


def _waits_for_a_row(app: App) -> bool:
    """Is a session of this database waiting for another's row lock?"""
    with transaction(app.sessions) as s:
        waiting = s.execute(
            text("SELECT count(*) FROM pg_locks WHERE locktype = 'transactionid' AND NOT granted")
        ).scalar()
    return bool(waiting)
