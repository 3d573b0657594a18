"""A daemon that waits for its database at start asks systemd for the time it needs.

Under ``Type=notify`` systemd gives a start ``TimeoutStartSec`` (90 s by default) to
say READY=1. A database that was down longer made systemd kill the daemon as a failed
start, over and over, while it would have come up on its own. Now every wait is
announced with ``EXTEND_TIMEOUT_USEC=`` (sd_notify(3)) covering the wait and the next
try, with a ``STATUS=`` line naming what it waits for, and the rest of the start
after the database answers is covered too. The notify socket here is the test's own,
read as systemd reads it; the database is a real SQLite file that cannot be opened at
first, or a PostgreSQL URL nobody answers on.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.runtime import daemon
from store import migrate
from store.db import make_engine
from store.revision import HEAD
from tests.support.config import SECRET_ENV, write_config
from tests.support.daemon import daemon_thread
from tests.support.ports import free_port
from tests.support.waiting import eventually


@pytest.fixture
def notify_socket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[socket.socket]:
    """An AF_UNIX datagram socket named by $NOTIFY_SOCKET, as systemd sets it."""
    path = tmp_path / "notify"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(path))
        sock.setblocking(False)
        monkeypatch.setenv("NOTIFY_SOCKET", str(path))
        for key, value in SECRET_ENV.items():
            monkeypatch.setenv(key, value)
        yield sock


def heard(sock: socket.socket, said: list[str]) -> list[str]:
    """Every line said so far (a datagram may hold several), in order."""
    while True:
        try:
            said += sock.recv(4096).decode().splitlines()
        except BlockingIOError:
            return said


def extensions(said: list[str]) -> list[float]:
    """The seconds each EXTEND_TIMEOUT_USEC asked for."""
    return [
        int(m[1]) / 1e6 for line in said if (m := re.fullmatch(r"EXTEND_TIMEOUT_USEC=(\d+)", line))
    ]


def test_a_database_down_at_start_extends_the_start_timeout(
    tmp_path: Path, notify_socket: socket.socket
) -> None:
    blocker = tmp_path / "down.db"
    blocker.mkdir()  # SQLite cannot open a folder: "unable to open database file"
    port = free_port()
    config = write_config(tmp_path, port=port, url=f"sqlite:///{blocker}", locale="en")
    said: list[str] = []
    with daemon_thread(config) as (ready, _stop, _result):
        assert eventually(lambda: len(extensions(heard(notify_socket, said))) >= 2)
        assert not ready.is_set()
        waiting = [line for line in said if line.startswith("STATUS=")]
        assert waiting[0].startswith("STATUS=waiting for the database (next try in 1s): ")
        first, second = extensions(said)[:2]
        # each wait is covered, with a whole try after it
        assert first >= 1 + daemon.START_STEP and second >= 2 + daemon.START_STEP
        assert "READY=1" not in said
        blocker.rmdir()  # the database comes back
        assert ready.wait(30)
        assert eventually(lambda: "READY=1" in heard(notify_socket, said))
    came_up = max(i for i, line in enumerate(said) if line.startswith("STATUS=waiting"))
    rest = said[came_up + 1 : said.index("READY=1")]
    # the start after the database answered (the processing process, the doors) too
    assert extensions(rest) and extensions(rest)[-1] >= daemon.START_STEP, said


def test_a_postgresql_nobody_answers_on_is_waited_for_and_said(
    tmp_path: Path, notify_socket: socket.socket
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        closed = placeholder.getsockname()[1]  # free again once closed: nobody answers
    url = f"postgresql+psycopg://postgres@127.0.0.1:{closed}/gateway"
    config = write_config(tmp_path, port=free_port(), url=url, locale="en")
    said: list[str] = []
    with daemon_thread(config) as (ready, _stop, result):
        assert eventually(lambda: len(extensions(heard(notify_socket, said))) >= 2)
        assert not ready.is_set()
    assert result == [0]
    assert any(
        line.startswith("STATUS=waiting for the database (next try in 1s): ") for line in said
    ), said
    assert "READY=1" not in said


def test_a_schema_upgrade_at_start_asks_for_the_time_it_may_take(
    tmp_path: Path, notify_socket: socket.socket
) -> None:
    """A new release on a database one migration behind: the upgrade runs before READY=1,
    and on a big database it may take longer than TimeoutStartSec. systemd is told what
    runs and given MIGRATION_STEP for it, then START_STEP for the rest of the start."""
    url = f"sqlite:///{tmp_path}/gateway.db"
    engine = make_engine(url)
    try:
        migrate.ensure_current(engine, datetime.now(UTC))
        migrate.downgrade(engine, "0013")  # as the release before left it
    finally:
        engine.dispose()
    config = write_config(tmp_path, port=free_port(), url=url, locale="en")
    said: list[str] = []
    with daemon_thread(config) as (ready, _stop, _result):
        assert ready.wait(30)
        assert eventually(lambda: "READY=1" in heard(notify_socket, said))
    upgrading = f"STATUS=upgrading the database schema (0013 -> {HEAD})"
    assert upgrading in said, said
    after = said[said.index(upgrading) + 1 : said.index("READY=1")]
    assert extensions(after)[0] >= daemon.MIGRATION_STEP
    assert extensions(after)[-1] >= daemon.START_STEP  # the rest of the start, after it


def test_a_current_schema_asks_for_no_upgrade_time(
    tmp_path: Path, notify_socket: socket.socket
) -> None:
    config = write_config(tmp_path, port=free_port(), locale="en")
    said: list[str] = []
    with daemon_thread(config) as (ready, _stop, _result):
        assert ready.wait(30)
        assert eventually(lambda: "READY=1" in heard(notify_socket, said))
    assert not any(line.startswith("STATUS=upgrading") for line in said)
    assert extensions(said) == []  # nothing waited for: the unit's own timeout is enough
