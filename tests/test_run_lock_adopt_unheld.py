"""``TICKET_GATEWAY_DAEMON_LOCK_FD`` names the descriptor of ``daemon.lock`` handed on
through ``run``'s re-exec; the environment is the caller's, though. A descriptor of
the same file that holds no lock (``exec 9>>var/daemon.lock`` in a shell, a variable
copied from another daemon's environment) was adopted as the lock itself, so a second
daemon ran beside the first on one data folder (two SMTP listeners, two runners on
one database). Only a descriptor that holds the lock, or can take it now, is adopted;
else ``run`` is refused as for any held lock."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.config.settings import Settings
from gateway.core.errors import ConfigError
from gateway.receive import pipe
from gateway.runtime import run_lock
from tests.support.config import write_config


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.delenv(run_lock.ENV_LOCK_FD, raising=False)
    yield load_settings(write_config(tmp_path))


def test_a_descriptor_of_the_lock_file_that_holds_no_lock_is_not_adopted(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    running = run_lock.take(settings)  # the daemon that runs
    other = os.open(pipe.lock_path(settings.gateway.data_dir), os.O_RDWR | os.O_APPEND)
    try:
        word = pipe.lock_path(settings.gateway.data_dir).read_text()
        monkeypatch.setenv(run_lock.ENV_LOCK_FD, str(other))
        assert run_lock.adopt(settings) is None
        assert pipe.lock_path(settings.gateway.data_dir).read_text() == word  # its word kept
        with pytest.raises(ConfigError):
            run_lock.take(settings)
    finally:
        os.close(other)
        running.close()


def test_a_free_lock_file_descriptor_is_adopted_holding_the_lock(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = pipe.lock_path(settings.gateway.data_dir)
    run_lock.take(settings).close()  # the file exists, nobody holds it
    fd = os.open(path, os.O_RDWR | os.O_APPEND)
    monkeypatch.setenv(run_lock.ENV_LOCK_FD, str(fd))
    lock = run_lock.adopt(settings)
    assert lock is not None
    try:
        probe = os.open(path, os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(probe)
    finally:
        lock.close()


def test_the_lock_handed_on_is_adopted(settings: Settings) -> None:
    lock = run_lock.take(settings)
    run_lock.hand_on(lock)
    lock.close()  # as the exec closes it: the handed-on copy keeps the flock
    adopted = run_lock.adopt(settings)
    assert adopted is not None
    adopted.close()
