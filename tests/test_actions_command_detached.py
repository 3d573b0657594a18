"""A command action that starts something which outlives it in a session of its own
(``setsid``, as a script that starts a service does) and so keeps the pipes open: the
program's own output still reaches the run (its JSON is the success mail's ``result``),
and the worker is back within the grace, not held until the detached process ends."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.actions.command import KILL_GRACE
from gateway.actions.outcome import Step
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.actions import action_app, argv_yaml, drain, runs, script
from tests.support.databases import sqlite_only
from tests.support.mails import mail
from tests.support.pipeline import deliver

pytestmark = sqlite_only  # what a program does does not depend on the database

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


def test_output_of_a_program_whose_detached_child_keeps_the_pipes_open_is_kept(
    settings: Settings, clock: FakeClock, tmp_path: Path, pid_file: Path
) -> None:
    keep_pid = f"os.setsid(); open({str(pid_file)!r}, 'w').write(str(os.getpid()))"
    code = DETACHES.replace("os.setsid()", keep_pid)
    argv = script(tmp_path, "detaches.py", code)
    action = f"type: command\nargv: {argv_yaml(argv)}\ntimeout: 20s\nretries: 0\n"
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
        # not held for the detached child's minute, nor to the action's timeout
        assert took < 4 * KILL_GRACE, took
    finally:
        app.close()
