"""The parse process at the service's stop, and when it dies while the daemon runs.

systemd's stop sends SIGTERM to every process of the unit (KillMode=control-group,
systemd/ticket-gateway.service), so the parse process is often ended by that signal
before its processing process closes it. That is the stop, not a crash: the log must
not say the process ended and its rows are parsed elsewhere (an operator reads it as
one). A parse process that dies while the daemon runs is still said.

The daemon is the real console script in a group of its own, as in a unit's cgroup.
"""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gateway.runtime import daemon
from tests.support.config import SECRET_ENV, write_config
from tests.support.daemon import clean_env, console_script, wait_for_port
from tests.support.dumps import descendants
from tests.support.mails import mail
from tests.support.ports import free_port
from tests.support.waiting import PATIENCE, eventually

ENDED = "parse process"  # the start of the line that says one ended


def _parse_process(pid: int) -> int | None:
    """The daemon's parse process, once its processing process started one."""
    for child in descendants(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue  # gone meanwhile
        if b"gateway.runtime.parse_process" in command:
            return child
    return None


@contextmanager
def _daemon(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path, int]]:
    """The daemon, its log in a file, with a row processed: yields (process, log, the
    parse process's pid). Killed with its group on the way out if it still runs."""
    port = free_port()
    config = write_config(tmp_path, port=port, locale="en")
    log = tmp_path / "daemon.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [console_script(), "--config", str(config), "run"],
            env=clean_env(**SECRET_ENV),
            stderr=out,
            start_new_session=True,  # a group of its own, as a unit's cgroup
        )
    try:
        wait_for_port(port, proc)
        with smtplib.SMTP("127.0.0.1", port) as client:  # the runner submits it to a parse
            client.sendmail("a@customer.test", ["support@example.test"], mail(subject="Hi"))
        parser = eventually(lambda: _parse_process(proc.pid))
        assert parser is not None, log.read_text()
        yield proc, log, parser
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def test_the_services_stop_does_not_say_the_parse_process_ended(tmp_path: Path) -> None:
    with _daemon(tmp_path) as (proc, log, _parser):
        os.killpg(proc.pid, signal.SIGTERM)  # systemctl stop
        assert proc.wait(daemon.STOP_BOUND + PATIENCE) == 0
    text = log.read_text()
    assert "stopping" in text, text  # the daemon's own stop is in the log
    assert ENDED not in text, text


def test_a_parse_process_that_dies_while_the_daemon_runs_is_said(tmp_path: Path) -> None:
    """An operator's ``kill``, the OOM killer: said as before, at INFO for a SIGTERM
    and at WARNING otherwise, while the daemon goes on."""
    for sig, level in ((signal.SIGTERM, "INFO"), (signal.SIGKILL, "WARNING")):
        (tmp_path / sig.name).mkdir()
        with _daemon(tmp_path / sig.name) as (proc, log, parser):
            os.kill(parser, sig)
            said = f"{ENDED} {parser} ended"

            def line(said: str = said, log: Path = log) -> str | None:
                return next((s for s in log.read_text().splitlines() if said in s), None)

            found = eventually(line)
            assert found is not None and level in found and f"exit {-sig}" in found
            os.killpg(proc.pid, signal.SIGTERM)
            assert proc.wait(daemon.STOP_BOUND + PATIENCE) == 0


def test_the_parse_process_starts_with_the_daemon_not_with_its_first_mail(
    tmp_path: Path,
) -> None:
    """Its imports take a second or more on a loaded machine: started by the first row,
    they were that row's wait (issue #18). Now it runs before any mail came."""
    port = free_port()
    config = write_config(tmp_path, port=port, locale="en")
    proc = subprocess.Popen(
        [console_script(), "--config", str(config), "run"],
        env=clean_env(**SECRET_ENV),
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_port(port, proc)
        assert eventually(lambda: _parse_process(proc.pid)) is not None
        os.killpg(proc.pid, signal.SIGTERM)
        assert proc.wait(daemon.STOP_BOUND + PATIENCE) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
