"""A ticket filed under another entry while its action's run waits (in the queue, or for
its next try after a 5xx): the request was not that entry's, a member said so with
``/category``. The old entry's action (an account made for a printer jam) must not run
on the ticket; it was run as if nothing had changed, silently."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.actions.outcome import Step
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from gateway.runtime.cli.actions import cmd_actions_retry
from gateway.runtime.cli.common import EX_DATAERR, EX_OK
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


def test_a_run_queued_under_the_entry_the_ticket_left_is_not_run(
    settings: Settings, clock: FakeClock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "ran.jsonl"
    argv = [*script(tmp_path, "record.py", RECORDER), str(log)]
    app = action_app(settings, clock, tmp_path, f"type: command\nargv: {argv_yaml(argv)}\n")
    try:
        ticket_id = deliver(app, mail(subject="account", body="User ID: taro\n")).ticket_id or 0
        [queued] = runs(app)
        assert queued["state"] == "pending"
        deliver(app, member_mail(app, ticket_id, "/category other\n"))
        assert show(app, ticket_id)["catalog"] == "other"
        [done] = drain(app)
        assert recorded(log) == []  # the account was not made
        assert (done.step, done.ran, done.attempt) == (Step.FAILED, False, 0)
        [run] = runs(app)
        assert (run["state"], run["attempts"]) == ("failed", 0)
        assert "other" in run["last_error"] or "Other" in run["last_error"], run
        notes = [e for e in show(app, ticket_id)["events"] if e["kind"] == "note"]
        said = notes[-1]["detail"]["text"]
        assert "その他" in said and "/category" in said, said  # in the team's language: ja
        assert f"actions retry {run['id']}" in said, said

        # retried while it is filed elsewhere: refused, as the worker would not run it
        capsys.readouterr()
        assert cmd_actions_retry(argparse.Namespace(id=run["id"]), app.settings) == EX_DATAERR
        assert "filed under other now" in capsys.readouterr().err
        assert recorded(log) == []
        # filed back: the retry runs it
        deliver(app, member_mail(app, ticket_id, "/category account\n"))
        assert cmd_actions_retry(argparse.Namespace(id=run["id"]), app.settings) == EX_OK
        # the command line's retry makes it due by the real clock
        clock.advance(datetime.now(UTC) - clock.now() + timedelta(minutes=1))
        [again] = drain(app)
        assert again.step == Step.SUCCEEDED
        assert len(recorded(log)) == 1
    finally:
        app.close()
