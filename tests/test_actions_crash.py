"""At least once, never twice at the same time: two gateway instances draining one
database never run one row twice (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the write
lock on SQLite), and a daemon SIGKILLed while an action runs re-runs it after the
lease with the same idempotency key (the real console script in a subprocess)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gateway.actions.command import OVERRUN
from gateway.actions.outcome import Step
from gateway.actions.results import Done
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime import daemon
from gateway.runtime.app import App, build
from store import action_runs
from store.db import transaction
from tests.support.actions import (
    RECORDER,
    action_app,
    argv_yaml,
    catalog_text,
    drain,
    recorded,
    runs,
    script,
    worker,
)
from tests.support.config import SECRET_ENV, write_config
from tests.support.daemon import clean_env, console_script, wait_for_port
from tests.support.databases import postgres_only
from tests.support.mails import mail
from tests.support.pipeline import deliver, show
from tests.support.ports import free_port
from tests.support.waiting import PATIENCE, eventually

SLOWISH = RECORDER.replace("print(json.dumps", "import time; time.sleep(0.05); print(json.dumps")


def test_two_instances_never_run_one_row_twice(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    log = tmp_path / "runs.jsonl"
    argv = [*script(tmp_path, "record.py", SLOWISH), str(log)]
    first = action_app(settings, clock, tmp_path, f"type: command\nargv: {argv_yaml(argv)}")
    second = build(first.settings, clock)  # another instance: its own engine and worker
    try:
        for n in range(16):
            deliver(first, mail(subject="account", body=f"User ID: user{n}\n"))
        results: list[list[Done]] = [[], []]

        def drain_into(app: App, out: list[Done], go: threading.Barrier) -> None:
            go.wait()
            out.extend(worker(app).drain())

        go = threading.Barrier(2)
        threads = [
            threading.Thread(target=drain_into, args=(app, out, go))
            for app, out in zip((first, second), results, strict=True)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        ran = [d.run_id for out in results for d in out]
        assert sorted(ran) == sorted(set(ran)) and len(ran) == 16  # each once, all of them
        keys = Counter(json.loads(r["stdin"])["idempotency_key"] for r in recorded(log))
        assert len(keys) == 16 and set(keys.values()) == {1}
        assert {r["state"] for r in runs(first)} == {"succeeded"}
    finally:
        second.close()
        first.close()


@postgres_only
def test_a_claimed_row_is_skipped_not_waited_for(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """While one instance's claim transaction holds the oldest row, another claims the
    next one at once (SKIP LOCKED) instead of blocking or taking the same row."""
    app = action_app(settings, clock, tmp_path, "type: command\nargv: [/bin/true]")
    other = build(app.settings, clock)
    try:
        for n in range(2):
            deliver(app, mail(subject="account", body=f"User ID: u{n}\n"))

        def lease(_entry: str) -> timedelta:
            return timedelta(minutes=1)

        with transaction(app.sessions) as holding:
            mine = action_runs.claim_next(holding, clock.now(), lease)
            with transaction(other.sessions) as s:
                theirs = action_runs.claim_next(s, clock.now(), lease)
            with transaction(other.sessions) as s:
                assert action_runs.claim_next(s, clock.now(), lease) is None
        assert mine is not None and theirs is not None and mine.id != theirs.id
    finally:
        other.close()
        app.close()


def test_a_lost_lease_runs_again_with_the_same_key(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """In process, on the fake clock: a claimed run whose worker never reports is due
    again once its lease is over; the late report of the first attempt is fenced out."""
    log = tmp_path / "runs.jsonl"
    argv = [*script(tmp_path, "record.py", RECORDER), str(log)]
    app = action_app(settings, clock, tmp_path, f"type: command\nargv: {argv_yaml(argv)}")
    try:
        ticket_id = deliver(app, mail(subject="account", body="User ID: taro\n")).ticket_id or 0
        lost = worker(app).claim()  # this worker "dies" here
        assert lost is not None and drain(app) == []  # leased: nobody else takes it
        clock.advance(_lease(app) - timedelta(seconds=1))
        assert drain(app) == []
        clock.advance(timedelta(seconds=1))
        [again] = drain(app)
        assert (again.step, again.attempt) == (Step.SUCCEEDED, 2)
        late = worker(app).run(lost)  # the first worker reports after all: too late
        assert late.recorded is False
        [event] = [e for e in show(app, ticket_id)["events"] if e["kind"] == "action"]
        assert event["detail"]["resumed"] is True and event["detail"]["attempt"] == 2
        keys = {json.loads(r["stdin"])["idempotency_key"] for r in recorded(log)}
        assert len(recorded(log)) == 2 and len(keys) == 1
    finally:
        app.close()


# Writes "start <key> <pgid>" when it begins; the first time it then waits to be
# killed, any later time it finishes at once and writes "end <key>".
SLOW_ONCE = """
    import json, os, pathlib, sys, time
    log = pathlib.Path(sys.argv[1])
    key = json.loads(sys.stdin.read())["idempotency_key"]
    first = not log.exists()
    with log.open("a") as f:
        f.write(f"start {key} {os.getpgid(0)}\\n")
    if first:
        time.sleep(60)
    with log.open("a") as f:
        f.write(f"end {key}\\n")
"""


def _lease(app: App) -> timedelta:
    """The lease of the account entry's run, from the code's numbers: the action's timeout
    (the catalog's default, 30s, unless it says), the most a command may take past it
    (its kill, reaping and pipes), lease_grace (tests.support.actions.FAST's)."""
    entry = app.catalog.current.entry("account")
    assert entry is not None and entry.action is not None
    return entry.action.timeout + timedelta(seconds=OVERRUN) + app.settings.actions.lease_grace


def _run_row(db: Path) -> tuple[str, int]:
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT state, attempts FROM action_runs").fetchone()
    return (str(row[0]), int(row[1])) if row else ("", 0)


def _start(config: Path, port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [console_script(), "--config", str(config), "run"],
        env=clean_env(**SECRET_ENV),
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own group: a crash takes the processing process too
    )
    wait_for_port(port, proc)
    return proc


def test_sigkill_while_an_action_runs_reruns_it_with_the_same_key(tmp_path: Path) -> None:
    log = tmp_path / "action.log"
    argv = [*script(tmp_path, "slow.py", SLOW_ONCE), str(log)]
    (tmp_path / "catalog.yaml").write_text(
        catalog_text(f"type: command\nargv: {argv_yaml(argv)}\ntimeout: 5s\nretries: 2"),
        encoding="utf-8",
    )
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
    assert _run_row(db) == ("pending", 0)

    proc = _start(config, port)
    try:
        assert eventually(lambda: log.exists() and "start" in log.read_text())
        os.killpg(proc.pid, signal.SIGKILL)  # between "started" and "recorded": a crash
        assert proc.wait(PATIENCE) == -signal.SIGKILL
    finally:
        proc.kill()
        proc.wait()
    _, key, pgid = log.read_text().split()
    os.killpg(int(pgid), signal.SIGKILL)  # the machine went down with it
    assert _run_row(db) == ("running", 1)  # claimed, started, never recorded

    proc = _start(config, port)  # after its lease (5s + OVERRUN + 1s) the run is due again
    try:
        assert eventually(lambda: _run_row(db)[0] == "succeeded", timeout=30, interval=0.2)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(daemon.STOP_BOUND + PATIENCE) == 0
    finally:
        proc.kill()
        proc.wait()
    lines = log.read_text().splitlines()
    assert [line.split()[:2] for line in lines] == [["start", key], ["start", key], ["end", key]]
    assert _run_row(db) == ("succeeded", 2)
    with sqlite3.connect(db) as conn:
        [(detail,)] = conn.execute(
            "SELECT detail FROM ticket_events WHERE kind = 'action'"
        ).fetchall()
    event = json.loads(detail)
    assert (event["attempt"], event["resumed"], event["idempotency_key"]) == (2, True, key)


def test_a_lost_lease_runs_again_even_with_no_retries(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """``retries: 0`` is about the action's temporary failures: a try whose worker died
    (the daemon killed, the machine down) is no answer of the action, so the run is still
    run again after its lease (at least once), and given up only when that too is lost."""
    log = tmp_path / "runs.jsonl"
    argv = [*script(tmp_path, "record.py", RECORDER), str(log)]
    action = f"type: command\nargv: {argv_yaml(argv)}\ntimeout: 10s\nretries: 0"
    app = action_app(settings, clock, tmp_path, action)
    lease = _lease(app)
    try:
        deliver(app, mail(subject="account", body="User ID: taro\n"))
        assert worker(app).claim() is not None  # this worker "dies" here
        clock.advance(lease)
        [again] = drain(app)
        assert (again.step, again.attempt) == (Step.SUCCEEDED, 2)
        assert len(recorded(log)) == 1  # the lost try never started the program here
    finally:
        app.close()


def test_a_run_whose_every_worker_dies_is_given_up(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """Bounded all the same: a run that takes its workers down each time (with no retries:
    the first try and the one after the lease) fails for good, saying so."""
    log = tmp_path / "runs.jsonl"
    argv = [*script(tmp_path, "record.py", RECORDER), str(log)]
    action = f"type: command\nargv: {argv_yaml(argv)}\ntimeout: 10s\nretries: 0"
    app = action_app(settings, clock, tmp_path, action)
    lease = _lease(app)
    try:
        deliver(app, mail(subject="account", body="User ID: taro\n"))
        for _ in range(2):
            assert worker(app).claim() is not None
            clock.advance(lease)
        [given_up] = drain(app)
        assert given_up.step == Step.FAILED and "never reported" in given_up.error
        assert recorded(log) == []
    finally:
        app.close()
