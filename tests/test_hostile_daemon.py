"""Issue #14: while the daemon processes hostile mail, everyone else is served.

The review's worst case: one 16 KB line made the runner hold the GIL for 36 s, a
new SMTP connection waited 35 s for its greeting and the watchdog went silent for
37 s. Here a running daemon gets that mail and one of every other hostile kind
over SMTP, while a second client keeps connecting and systemd's notify socket
listens: greetings are answered and the watchdog pinged all along (no freeze; how
fast is measured by bench/hostile.py, not here, where other tests share the cores), and
every row ends in a disposition.
"""

from __future__ import annotations

import itertools
import smtplib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.runtime import daemon
from gateway.runtime.app import build
from store.db import transaction
from store.inbox import counts_by_state
from tests.support import hostile
from tests.support.catalogs import EXAMPLE
from tests.support.config import SECRET_ENV, write_config
from tests.support.ports import free_port
from tests.support.waiting import PATIENCE, eventually

# seconds without a greeting or a watchdog ping that mean the daemon froze, not that a
# loaded machine was slow (issue #14 froze it for 37 s; the pace is bench/hostile.py's)
FROZEN = 10.0

HOSTILE = [
    hostile._message("Hello,\n" + "a" * 8000 + "@" + "a" * 8000 + "\n"),
    hostile._message("Hello,\n" + " " * 12000 + "x\n"),
    hostile.many_lines("wrote", 300_000),
    hostile.many_lines("email", 300_000),
    hostile.fences(300_000),
    hostile.sheet_lines(300_000),
    hostile.encoded_subject(1_000_000),
    hostile.nested_html(1_000_000),
    hostile.unclosed_html(300_000, "<a b='"),
    hostile.unclosed_html(300_000, "&#"),
    hostile.many_parts(20_000),
    hostile.deep_nesting(1000),
    hostile.many_cc(2000),
]


@pytest.fixture
def notify(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    path = str(tmp_path / "notify")
    sock.bind(path)
    sock.settimeout(0.2)
    yield sock, path
    sock.close()


def test_greetings_and_the_watchdog_keep_their_pace_during_hostile_mail(
    tmp_path: Path, notify: tuple[socket.socket, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    sock, path = notify
    for key, value in {**SECRET_ENV, "NOTIFY_SOCKET": path}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("WATCHDOG_USEC", "1000000")  # a ping every 0.5 s
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    port = free_port()
    config = write_config(
        tmp_path, port=port, locale="en", extra=f'[catalog]\npath = "{EXAMPLE}"\n'
    )
    settings = load_settings(config)
    stop, done = threading.Event(), threading.Event()
    greetings: list[float] = []
    failures: list[str] = []
    pings: list[float] = []

    def probe() -> None:
        while not done.is_set():
            started = time.monotonic()
            try:
                with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
                    greetings.append(time.monotonic() - started)
                    client.noop()
            except (smtplib.SMTPException, OSError) as exc:
                failures.append(repr(exc))
            time.sleep(0.05)

    def watch() -> None:
        while not done.is_set():
            try:
                if sock.recv(64) == b"WATCHDOG=1":
                    pings.append(time.monotonic())
            except TimeoutError:
                continue

    runner = threading.Thread(target=daemon.run, args=(settings,), kwargs={"stop": stop})
    runner.start()
    prober, watcher = threading.Thread(target=probe), threading.Thread(target=watch)
    try:
        assert eventually(lambda: _listening(port)), "the daemon did not start listening"
        watcher.start()
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            for raw in HOSTILE:
                client.sendmail("mallory@outside.test", ["support@example.test"], raw)
        prober.start()
        app = build(settings, migrate_schema=False)
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                # read only: a write unit would queue behind the daemon's writers
                with transaction(app.sessions, read_only=True) as s:
                    states = counts_by_state(s)
                if not states.get("pending"):
                    break
                time.sleep(0.2)
        finally:
            app.close()
        time.sleep(1.0)  # a few more probes and pings after the last row
    finally:
        done.set()  # the probes end before the daemon does (a 421 then is no failure)
        for thread in (prober, watcher):
            if thread.ident:
                thread.join(35)
        stop.set()
        runner.join(daemon.STOP_BOUND + PATIENCE)
    assert not failures, failures
    assert not states.get("pending"), states
    assert sum(states.values()) == len(HOSTILE) and not states.get("shunted"), states
    # answered and pinging all along, not frozen (issue #14: one mail held every thread
    # for 37 s). The pace itself (no greeting waits 1 s) is bench/hostile.py's: measured
    # here, on a CI machine running other tests on both cores, it failed for the load.
    assert greetings and max(greetings) < FROZEN, sorted(greetings)[-3:]
    gaps = [b - a for a, b in itertools.pairwise(pings)]
    assert len(pings) >= 3 and max(gaps) < FROZEN, sorted(gaps)[-3:]


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False
