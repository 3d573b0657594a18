"""One daemon per SQLite database, whatever its data folder: ``run`` refused a second
daemon only on the same data folder (its ``daemon.lock``), so a second config (or the
same config run from another folder, where ``data_dir`` defaults to ``./var``) with the
same ``[database] url`` started a second daemon on the database. Both took mail and
processed it, each sent the mail it drained to its own outbound maildir, each `status`
saw only its own lock, and two pollers read one mailbox: nothing said so."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.core.errors import ConfigError
from gateway.runtime import daemon
from tests.support.config import SECRET_ENV, write_config
from tests.support.daemon import daemon_thread
from tests.support.ports import free_port


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)


def _site(folder: Path, database: Path) -> Path:
    folder.mkdir()
    return write_config(folder, url=f"sqlite:///{database}", port=free_port())


def _refusal(config: Path) -> str:
    """What ``run`` on ``config`` refuses with; a daemon that starts instead is stopped
    (the test fails: it should not have started)."""
    outcome: list[object] = []
    stop = threading.Event()

    def start() -> None:
        try:
            outcome.append(daemon.run(load_settings(config), stop=stop, ready=ready))
        except ConfigError as exc:
            outcome.append(exc)

    ready = threading.Event()
    thread = threading.Thread(target=start)
    thread.start()
    while thread.is_alive() and not ready.wait(0.1):
        pass
    started = ready.is_set()
    stop.set()
    thread.join(60)
    assert not started and outcome and isinstance(outcome[0], ConfigError), outcome
    return str(outcome[0])


@pytest.mark.usefixtures("secret")
def test_a_second_daemon_on_the_same_sqlite_database_is_refused(tmp_path: Path) -> None:
    database = tmp_path / "shared" / "gateway.db"
    database.parent.mkdir()
    first = _site(tmp_path / "first", database)
    second = _site(tmp_path / "second", database)  # its own data folder, the same database
    with daemon_thread(first) as (ready, _stop, _result):
        assert ready.wait(60)
        said = _refusal(second)
    assert "[database.url]" in said, said
    assert str(database) in said, said
    assert str(tmp_path / "first" / "var") in said, said  # where the other one keeps its data
    # the first one gone, the second starts
    with daemon_thread(second) as (ready, _stop, _result):
        assert ready.wait(60)


@pytest.mark.usefixtures("secret")
def test_two_daemons_on_two_databases_run_side_by_side(tmp_path: Path) -> None:
    one = _site(tmp_path / "one", tmp_path / "one.db")
    two = _site(tmp_path / "two", tmp_path / "two.db")
    with daemon_thread(one) as (ready_one, _s1, _r1), daemon_thread(two) as (ready_two, _s2, _r2):
        assert ready_one.wait(60) and ready_two.wait(60)
