"""A daemon stopped (SIGTERM: systemctl stop, a restart, a deploy) while a command action
runs leaves nothing running behind it: the program's process group is ended within the
stop's bound (SIGTERM, then SIGKILL), and the run waits as due, not as ``running`` until
its lease, so the next start runs it again at once, with the same idempotency key, and
never while the first program is still at work (the real console script in a
subprocess)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.actions import command
from gateway.actions.outcome import Step, Verdict
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime import daemon
from tests.support.actions import action_app, argv_yaml, catalog_text, runs, script, worker
from tests.support.config import SECRET_ENV, write_config
from tests.support.daemon import clean_env, console_script, wait_for_port
from tests.support.databases import sqlite_only
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show
from tests.support.ports import free_port
from tests.support.waiting import PATIENCE, eventually

# The first run sleeps (to be stopped with its daemon); the next ends at once. Each
# start and end is a line with the key and the process group.
SLOW_ONCE = """
    import json, os, pathlib, sys, time
    log = pathlib.Path(sys.argv[1])
    key = json.loads(sys.stdin.read())["idempotency_key"]
    first = not log.exists()
    with log.open("a") as f:
        f.write(f"start {key} {os.getpgid(0)}\\n")
    if first:
        time.sleep(120)
    with log.open("a") as f:
        f.write(f"end {key} {os.getpgid(0)}\\n")
"""
TIMEOUT = 60  # the action's: its lease (timeout + OVERRUN + 1s) is far beyond the test's wait


def _run_row(db: Path) -> tuple[str, int]:
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT state, attempts FROM action_runs").fetchone()
    return (str(row[0]), int(row[1])) if row else ("", 0)


def _start(config: Path, port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [console_script(), "--config", str(config), "run"],
        env=clean_env(**SECRET_ENV),
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for_port(port, proc)
    return proc


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_sigterm_while_a_command_runs_ends_it_and_the_next_start_runs_it_again(
    tmp_path: Path,
) -> None:
    log = tmp_path / "action.log"
    argv = [*script(tmp_path, "slow.py", SLOW_ONCE), str(log)]
    action = f"type: command\nargv: {argv_yaml(argv)}\ntimeout: {TIMEOUT}s\nretries: 0"
    (tmp_path / "catalog.yaml").write_text(catalog_text(action), encoding="utf-8")
    port = free_port()
    config = write_config(
        tmp_path,
        port=port,
        locale="en",
        extra='[catalog]\npath = "catalog.yaml"\n[actions]\nworkers = 1\nlease_grace = "1s"\n',
    )
    request = tmp_path / "request.eml"
    request.write_bytes(mail(subject="New account", body="User ID: taro\n", date=datetime.now(UTC)))
    ingest = subprocess.run(
        [console_script(), "--config", str(config), "ingest", str(request)],
        env=clean_env(**SECRET_ENV),
        capture_output=True,
        check=False,
    )
    assert ingest.returncode == 0, ingest.stderr
    db = tmp_path / "gateway.db"

    proc = _start(config, port)
    try:
        assert eventually(lambda: log.exists() and "start" in log.read_text())
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(daemon.STOP_BOUND + PATIENCE) == 0
    finally:
        proc.kill()
        proc.wait()
    _, key, pgid = log.read_text().split()
    try:
        # nothing of the run outlives its daemon, unsupervised
        assert eventually(lambda: not _group_alive(int(pgid)), timeout=PATIENCE), "still running"
    finally:
        if _group_alive(int(pgid)):
            os.killpg(int(pgid), signal.SIGKILL)
    # due again, not "running" until a lease of a minute; the stop used up no try
    assert _run_row(db)[0] == "pending"

    proc = _start(config, port)
    try:
        assert eventually(lambda: _run_row(db)[0] == "succeeded", timeout=PATIENCE, interval=0.2)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(daemon.STOP_BOUND + PATIENCE) == 0
    finally:
        proc.kill()
        proc.wait()
    lines = [line.split()[:2] for line in log.read_text().splitlines()]
    assert lines == [["start", key], ["start", key], ["end", key]]


@sqlite_only
def test_a_stop_during_the_last_try_leaves_the_try_to_the_next_start(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """The worker told to stop while a command runs (``retries: 0``: its only try) ends
    the program's group, records the run as due now with no try used, and the next
    pass runs it to its end."""
    log = tmp_path / "action.log"
    argv = [*script(tmp_path, "slow.py", SLOW_ONCE), str(log)]
    action = f"type: command\nargv: {argv_yaml(argv)}\ntimeout: {TIMEOUT}s\nretries: 0"
    app = action_app(settings, clock, tmp_path, action)
    try:
        ticket_id = deliver(app, mail(subject="account", body="User ID: taro\n")).ticket_id or 0
        [stopped] = worker(app).drain(lambda: log.exists())  # stop once it has started
        assert stopped.step == Step.RETRY
        _, key, pgid = log.read_text().split()
        assert eventually(lambda: not _group_alive(int(pgid)), timeout=PATIENCE)
        [run] = runs(app)
        assert (run["state"], run["attempts"]) == ("pending", 0)
        assert "stopped with the daemon" in run["last_error"]
        [done] = worker(app).drain()
        assert done.step == Step.SUCCEEDED and done.attempt == 1
        events = [e for e in show(app, ticket_id)["events"] if e["kind"] == "action"]
        assert [e["detail"]["idempotency_key"] for e in events] == [key, key]
    finally:
        app.close()


# Ended by the stop's own signal: systemd's stop (and restart) sends SIGTERM to every
# process of the service's cgroup (KillMode=control-group), the program in its session of
# its own too. The first run dies of it (or, a shell script's way, exits 143); the next
# ends at once.
ENDED_BY_THE_STOP = """
    import json, os, pathlib, signal, sys
    log = pathlib.Path(sys.argv[1])
    json.loads(sys.stdin.read())
    first = not log.exists()
    with log.open("a") as f:
        f.write("start\\n")
    if first and sys.argv[2] == "signal":
        os.kill(os.getpid(), signal.SIGTERM)
    if first:
        sys.exit(143)
    print('{"account": "taro"}')
"""


@sqlite_only
@pytest.mark.parametrize(
    ("how", "late"),
    [
        ("signal", 0.0),
        ("exit", 0.0),
        ("signal", 0.3),  # the daemon's own handler runs after the program's death
    ],
)
def test_a_program_the_stops_signal_ended_is_run_again_not_failed_for_good(
    settings: Settings, clock: FakeClock, tmp_path: Path, how: str, late: float
) -> None:
    """``systemctl restart`` while a command ran: the program died of the SIGTERM that
    reached the whole service, the worker took that for the program's own failure, and
    the run failed for good (``killed by signal 15``), its failure mail sent, the work
    never done. A program that fails while the daemon stops is left to the next start,
    as one the worker ended itself is."""
    log = tmp_path / "action.log"
    argv = [*script(tmp_path, "ended.py", ENDED_BY_THE_STOP), str(log), how]
    action = (
        f"type: command\nargv: {argv_yaml(argv)}\ntimeout: {TIMEOUT}s\nretries: 0\n"
        "on_failure: {notify: assignee}"
    )
    app = action_app(settings, clock, tmp_path, action)
    seen: list[float] = []

    def stopping() -> bool:
        if log.exists() and not seen:
            seen.append(time.monotonic())
        return bool(seen) and time.monotonic() >= seen[0] + late

    try:
        deliver(app, mail(subject="account", body="User ID: taro\n"))
        [stopped] = worker(app).drain(stopping)
        assert stopped.step == Step.RETRY, stopped.error
        [run] = runs(app)
        assert (run["state"], run["attempts"]) == ("pending", 0)
        assert "stopped with the daemon" in run["last_error"]
        assert outbox(app, "action_failed") == []
        [done] = worker(app).drain()
        assert done.step == Step.SUCCEEDED and done.attempt == 1
    finally:
        app.close()


def test_a_program_killed_by_a_signal_with_no_stop_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not every SIGTERM is the daemon's stop (an operator's ``kill``, the OOM killer's
    SIGKILL): with the daemon running on, the run fails as before, the signal named."""
    monkeypatch.setattr(command, "STOP_NOTICE", 0.2)  # waited for in vain: kept short
    for sig in (signal.SIGTERM, signal.SIGKILL):
        code = f"import os, signal; os.kill(os.getpid(), signal.{sig.name})"
        attempt = command.run_command(
            [sys.executable, "-c", code],
            b"{}",
            workdir=tmp_path,
            timeout=PATIENCE,  # the program dies at once: only a failure waits this long
            limit=100,
            key="k",
        )
        assert attempt.verdict == Verdict.PERMANENT and not attempt.stopped
        assert str(attempt.error) == f"killed by signal {int(sig)} ({sig.name})"
        # ended after the notice, not held to the timeout; the bound tells the two apart
        # and leaves a loaded machine its seconds (2.2s of wall time did not)
        assert attempt.seconds < PATIENCE / 2
