"""Each of the daemon's processes imports what its part needs, and not the others'
(issue #18: all of them together must stay under 200 MB, README "RSS is the tightest
margin"). The listener took the runner's chain, the parser, the templates, the
scheduler and the sender (the processing child runs them), the pages' web server
with no ``[web]`` and the IMAP client with no ``[[imap]]``: 12 MB of its 80.

The daemon is the real console script on the default doors (SMTP only), with a mail
processed, so that every process did its work once; each process says what it
imported (tests/support/modules.py).
"""

from __future__ import annotations

import os
import signal
import smtplib
import sqlite3
import subprocess
from pathlib import Path

from gateway.runtime import daemon
from tests.support.config import SECRET_ENV, write_config
from tests.support.daemon import clean_env, console_script, wait_for_port
from tests.support.dumps import descendants
from tests.support.mails import mail
from tests.support.modules import ask, reporting_env
from tests.support.ports import free_port
from tests.support.waiting import PATIENCE, eventually

# role (what its command line names) -> modules it must not import (packages by name)
NOT_IMPORTED = {
    "listener": (
        "aiohttp",  # the pages' server: no [web]
        "gateway.web",
        "imapclient",  # no [[imap]] account
        "gateway.receive.imap",
        "gateway.runner.runner",  # the processing child's parts, all of them
        "gateway.pipeline.parse",
        "jinja2",  # the templates: no [gateway] templates_dir to check at start
        "gateway.notify.render",
        "gateway.scheduling.scheduler",
        "gateway.outbound.sender",
        "gateway.actions.worker",
        "gateway.runtime.background",
        "slack_sdk",  # no [chat.slack]
        "slack_bolt",
    ),
    "processing child": (
        "aiosmtpd",  # the doors are the listener's
        "aiohttp",
        "imapclient",
        "gateway.receive.smtp",
        "gateway.web",
        "slack_sdk",
        "slack_bolt",
    ),
    "parse process": ("sqlalchemy", "alembic", "jinja2", "yaml", "aiosmtpd", "aiohttp"),
}


def _role(command: str) -> str:
    if "gateway.runtime.processing" in command:
        return "processing child"
    if "gateway.runtime.parse_process" in command:
        return "parse process"
    return "listener"


def _processed(db: Path) -> bool:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        return con.execute("SELECT count(*) FROM inbox WHERE state = 'done'").fetchone()[0] == 1


def test_each_process_of_the_daemon_imports_only_its_parts(tmp_path: Path) -> None:
    port = free_port()
    config = write_config(tmp_path, port=port, locale="en")
    reports = tmp_path / "modules"
    reports.mkdir()
    proc = subprocess.Popen(
        [console_script(), "--config", str(config), "run"],
        env=reporting_env(reports, clean_env(**SECRET_ENV)),
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # a group of its own, as a unit's cgroup
    )
    try:
        wait_for_port(port, proc)
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.sendmail("a@customer.test", ["support@example.test"], mail(subject="Hi"))
        assert eventually(lambda: _processed(tmp_path / "gateway.db"))
        pids = [proc.pid, *descendants(proc.pid)]
        found = {_role(command): modules for command, modules in ask(reports, pids).values()}
        assert set(found) == set(NOT_IMPORTED), found.keys()
        for role, names in NOT_IMPORTED.items():
            wrong = sorted(
                m for m in found[role] if any(m == n or m.startswith(f"{n}.") for n in names)
            )
            assert wrong == [], (role, wrong[:10])
        assert "aiosmtpd" in found["listener"]  # what each one does is there
        assert "gateway.runner.runner" in found["processing child"]
        assert "gateway.pipeline.parse.message" in found["parse process"]
        os.killpg(proc.pid, signal.SIGTERM)
        assert proc.wait(daemon.STOP_BOUND + PATIENCE) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
