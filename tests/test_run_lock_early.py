"""``run`` holds ``daemon.lock`` from the moment it has read its settings, through its
lean re-exec (``python -OO``), not only once the daemon's imports are done.

On a busy machine the re-executed interpreter takes seconds to import the daemon; a
monitoring check run meanwhile found no daemon and no database and said "no gateway
database" (exit 66, the line for the wrong folder). Here the re-executed interpreter
is held back for a few seconds at its start (a ``sitecustomize`` that sleeps only under
``-OO``), as a loaded machine holds it, and ``status`` asked then says the daemon is
starting (exit 75). The daemon that comes up holds the same lock, with its own word."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gateway.receive import pipe
from gateway.runtime.cli.common import EX_TEMPFAIL
from gateway.runtime.cli.main import main
from tests.support.config import SECRET_ENV, write_config
from tests.support.ports import free_port

SLOW_START = "import sys, time\nif sys.flags.optimize >= 2:\n    time.sleep(4)\n"


def _said(tmp_path: Path) -> str:
    """What the daemon wrote, for a failing assertion."""
    return (tmp_path / "run.log").read_text(errors="replace")


def _wait(until: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if until():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_status_during_a_slow_first_start_says_the_daemon_is_starting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    config = write_config(site, port=free_port(), extra="[web]\nport = 0\n")
    slow = tmp_path / "slow"
    slow.mkdir()
    (slow / "sitecustomize.py").write_text(SLOW_START)
    for name, value in SECRET_ENV.items():
        monkeypatch.setenv(name, value)
    env = {**os.environ, "PYTHONPATH": str(slow)}
    command = Path(sys.executable).parent / "ticket-gateway"
    log = (tmp_path / "run.log").open("wb")
    daemon = subprocess.Popen(
        [str(command), "--config", str(config), "run"], env=env, stdout=log, stderr=log
    )
    data_dir = site / "var"
    try:
        assert _wait(lambda: pipe.daemon_running(data_dir), 20), _said(tmp_path)
        assert not (site / "gateway.db").exists()  # still asleep before its imports
        first = pipe.daemon_instance(data_dir)  # the word of the process before the exec
        capsys.readouterr()
        code = main(["--config", str(config), "status"])
        err = capsys.readouterr().err
        assert code == EX_TEMPFAIL, err
        assert "starting" in err, err
        # the daemon comes up on the lock it was handed, its own pid and word in it
        assert _wait(lambda: (site / "gateway.db").exists(), 60), _said(tmp_path)
        assert pipe.daemon_running(data_dir)
        assert _wait(lambda: pipe.daemon_instance(data_dir) != first, 10)  # status's check
        pid = int(pipe.lock_path(data_dir).read_text().split()[0])
        assert pid == daemon.pid
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(30)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
        log.close()
    assert not pipe.daemon_running(data_dir)  # given back at its exit
