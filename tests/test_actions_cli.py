"""``ticket-gateway actions list|retry|run`` and the runs in ``tickets show``, through the
real command line on a config file and catalog an operator would write."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.actions import argv_yaml, catalog_text, script
from tests.support.app import MEMBERS, configured_reply_address
from tests.support.cli import run
from tests.support.config import members_toml, with_database, write_config
from tests.support.mails import mail

# fails (exit 65: bad input) until the operator has fixed things (the file exists)
UNTIL_FIXED = """
    import pathlib, sys
    sys.stdin.read()
    if not pathlib.Path(sys.argv[1]).exists():
        print("directory says: no such OU", file=sys.stderr)
        sys.exit(65)
    print('{"account": "taro"}')
"""


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    argv = [*script(tmp_path, "create.py", UNTIL_FIXED), str(tmp_path / "fixed")]
    action = f"type: command\nargv: {argv_yaml(argv)}\nretries: 0\non_failure: {{notify: assignee}}"
    (tmp_path / "catalog.yaml").write_text(catalog_text(action), encoding="utf-8")
    return with_database(
        write_config(
            tmp_path,
            locale="en",
            extra=f'[catalog]\npath = "catalog.yaml"\n{members_toml(MEMBERS)}',
        )
    )


def test_list_retry_and_run(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    request = tmp_path / "request.eml"
    now = datetime.now(UTC)  # the command line runs on the real clock: a fresh request
    asked = "<account-1@customer.test>"
    request.write_bytes(mail(subject="account", body="User ID: taro\n", date=now, message_id=asked))
    assert run(config, "ingest", str(request), capsys=capsys).code == 0
    [queued] = json.loads(run(config, "actions", "list", "--json", capsys=capsys).out)
    assert (queued["state"], queued["entry"], queued["type"]) == ("pending", "account", "command")
    assert (
        json.loads(run(config, "actions", "list", "--state", "failed", "--json", capsys=capsys).out)
        == []
    )

    [failed] = json.loads(run(config, "actions", "run", "--json", capsys=capsys).out)
    assert (failed["state"], failed["status"], failed["error"]) == ("failed", 65, "exit 65")
    listed = run(config, "actions", "list", "--state", "failed", capsys=capsys).out
    _header, row = listed.splitlines()  # the header names the columns (test_cli_list_headers)
    assert row.split()[:5] == [str(queued["id"]), "#1", "account", "command", "failed"]

    assert run(config, "actions", "retry", "99", capsys=capsys).code == 69
    (tmp_path / "fixed").touch()
    done = run(config, "actions", "retry", str(queued["id"]), capsys=capsys)
    assert done.code == 0 and f"run #{queued['id']} is due now" in done.out
    [retried] = json.loads(run(config, "actions", "list", "--json", capsys=capsys).out)
    assert (retried["state"], retried["attempts"]) == ("pending", 0)
    assert retried["idempotency_key"] == queued["idempotency_key"]  # same run, same key

    ran = run(config, "actions", "run", capsys=capsys).out
    assert ran.startswith(f"run #{queued['id']} ticket #1: succeeded, status 0")
    again = run(config, "actions", "retry", str(queued["id"]), capsys=capsys)
    assert again.code == 65 and "only a failed or waiting run is retried" in again.err

    shown = json.loads(run(config, "tickets", "show", "1", "--json", capsys=capsys).out)
    [row] = shown["action_runs"]
    assert (row["state"], row["attempts"], row["last_status"]) == ("succeeded", 1, 0)
    kinds = [e["kind"] for e in shown["events"]]
    assert kinds.count("action") == 2 and "action-retry" in kinds
    retry = next(e for e in shown["events"] if e["kind"] == "action-retry")
    assert retry["channel"] == "cli" and retry["actor"].startswith("cli")
    notes = [e["detail"]["text"] for e in shown["events"] if e["kind"] == "note"]
    assert "failed for good after 1 attempt: exit 65" in notes[0]
    assert "succeeded: exit 0 on attempt 1" in notes[1]
    text = run(config, "tickets", "show", "1", capsys=capsys).out
    assert "Action runs:" in text and f"#{row['id']} account (command): succeeded" in text


def test_retry_says_it_in_japanese_for_a_japanese_operator(
    config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LC_ALL", "ja_JP.UTF-8")
    assert run(config, "actions", "retry", "5", capsys=capsys).err == (
        "ticket-gateway: 実行 #5 はありません\n"
    )


# refuses (exit 65) a user id the directory does not know; records what it got
PICKY = """
    import json, sys
    doc = json.loads(sys.stdin.read())
    with open(sys.argv[1], "a", encoding="utf-8") as log:
        log.write(json.dumps(doc) + "\\n")
    if doc["fields"]["user_id"] != "taro.yamada":
        print("directory says: no such user", file=sys.stderr)
        sys.exit(65)
"""


def test_a_retry_after_the_sheet_was_corrected_sends_the_corrected_sheet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    got = tmp_path / "got.jsonl"
    argv = [*script(tmp_path, "picky.py", PICKY), str(got)]
    action = f"type: command\nargv: {argv_yaml(argv)}\nretries: 0"
    (tmp_path / "catalog.yaml").write_text(catalog_text(action), encoding="utf-8")
    config = write_config(
        tmp_path, locale="en", extra=f'[catalog]\npath = "catalog.yaml"\n{members_toml(MEMBERS)}'
    )
    now = datetime.now(UTC)
    request, reply = tmp_path / "request.eml", tmp_path / "reply.eml"
    asked = "<account-1@customer.test>"
    request.write_bytes(mail(subject="account", body="User ID: taro\n", date=now, message_id=asked))
    assert run(config, "ingest", str(request), capsys=capsys).code == 0
    [failed] = json.loads(run(config, "actions", "run", "--json", capsys=capsys).out)
    assert failed["state"] == "failed"
    # the directory's answer reached the requester, who corrects the sheet by reply (to
    # their reply address: a mail naming the ticket by its tag or Message-ID alone would
    # be kept unverified)
    to = configured_reply_address(config, 1, "alice@customer.test")
    reply.write_bytes(
        mail(
            subject="Re: [#1] account",
            body="User ID: taro.yamada\n",
            date=now,
            to=to,
            in_reply_to=asked,
        )
    )
    assert run(config, "ingest", str(reply), capsys=capsys).code == 0
    shown = json.loads(run(config, "tickets", "show", "1", "--json", capsys=capsys).out)
    assert shown["fields"]["user_id"] == "taro.yamada"
    [before] = json.loads(run(config, "actions", "list", "--json", capsys=capsys).out)

    retried = run(config, "actions", "retry", str(before["id"]), capsys=capsys)
    assert retried.code == 0 and "corrected" in retried.out
    [done] = json.loads(run(config, "actions", "run", "--json", capsys=capsys).out)
    assert done["state"] == "succeeded"
    sent = [json.loads(line)["fields"]["user_id"] for line in got.read_text().splitlines()]
    assert sent == ["taro", "taro.yamada"]  # the corrected sheet, not the one that failed
    [after] = json.loads(run(config, "actions", "list", "--json", capsys=capsys).out)
    assert after["idempotency_key"] != before["idempotency_key"]  # other input, other work
    assert after["input_sha256"] != before["input_sha256"]
    shown = json.loads(run(config, "tickets", "show", "1", "--json", capsys=capsys).out)
    retry = next(e for e in shown["events"] if e["kind"] == "action-retry")
    assert retry["detail"]["input_changed"] is True
    assert retry["detail"]["was_idempotency_key"] == before["idempotency_key"]


def test_a_run_its_closed_ticket_withdrew_is_retried_once_the_ticket_is_reopened(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The ticket was closed before its run's first try (the work done by hand): the run
    is not run, and its note says so, not "failed for good after 1 attempt" (nothing
    was tried), and not "actions retry runs it again": a retry on the closed ticket was
    accepted ("due now") and ended failed again at once without running. It is refused
    until the ticket is reopened, as ``/approve`` is."""
    request = tmp_path / "request.eml"
    request.write_bytes(mail(subject="account", body="User ID: taro\n", date=datetime.now(UTC)))
    assert run(config, "ingest", str(request), capsys=capsys).code == 0
    (tmp_path / "fixed").touch()
    assert run(config, "tickets", "set-state", "1", "closed", capsys=capsys).code == 0
    [withdrawn] = json.loads(run(config, "actions", "run", "--json", capsys=capsys).out)
    assert withdrawn["state"] == "failed"
    # as actions list counts it: no try was made (it said "attempt": 1 of a run not run)
    assert (withdrawn["attempt"], withdrawn["ran"]) == (0, False), withdrawn
    shown = json.loads(run(config, "tickets", "show", "1", "--json", capsys=capsys).out)
    [row] = shown["action_runs"]
    assert (row["state"], row["attempts"]) == ("failed", 0)  # no try was made
    [note] = [e["detail"]["text"] for e in shown["events"] if e["kind"] == "note"]
    assert "was not run: the ticket was closed (resolved) before the action ran" in note
    assert "failed for good" not in note and "reopen" in note, note

    refused = run(config, "actions", "retry", str(row["id"]), capsys=capsys)
    assert refused.code == 65 and "closed; reopen it" in refused.err, refused.err
    assert (
        json.loads(run(config, "actions", "list", "--json", capsys=capsys).out)[0]["state"]
        == "failed"
    )
    assert run(config, "tickets", "set-state", "1", "open", capsys=capsys).code == 0
    assert run(config, "actions", "retry", str(row["id"]), capsys=capsys).code == 0
    [ran] = json.loads(run(config, "actions", "run", "--json", capsys=capsys).out)
    assert (ran["state"], ran["attempt"], ran["ran"]) == ("succeeded", 1, True)


def test_actions_run_says_a_withdrawn_run_was_not_run(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Its line said "failed" and nothing else set it apart from a run that was tried."""
    request = tmp_path / "request.eml"
    request.write_bytes(mail(subject="account", body="User ID: taro\n", date=datetime.now(UTC)))
    assert run(config, "ingest", str(request), capsys=capsys).code == 0
    assert run(config, "tickets", "set-state", "1", "closed", capsys=capsys).code == 0
    ran = run(config, "actions", "run", capsys=capsys)
    assert ran.code == 0 and "run #1 ticket #1: not run (failed)" in ran.out, ran.out
    [row] = json.loads(run(config, "actions", "list", "--json", capsys=capsys).out)
    assert (row["state"], row["attempts"]) == ("failed", 0)


# Says it started (the file named by its first argument), then works for a minute.
SLOW = """
    import pathlib, sys, time
    pathlib.Path(sys.argv[1]).touch()
    time.sleep(60)
"""


@pytest.mark.parametrize(("sig", "as_json"), [(signal.SIGTERM, True), (signal.SIGINT, False)])
def test_an_interrupted_actions_run_ends_the_program_and_counts_no_try(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sig: signal.Signals, as_json: bool
) -> None:
    """cron's ``timeout`` (SIGTERM) or Ctrl-C (SIGINT) while a command runs: the signal
    killed ``actions run`` (or raised out of its wait) and left the run ``running`` until
    its lease ran out, the program in its session of its own still at work. Now the
    program's group is ended as at the daemon's stop, and the try is said as the README
    says it: stopped, not counted (attempt 0, the run due again), exit 75."""
    started = tmp_path / "started"
    argv = [*script(tmp_path, "slow.py", SLOW), str(started)]
    action = f"type: command\nargv: {argv_yaml(argv)}\ntimeout: 60s\nretries: 0"
    (tmp_path / "catalog.yaml").write_text(catalog_text(action), encoding="utf-8")
    config = write_config(tmp_path, locale="en", extra='[catalog]\npath = "catalog.yaml"\n')
    request = tmp_path / "request.eml"
    request.write_bytes(mail(subject="account", body="User ID: taro\n", date=datetime.now(UTC)))
    assert run(config, "ingest", str(request), capsys=capsys).code == 0
    exe = shutil.which("ticket-gateway", path=str(Path(sys.executable).parent))
    assert exe is not None
    proc = subprocess.Popen(
        [exe, "--config", str(config), "actions", "run", *(["--json"] if as_json else [])],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "LC_ALL": "C.UTF-8"},
    )
    try:
        # a loaded machine took over 10 s to start the command: a signal before it is a
        # Ctrl-C at the program's start (130), not the interruption this test means
        deadline = time.monotonic() + 60
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert started.exists(), "the command never started"
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert proc.returncode == 75, err
    if as_json:
        [stopped] = json.loads(out)
        assert (stopped["state"], stopped["attempt"], stopped["stopped"]) == ("pending", 0, True)
        assert "stopped with actions run" in stopped["error"], stopped
    else:
        line = out.decode()
        assert line.startswith("run #1 ticket #1: stopped, not counted (pending): "), line
        assert "the daemon or the next actions run runs it again" in line, line
    [row] = json.loads(run(config, "actions", "list", "--json", capsys=capsys).out)
    assert (row["state"], row["attempts"]) == ("pending", 0)


def test_tickets_show_says_what_each_attempt_answered(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """README, "Catalog actions": ``tickets show`` lists the run and "its `action` event
    with the script's answer". The event keeps the first lines of output; the lines for
    people showed only ``action succeeded``, so what the automation said (the account
    it made, why it refused) was in ``--json`` alone."""
    request = tmp_path / "request.eml"
    now = datetime.now(UTC)
    request.write_bytes(mail(subject="account", body="User ID: taro\n", date=now))
    assert run(config, "ingest", str(request), capsys=capsys).code == 0
    run(config, "actions", "run", capsys=capsys)
    (tmp_path / "fixed").touch()
    [failed] = json.loads(run(config, "actions", "list", "--json", capsys=capsys).out)
    run(config, "actions", "retry", str(failed["id"]), capsys=capsys)
    run(config, "actions", "run", capsys=capsys)
    text = run(config, "tickets", "show", "1", capsys=capsys).out
    events = text.split("Events:", 1)[1].splitlines()
    first = next(i for i, line in enumerate(events) if " action failed" in line)
    assert "      directory says: no such OU" in events[first + 1 : first + 3]  # under [stderr]
    done = next(i for i, line in enumerate(events) if " action succeeded" in line)
    assert events[done + 1] == '      {"account": "taro"}'
    assert " note: " in events[done + 2]  # the next event on its own line
