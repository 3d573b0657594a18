"""Command actions with real programs (small scripts run by this interpreter): argv as
written without a shell, the document on stdin, a scrubbed environment, output kept up
to a limit, exit 75 tried again, and a program past its timeout killed with its whole
process group."""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.actions.outcome import Step
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from tests.support.actions import RECORDER, action_app, argv_yaml, drain, recorded, runs, script
from tests.support.databases import sqlite_only
from tests.support.mails import mail
from tests.support.pipeline import deliver, show
from tests.support.waiting import eventually

pytestmark = sqlite_only  # what a program does does not depend on the database

REQUEST = mail(subject="account", body="User ID: taro\n")


def command_app(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    argv: list[str],
    extra: str = "",
    timeout: int = 60,
) -> App:
    """``timeout`` seconds: long unless the test waits for it, since a Python program's
    start alone can take more than 1s on a loaded machine (pytest -n 4 on two cores)."""
    action = f"type: command\nargv: {argv_yaml(argv)}\ntimeout: {timeout}s\n{extra}"
    return action_app(settings, clock, tmp_path, action)


def group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


HOSTILE = [
    "taro; rm -rf / #",
    "$(touch /tmp/pwned) `id`",
    "\"double\" 'single' \\back",
    "山田　太郎（ﾔﾏﾀﾞ）①",
    "a\nb\r\n c",
]


def test_hostile_values_arrive_verbatim_in_the_json_on_stdin(
    settings: Settings, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TICKET_GATEWAY_DB_PASSWORD", "must-not-leak")
    log = tmp_path / "got.jsonl"
    argv = [*script(tmp_path, "record.py", RECORDER), str(log), "$(id)", "a b;c"]
    app = command_app(settings, clock, tmp_path, argv, "retries: 0")
    try:
        for value in HOSTILE:
            block = json.dumps(value, ensure_ascii=False)  # a YAML double-quoted scalar
            body = f"Please:\n\n```yaml\nuser_id: {block}\n```\n"
            deliver(app, mail(subject="New account", body=body))
        done = drain(app)
        assert [d.step for d in done] == [Step.SUCCEEDED] * len(HOSTILE)
        got = recorded(log)
        assert [json.loads(g["stdin"])["fields"]["user_id"] for g in got] == [
            v.strip() for v in HOSTILE
        ]
        first = got[0]
        assert first["argv"][1:] == [str(log), "$(id)", "a b;c"]  # as written, no shell
        key = json.loads(first["stdin"])["idempotency_key"]
        assert first["env"] == {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "TICKET_GATEWAY_IDEMPOTENCY_KEY": key,
        }
        assert first["cwd"] == str(tmp_path)  # the catalog's folder
        assert first["pgid"] != os.getpgid(0)  # its own process group
        assert not Path("/tmp/pwned").exists()
    finally:
        app.close()


HANGS = """
    import os, signal, subprocess, sys, time
    child = subprocess.Popen([sys.executable, "-c",
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(120)"])
    with open(sys.argv[1], "w") as f:
        f.write(f"{os.getpgid(0)} {child.pid}")
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    time.sleep(120)
"""


def test_a_hang_is_killed_at_the_timeout_with_its_process_group(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    pids = tmp_path / "pids"
    argv = [*script(tmp_path, "hang.py", HANGS), str(pids)]
    app = command_app(settings, clock, tmp_path, argv, "retries: 0", timeout=1)
    try:
        deliver(app, REQUEST)
        [done] = drain(app)
        assert done.step == Step.FAILED  # a timeout is temporary, but no try was left
        assert done.error == "killed after the timeout of 1s"
        pgid, grandchild = (int(x) for x in pids.read_text().split())
        assert eventually(lambda: group_gone(pgid))
        with pytest.raises(ProcessLookupError):
            os.killpg(pgid, 0)
        with pytest.raises(ProcessLookupError):
            os.kill(grandchild, 0)
        [run] = runs(app)
        # killed at the timeout, not after the script's two minutes (the bound leaves a
        # loaded machine its seconds)
        assert run["state"] == "failed" and 1000 <= run["duration_ms"] < 60_000
    finally:
        app.close()


FLAKY = """
    import pathlib, sys
    count = pathlib.Path(sys.argv[1])
    n = int(count.read_text()) + 1 if count.exists() else 1
    count.write_text(str(n))
    sys.stdin.read()
    if n < 3:
        print(f"backend busy ({n})", file=sys.stderr)
        sys.exit(75)
    print('{"account": "taro"}')
"""


def test_exit_75_is_tried_again_and_the_same_input_comes_back(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    argv = [*script(tmp_path, "flaky.py", FLAKY), str(tmp_path / "count")]
    app = command_app(settings, clock, tmp_path, argv, "retries: 3")
    try:
        ticket_id = deliver(app, REQUEST).ticket_id or 0
        steps = []
        for _ in range(3):
            steps += [(d.step, d.status) for d in drain(app)]
            clock.advance(timedelta(minutes=1))
        assert steps == [(Step.RETRY, 75), (Step.RETRY, 75), (Step.SUCCEEDED, 0)]
        events = [e for e in show(app, ticket_id)["events"] if e["kind"] == "action"]
        assert "backend busy (1)" in events[0]["detail"]["output"]
        assert len({e["detail"]["input_sha256"] for e in events}) == 1
        assert len({e["detail"]["idempotency_key"] for e in events}) == 1
    finally:
        app.close()


def test_another_exit_fails_at_once_with_what_it_said(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    argv = [sys.executable, "-c", "import sys; print('bad input', file=sys.stderr); sys.exit(65)"]
    app = command_app(settings, clock, tmp_path, argv, "retries: 3")
    try:
        deliver(app, REQUEST)
        [done] = drain(app)
        assert (done.step, done.status, done.error) == (Step.FAILED, 65, "exit 65")
        [run] = runs(app)
        assert "[stderr]\nbad input" in run["output"]
    finally:
        app.close()


def test_output_is_kept_up_to_the_limit(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    argv = [sys.executable, "-c", "import sys; sys.stdout.write('x' * 100_000)"]
    app = command_app(settings, clock, tmp_path, argv)
    try:
        deliver(app, REQUEST)
        [done] = drain(app)
        assert done.step == Step.SUCCEEDED  # a chatty program never blocks on its pipe
        [run] = runs(app)
        assert run["output"] == "x" * 4096  # the cut is counted beside it, not said in it
        assert run["output_cut"] == 100_000 - 4096
    finally:
        app.close()


def test_a_program_that_cannot_start_fails_the_run(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    program = tmp_path / "create-account"
    program.write_text("#!/bin/sh\nexit 0\n")
    program.chmod(0o755)
    app = command_app(settings, clock, tmp_path, ["./create-account"], "retries: 3")
    try:
        deliver(app, REQUEST)
        program.unlink()  # removed after catalog check passed
        [done] = drain(app)
        assert done.step == Step.FAILED and done.error.startswith("cannot start ./create-account")
    finally:
        app.close()


def test_an_edit_that_breaks_the_action_is_refused_and_the_old_one_runs(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    app = command_app(settings, clock, tmp_path, [sys.executable, "-c", "pass"])
    try:
        deliver(app, REQUEST)
        catalog = tmp_path / "catalog.yaml"
        broken = catalog.read_text(encoding="utf-8").replace(sys.executable, str(tmp_path / "x"))
        catalog.write_text(broken, encoding="utf-8")
        assert app.catalog.reload() is False  # SIGHUP: refused, the old catalog stays
        [done] = drain(app)
        assert done.step == Step.SUCCEEDED
    finally:
        app.close()
