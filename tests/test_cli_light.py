"""What the read commands import: ``tickets list``, ``tickets show`` and ``status`` are
called from scripts and shell loops, so they wire only what they read with
(:mod:`gateway.runtime.reader`), never the runner, the parser, the tickets service's
mail templates or the doors. Each command runs in a process of its own, as a script
runs it, and that process says which modules it ended with."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.core.clock import FakeClock
from tests.support.config import write_config
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.scheduling import make_app

# what changes need and reads do not (tests/test_cli_tickets.py keeps --help lighter still)
HEAVY = (
    "gateway.runtime.app",  # the whole application: runner, hooks, Slack member map
    "gateway.runner",  # the pipeline's chain
    "gateway.pipeline.parse",  # the mail parser
    "gateway.tickets.changes",  # the tickets service
    "gateway.tickets.conversation",  # the mails a change causes
    "gateway.notify.render",  # their templates
    "jinja2",
    "gateway.actions",  # catalog actions
    "gateway.web",  # the doors
    "gateway.chat",
    "aiohttp",
    "slack_sdk",
    "slack_bolt",
    "alembic",  # a current (or new) database needs no migration tool
    "urllib.request",  # proxies are looked up only by what calls out
    "http.client",
)
# the pipe's accept path, asked first by every command (gateway.runtime.entry)
ACCEPT = "store.accept"

PROBE = """
import json, sys
from gateway.runtime import entry
sys.argv = ["ticket-gateway", *sys.argv[1:]]
try:
    entry.main()
except SystemExit as done:
    code = done.code
sys.stdout.flush()
print("MODULES " + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh SQLite file with one ticket in it."""
    folder = tmp_path_factory.mktemp("light")
    path = write_config(folder, secret_file=True)
    app = make_app(load_settings(path), FakeClock())
    try:
        deliver(app, mail("VPN does not connect", message_id="<light-1@customer.test>"))
    finally:
        app.close()
    return path


def imported(config: Path, *args: str) -> tuple[int, str, list[str]]:
    """Exit code, standard output and the modules of ``ticket-gateway ARGS…`` run alone."""
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    out, _, tail = done.stdout.rpartition("MODULES ")
    assert tail, done.stdout + done.stderr
    report = json.loads(tail)
    return report["code"], out, report["modules"]


def heavy_in(modules: list[str], names: tuple[str, ...]) -> list[str]:
    return [m for m in modules if any(m == n or m.startswith(n + ".") for n in names)]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("tickets", "list"), "VPN does not connect"),
        (("tickets", "list", "--json"), '"subject": "VPN does not connect"'),
        (("tickets", "show", "1"), "Ticket #1: VPN does not connect"),
        (("tickets", "show", "1", "--json"), '"subject": "VPN does not connect"'),
    ],
)
def test_reading_tickets_imports_no_change_machinery(
    config: Path, args: tuple[str, ...], said: str
) -> None:
    code, out, modules = imported(config, *args)
    assert code == 0 and said in out, out
    assert "store.ticket_query" in modules or "store.tickets" in modules  # it did read
    assert heavy_in(modules, (*HEAVY, ACCEPT)) == []


def test_status_imports_no_change_machinery(config: Path) -> None:
    code, out, modules = imported(config, "status")
    assert code == 1 and "the daemon is not running" in out, out  # none runs here
    assert "inbox: 0 pending, 0 shunted" in out, out
    assert heavy_in(modules, HEAVY) == []


def test_a_change_still_wires_the_whole_application(config: Path) -> None:
    """The other side: a command that changes a ticket gets the tickets service and its
    hooks, as before (what the list above names is really what a change loads)."""
    code, out, modules = imported(config, "tickets", "note", "1", "looked at it")
    assert code == 0, out
    assert {"gateway.runtime.app", "gateway.tickets.changes", "jinja2"} <= set(modules)


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (("tickets", "list"), 0, "VPN does not connect"),
        (("tickets", "show", "1"), 0, "VPN does not connect"),
        (("status",), 1, "inbox: 0 pending"),  # 1: no daemon runs here
    ],
)
def test_reading_answers_while_a_writer_holds_the_lock(
    config: Path, args: tuple[str, ...], code: int, said: str
) -> None:
    """A script's ``tickets list``, or a monitor's ``status``, during a bulk ingest or a
    busy listener: the read takes no write lock, so it neither waits out the busy
    timeout (then exit 75, a false alarm) nor makes the writer wait for it."""
    import sqlite3

    url = str(load_settings(config).database.url)
    writer = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # the write lock, held for the whole command
        answered, out, _ = imported(config, *args)
        writer.execute("UPDATE tickets SET subject = subject")  # the writer was never held up
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert answered == code and said in out, out
