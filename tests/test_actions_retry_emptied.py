"""``actions retry`` of a run whose sheet was emptied again since: a member took a wrong
value away (the user ID was another person's) and waits for the requester's. The retry
sent the value taken away, as stored with the run: the account made for the wrong person,
said as "due now". It is refused, naming what the sheet lacks, until it is filled in;
then the retry sends the sheet as corrected."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.cli.actions import cmd_actions_retry
from gateway.runtime.cli.common import EX_DATAERR, EX_OK
from gateway.tickets import changes
from store import tickets
from store.db import transaction
from tests.support.actions import action_app, argv_yaml, drain, runs, script
from tests.support.mails import mail
from tests.support.pipeline import deliver, show

# fails (65: no such user) until the directory is fixed; logs the user ID it was sent
DIRECTORY = """
    import json, pathlib, sys
    doc = json.loads(sys.stdin.read())
    folder = pathlib.Path(sys.argv[1])
    with open(folder / "sent.txt", "a", encoding="utf-8") as log:
        log.write(doc["fields"]["user_id"] + "\\n")
    if not (folder / "fixed").exists():
        print("directory is down", file=sys.stderr)
        sys.exit(65)
    print('{"account": "made"}')
"""


def test_a_retry_does_not_send_a_value_taken_away_since(
    settings: Settings, clock: FakeClock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [*script(tmp_path, "directory.py", DIRECTORY), str(tmp_path)]
    action = f"type: command\nargv: {argv_yaml(argv)}\nretries: 0\n"
    app = action_app(settings, clock, tmp_path, action)
    sent = tmp_path / "sent.txt"
    try:
        ticket_id = deliver(app, mail(subject="account", body="User ID: jiro\n")).ticket_id or 0
        [failed] = drain(app)
        assert failed.step.value == "failed"
        assert sent.read_text(encoding="utf-8").split() == ["jiro"]
        with transaction(app.sessions) as s:  # a member: jiro is someone else
            ticket = tickets.get(s, ticket_id)
            assert ticket is not None
            cleared = changes.clear_field(
                s, ticket, "user_id", clock.now(), actor="ops@example.test", channel="mail"
            )
            assert cleared
        (tmp_path / "fixed").touch()
        [run] = runs(app)
        capsys.readouterr()

        assert cmd_actions_retry(argparse.Namespace(id=run["id"]), app.settings) == EX_DATAERR
        assert "user_id" in capsys.readouterr().err
        clock.advance(datetime.now(UTC) - clock.now() + timedelta(minutes=1))
        assert drain(app) == []
        assert sent.read_text(encoding="utf-8").split() == ["jiro"]  # not sent again
        [still] = runs(app)
        assert still["state"] == "failed"

        with transaction(app.sessions) as s:  # the requester's answer, filled in
            ticket = tickets.get(s, ticket_id)
            assert ticket is not None
            changes.set_field(
                s, ticket, "user_id", "taro", clock.now(), actor="ops@example.test", channel="mail"
            )
        assert cmd_actions_retry(argparse.Namespace(id=run["id"]), app.settings) == EX_OK
        clock.advance(timedelta(minutes=1))
        [done] = drain(app)
        assert done.step.value == "succeeded"
        assert sent.read_text(encoding="utf-8").split() == ["jiro", "taro"]
    finally:
        app.close()


# asks to be run again (75) until the directory is fixed; logs the user ID it was sent
BUSY = DIRECTORY.replace("sys.exit(65)", "sys.exit(75)")


def test_a_run_waiting_for_its_next_try_does_not_send_a_value_taken_away_since(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """The same for a run waiting for its next try (the directory was busy): the next try
    sent the value taken away meanwhile. It is not run, its note saying what the sheet
    lacks and that ``/field`` then ``actions retry`` runs it."""
    argv = [*script(tmp_path, "directory.py", BUSY), str(tmp_path)]
    action = f"type: command\nargv: {argv_yaml(argv)}\nretries: 3\n"
    app = action_app(settings, clock, tmp_path, action)
    sent = tmp_path / "sent.txt"
    try:
        ticket_id = deliver(app, mail(subject="account", body="User ID: jiro\n")).ticket_id or 0
        [busy] = drain(app)
        assert busy.step.value == "pending"
        with transaction(app.sessions) as s:
            ticket = tickets.get(s, ticket_id)
            assert ticket is not None
            changes.clear_field(
                s, ticket, "user_id", clock.now(), actor="ops@example.test", channel="mail"
            )
        (tmp_path / "fixed").touch()
        clock.advance(timedelta(hours=1))
        [done] = drain(app)
        assert sent.read_text(encoding="utf-8").split() == ["jiro"]  # not sent again
        assert (done.step.value, done.ran) == ("failed", False)
        [run] = runs(app)
        assert (run["state"], run["attempts"]) == ("failed", 1)  # the try made before
        assert "user_id" in run["last_error"], run
        events = show(app, ticket_id)["events"]
        note = [e for e in events if e["kind"] == "note"][-1]["detail"]["text"]
        assert "/field" in note and f"actions retry {run['id']}" in note, note
    finally:
        app.close()
