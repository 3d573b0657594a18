"""The daemon's limit of open files: its soft limit raised to its hard one at start
(at most :data:`~gateway.runtime.open_files.CEILING`), and said once in the log.

A login shell's ``ulimit -n`` and systemd's default give 1024 open files while the
hard limit allows far more; the daemon holds a descriptor per SMTP session, page
connection, IMAP account and SQLite file. The real console script is started with a
low soft limit, as such a shell would start it.
"""

from __future__ import annotations

import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.runtime import daemon
from gateway.runtime.open_files import CEILING, raise_open_files
from tests.support.config import SECRET_ENV, write_config
from tests.support.daemon import clean_env, console_script, wait_for_port
from tests.support.ports import free_port
from tests.support.waiting import PATIENCE

NOFILE = resource.RLIMIT_NOFILE
# the daemon, started with these limits: setrlimit, then exec (no preexec_fn in a
# process with threads)
_LIMITED = (
    "import os, resource, sys; resource.setrlimit({0}, ({1}, {2}));"
    " os.execv(sys.argv[1], sys.argv[1:])"
)


def _soft_limit(pid: int) -> int:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            return int(line.split()[3])
    raise AssertionError("no open-file limit in /proc")


def test_the_daemon_raises_its_soft_limit_to_the_hard_one_and_says_it(tmp_path: Path) -> None:
    hard = 4096  # below the ceiling and the hard limit of any test machine
    if resource.getrlimit(NOFILE)[1] < hard:
        pytest.skip(f"this machine's hard limit of open files is below {hard}")
    port = free_port()
    config = write_config(tmp_path, port=port, locale="en")
    log = tmp_path / "daemon.log"
    command = [console_script(), "--config", str(config), "run"]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", _LIMITED.format(int(NOFILE), 256, hard), *command],
            env=clean_env(**SECRET_ENV),
            stderr=out,
        )
    try:
        wait_for_port(port, proc)
        assert _soft_limit(proc.pid) == hard
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(daemon.STOP_BOUND + PATIENCE) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    said = [line for line in log.read_text().splitlines() if "open files" in line]
    assert len(said) == 1 and "INFO" in said[0] and f"{hard} open files" in said[0], said


def test_a_soft_limit_is_raised_at_most_to_the_ceiling(caplog: pytest.LogCaptureFixture) -> None:
    """In this process: the soft limit lowered, raised again by the call, then put back."""
    soft, hard = resource.getrlimit(NOFILE)
    want = CEILING if hard == resource.RLIM_INFINITY else min(hard, CEILING)
    try:
        resource.setrlimit(NOFILE, (min(256, want), hard))
        caplog.set_level("INFO", logger="gateway.daemon")
        assert raise_open_files() == want
        assert resource.getrlimit(NOFILE) == (want, hard)
    finally:
        resource.setrlimit(NOFILE, (soft, hard))
    assert f"{want} open files" in caplog.text


def test_a_soft_limit_above_the_ceiling_is_left_as_it_is() -> None:
    """An admin's own higher limit (LimitNOFILE=200000 in the unit) is theirs: never
    lowered (here a ceiling below this process's limit stands for it)."""
    soft, hard = resource.getrlimit(NOFILE)
    try:
        resource.setrlimit(NOFILE, (min(256, soft), hard))
        assert raise_open_files(ceiling=100) == min(256, soft)
        assert resource.getrlimit(NOFILE) == (min(256, soft), hard)
    finally:
        resource.setrlimit(NOFILE, (soft, hard))
