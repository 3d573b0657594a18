"""A drainer that fails on a transient database error (locked for longer than its busy
timeout, a disk that refused a write) left without a second look. A pipe that committed
while it failed found the drain lock held and exited, relying on it (no lost wakeup:
gateway/runtime/drain.py), so its mail waited for the next piped message, which may
never come. As for a config mistake (tests/test_drain.py,
``test_a_pipe_after_the_fix_relies_on_a_drainer_still_leaving_on_the_mistake``), the
drainer releases the lock, looks once more, and drains what it finds; failing again,
it leaves (a database that keeps failing does not keep it alive).

Real SQLite and the drainer's own code; the failure is made behind our own interfaces
(the runner's pass, the drainer's build), as the race cannot be reached by timing."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest

from gateway.config.load import load_settings
from gateway.core.clock import FakeClock
from gateway.core.errors import TransientError
from gateway.receive import pipe
from gateway.runner.runner import Runner
from gateway.runtime import drain, drain_lock
from gateway.runtime.app import App, build
from tests.support.config import SECRET_ENV, write_config
from tests.support.mails import mail
from tests.support.pipeline import all_tickets

LOCKED = "database unavailable: database is locked"


def _a_pipe_commits(db_path: str, data_dir: Path, subject: str) -> None:
    """What ``ingest -`` does: commit its row, then find the drain lock held and exit."""
    stored = pipe.quick_accept(
        db_path, mail(subject=subject), source_ref="-", now=datetime.now(UTC)
    )
    assert stored is not None
    other = drain_lock.open_lock(data_dir)
    try:
        assert not drain_lock.try_lock(other)  # held: the pipe relies on the drainer
    finally:
        os.close(other)


class _FailingPasses:
    """The runner, its first ``fail`` passes failing as a locked database does;
    ``before_failing`` is run in each failing pass (a pipe committing meanwhile)."""

    def __init__(self, runner: Runner, fail: int, before_failing: Callable[[], None]) -> None:
        self._runner, self._fail, self._before = runner, fail, before_failing
        self.passes = 0

    def process_pending(self, limit: int | None = None) -> list[Any]:
        self.passes += 1
        if self.passes <= self._fail:
            self._before()
            raise TransientError(LOCKED)
        return self._runner.process_pending(limit)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._runner, name)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str, Path]:
    """An installed gateway on SQLite with no daemon: config, database, data folder."""
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    config = write_config(tmp_path)
    settings = load_settings(config)
    build(settings).close()
    return config, str(tmp_path / "gateway.db"), settings.gateway.data_dir


def _drain_with(app: App, runner: _FailingPasses, db_path: str) -> int:
    data_dir = app.settings.gateway.data_dir
    held = drain_lock.open_lock(data_dir)
    assert drain_lock.try_lock(held)  # handed over by the pipe that started it
    due = drain.DueRows(db_path)
    try:
        return drain.drain(replace(app, runner=cast(Runner, runner)), held, due, linger=0, poll=0)
    finally:
        due.close()
        os.close(held)


def test_mail_piped_while_a_pass_failed_is_drained_after_the_release(
    site: tuple[Path, str, Path],
) -> None:
    config, db_path, data_dir = site
    app = build(load_settings(config), FakeClock(datetime.now(UTC)))
    try:
        runner = _FailingPasses(
            app.runner, 1, lambda: _a_pipe_commits(db_path, data_dir, "while it failed")
        )
        processed = _drain_with(app, runner, db_path)
        assert processed == 1 and runner.passes == 2
        assert [t["subject"] for t in all_tickets(app)] == ["while it failed"]
    finally:
        app.close()
    assert not drain_lock.drain_running(data_dir)


def test_a_database_that_keeps_failing_gets_one_more_look_only(
    site: tuple[Path, str, Path],
) -> None:
    config, db_path, data_dir = site
    app = build(load_settings(config), FakeClock(datetime.now(UTC)))
    subjects = iter(["first", "second", "third"])
    try:
        runner = _FailingPasses(
            app.runner, 99, lambda: _a_pipe_commits(db_path, data_dir, next(subjects))
        )
        assert _drain_with(app, runner, db_path) == 0
        assert runner.passes == 2  # the look after the release, then it leaves
    finally:
        app.close()
    assert not drain_lock.drain_running(data_dir)  # the next pipe's drainer may start


def test_mail_piped_while_the_start_failed_is_drained_after_the_release(
    site: tuple[Path, str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database locked as the drainer built the application (a ``db upgrade``
    holding it): released, built once more, and the pipe's row processed."""
    config, db_path, data_dir = site
    held = drain_lock.open_lock(data_dir)
    assert drain_lock.try_lock(held)
    builds: list[int] = []
    real = drain._built

    def locked_once(settings: Any, clock: Any) -> App:
        builds.append(1)
        if len(builds) == 1:
            _a_pipe_commits(db_path, data_dir, "while it started")
            raise TransientError(LOCKED)
        return real(settings, clock)

    monkeypatch.setattr(drain, "_built", locked_once)
    try:
        code = drain._run(drain.Options(str(config), held, linger=0), FakeClock(datetime.now(UTC)))
    finally:
        os.close(held)
    assert code == drain.EX_OK and len(builds) == 2
    app = build(load_settings(config))
    try:
        assert [t["subject"] for t in all_tickets(app)] == ["while it started"]
    finally:
        app.close()


def test_a_start_that_keeps_failing_is_75_lock_free_and_said_once(
    site: tuple[Path, str, Path], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    config, _db_path, data_dir = site
    held = drain_lock.open_lock(data_dir)
    assert drain_lock.try_lock(held)
    builds: list[int] = []

    def locked(settings: Any, clock: Any) -> App:
        builds.append(1)
        raise TransientError(LOCKED)

    monkeypatch.setattr(drain, "_built", locked)
    try:
        with caplog.at_level("ERROR", logger="gateway.drain"):
            code = drain._run(
                drain.Options(str(config), held, linger=0), FakeClock(datetime.now(UTC))
            )
        assert code == drain.EX_TEMPFAIL and len(builds) == 2
        assert not drain_lock.drain_running(data_dir)
    finally:
        os.close(held)
    said = [r.getMessage() for r in caplog.records if "locked" in r.getMessage()]
    assert len(said) == 1, said
