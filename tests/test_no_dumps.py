"""Our processes are not dumpable (README "Security and limits", "What is trusted").

A command action runs as the daemon's user: without this it could read the daemon's
``/proc/<pid>/environ`` (the gateway secret, the database password) or attach to it
with ``ptrace``. Each process says its flag itself as it ends
when asked (:mod:`tests.support.dumps` says why not from outside): the daemon, its
processing process and that one's parse process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import smtplib
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.config import SECRET_ENV, write_config
from tests.support.daemon import clean_env, console_script, wait_for_port
from tests.support.dumps import ask, descendants, reporting_env
from tests.support.mails import mail
from tests.support.ports import free_port
from tests.support.waiting import PATIENCE, eventually

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")


def test_forbid_dumps_makes_this_process_non_dumpable() -> None:
    code = (
        "from gateway.core.dumps import dumpable, forbid_dumps\n"
        "print(dumpable()); forbid_dumps(); print(dumpable())"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "False"]


def test_the_hook_sees_a_dumpable_process(tmp_path: Path) -> None:
    """The control: a plain interpreter reports itself dumpable."""
    env = reporting_env(tmp_path, clean_env())
    code = "import signal, sys; sys.stdout.write('up\\n'); sys.stdout.flush(); signal.pause()"
    with subprocess.Popen(
        [sys.executable, "-P", "-c", code], env=env, stdout=subprocess.PIPE
    ) as plain:
        try:
            assert plain.stdout is not None and plain.stdout.readline() == b"up\n"
            [(dumpable, _command)] = ask(tmp_path, [plain.pid]).values()
        finally:
            plain.kill()
    assert dumpable


def test_the_daemon_and_its_processes_are_not_dumpable(tmp_path: Path) -> None:
    port = free_port()
    config = write_config(tmp_path, port=port, locale="en")
    seen = tmp_path / "reports"
    seen.mkdir()
    daemon = subprocess.Popen(
        [console_script(), "--config", str(config), "run"],
        env=reporting_env(seen, clean_env(**SECRET_ENV)),
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, daemon)
        with smtplib.SMTP("127.0.0.1", port) as client:  # a row starts the parse process
            client.sendmail("someone@customer.test", ["support@example.test"], mail())
        # processed: the processing process and its parse process (started for the
        # row) are past their start
        assert eventually(lambda: _states(tmp_path) == ["done"], timeout=30)
        pids = [daemon.pid, *descendants(daemon.pid)]
        assert len(pids) >= 3
        found = ask(seen, pids)
    finally:
        daemon.terminate()
        daemon.wait(30 + PATIENCE)
    assert {pid: command for pid, (dumpable, command) in found.items() if dumpable} == {}


def _states(folder: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(folder / "gateway.db")) as db:
        return [str(state) for (state,) in db.execute("SELECT state FROM inbox")]


@pytest.mark.parametrize(
    "start",
    [
        "from gateway.runner.parse_worker import ParseWorker as P; p = P(); p.parse(RAW, 60)",
        "from gateway.receive.parse_ahead import ParseAhead as P; p = P(1); p.submit(RAW).result()",
    ],
    ids=["parse-worker", "parse-ahead"],
)
def test_parse_workers_and_their_forkserver_are_not_dumpable(start: str, tmp_path: Path) -> None:
    """``ingest``'s (and ``runner_process = false``'s) parse workers come from a
    forkserver: a new interpreter, dumpable again until our preload says otherwise; and
    so is the resource tracker multiprocessing starts beside it."""
    code = f"import sys; RAW = b'Subject: x\\n\\nhi\\n'; {start}; print('up', flush=True)"
    code += "; sys.stdin.read()"
    env = reporting_env(tmp_path, clean_env())
    with subprocess.Popen(
        [sys.executable, "-P", "-c", code], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE
    ) as parent:
        try:
            assert parent.stdout is not None and parent.stdout.readline() == b"up\n"
            # the forkserver, its worker, and the standard library's resource tracker
            # beside them: a new interpreter with our environment too (it was dumpable)
            pids = descendants(parent.pid)
            assert len(pids) == 3 and sum(map(_tracker, pids)) == 1
            found = ask(tmp_path, pids)
        finally:
            left = descendants(parent.pid)
            parent.kill()
            for pid in left:  # the parent's SIGKILL leaves them running for good
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
    assert {pid: command for pid, (dumpable, command) in found.items() if dumpable} == {}


def _tracker(pid: int) -> bool:
    return b"multiprocessing.resource_tracker" in Path(f"/proc/{pid}/cmdline").read_bytes()
