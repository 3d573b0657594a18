"""A command action that starts something which outlives it in a session of its own
(``setsid``, as a script that starts a service does) and so keeps the pipes open: the
program's own output still reaches the run (its JSON is the success mail's ``result``),
and the worker is back within the grace, not held until the detached process ends."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.actions import command
from gateway.actions.command import run_command
from gateway.actions.outcome import Step, Verdict
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.actions import action_app, argv_yaml, drain, runs, script
from tests.support.databases import sqlite_only
from tests.support.mails import mail
from tests.support.pipeline import deliver

REQUEST = mail(subject="account", body="User ID: taro\n")

# Starts a child in a new session that sleeps with stdout and stderr still open, writes
# its pid to the file named by its first argument, then answers and exits at once.
DETACHES = """
    import json, os, sys, time
    if os.fork() == 0:
        os.setsid()
        time.sleep(60)
        os._exit(0)
    print(json.dumps({"account": "taro", "started": "service"}), flush=True)
    print("note on stderr", file=sys.stderr, flush=True)
    """


@pytest.fixture
def pid_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "detached.pid"
    yield path
    for line in path.read_text().split() if path.exists() else []:
        with contextlib.suppress(ProcessLookupError):  # ours to end: outside the run's group
            os.kill(int(line), signal.SIGKILL)


# what a program does does not depend on the database
@sqlite_only
def test_output_of_a_program_whose_detached_child_keeps_the_pipes_open_is_kept(
    settings: Settings, clock: FakeClock, tmp_path: Path, pid_file: Path
) -> None:
    keep_pid = f"os.setsid(); open({str(pid_file)!r}, 'w').write(str(os.getpid()))"
    code = DETACHES.replace("os.setsid()", keep_pid)
    argv = script(tmp_path, "detaches.py", code)
    # a timeout the detached child (a minute) and the bound below stay clear of
    action = f"type: command\nargv: {argv_yaml(argv)}\ntimeout: 45s\nretries: 0\n"
    app = action_app(settings, clock, tmp_path, action)
    try:
        deliver(app, REQUEST)
        started = time.monotonic()
        [done] = drain(app)
        took = time.monotonic() - started
        assert done.step == Step.SUCCEEDED
        [run] = runs(app)
        assert '"started": "service"' in run["output"], run["output"]
        assert "note on stderr" in run["output"]
        # not held for the detached child's minute, nor to the action's timeout (45 s):
        # a few seconds here; the bound between leaves a loaded machine its seconds
        assert took < 30, took
    finally:
        app.close()


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_the_readers_stop_and_the_pipes_close_after_the_grace(
    tmp_path: Path,
    pid_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The detached child still holds the pipes when the grace is over: the run goes on
    with what was read, and neither its two reader threads nor its two pipes are left
    behind until the child ends (a worker that ran such a program every few minutes
    would gather threads and descriptors for as long as the children lived)."""
    monkeypatch.setattr(command, "SETTLE_GRACE", 0.3)  # the grace's length is not the point
    keep_pid = f"os.setsid(); open({str(pid_file)!r}, 'w').write(str(os.getpid()))"
    argv = script(tmp_path, "detaches.py", DETACHES.replace("os.setsid()", keep_pid))
    threads, fds = threading.active_count(), _open_fds()
    with caplog.at_level(logging.WARNING, logger="gateway.actions"):
        attempt = run_command(argv, b"", workdir=tmp_path, timeout=20, limit=4096, key="k-1")
    assert attempt.verdict == Verdict.OK, attempt.error
    assert '"started": "service"' in attempt.output and "note on stderr" in attempt.output
    assert pid_file.exists()  # the child was still there, holding the pipes
    assert (threading.active_count(), _open_fds()) == (threads, fds)
    assert "held its output open" in caplog.text, caplog.text


# Starts a child in a new session that keeps stdin (and nothing else) open without reading
# it, writes its pid to the file named by its first argument, and exits 0 unread.
HOLDS_STDIN = """
    import os, sys, time
    if os.fork() == 0:
        os.setsid()
        open(sys.argv[1], "w").write(str(os.getpid()))
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        time.sleep(60)
        os._exit(0)
    """


def test_a_detached_child_holding_stdin_unread_leaves_no_writer_behind(
    tmp_path: Path,
    pid_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A document past the pipe's 64 KiB, a program that does not read it and a child
    in a session of its own that holds stdin: the write never failed (a reader was still
    there) nor ended, and its thread and the pipe stayed until the child ended. Now the
    writer stops with the readers at the grace's end, and the outcome says how much of
    the document was never written (the child, reading later, would have read it cut)."""
    monkeypatch.setattr(command, "SETTLE_GRACE", 0.3)
    argv = [*script(tmp_path, "holds_stdin.py", HOLDS_STDIN), str(pid_file)]
    body = b"x" * 300_000
    threads, fds = threading.active_count(), _open_fds()
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="gateway.actions"):
        attempt = run_command(argv, body, workdir=tmp_path, timeout=45, limit=4096, key="k-1")
    # the grace (0.3 s) and two interpreters' start, not the child's minute nor the
    # timeout (45 s): the bound between leaves a loaded machine its seconds
    assert time.monotonic() - started < 20, "held past the grace"
    assert attempt.verdict == Verdict.OK, attempt.error  # its own exit says how it went
    assert pid_file.exists()  # the child was still there, holding stdin
    assert (threading.active_count(), _open_fds()) == (threads, fds)
    assert 0 < attempt.unwritten < len(body)  # the pipe took what its buffer holds
    assert "held its stdin open" in caplog.text, caplog.text


def test_a_program_that_reads_no_input_and_leaves_nothing_behind_loses_none_of_it(
    tmp_path: Path,
) -> None:
    """Without a child holding stdin, a program that exits unread closes the pipe: its
    input is not said to be cut (its exit status tells how it went)."""
    argv = script(tmp_path, "ignores.py", "print('done')")
    attempt = run_command(argv, b"y" * 300_000, workdir=tmp_path, timeout=20, limit=4096, key="k")
    assert (attempt.verdict, attempt.unwritten, attempt.output) == (Verdict.OK, 0, "done\n")
