"""Issue #18: the processing loops run in a child process of the daemon.

The daemon wakes the child through a socket, supervises it like a thread
(a child that dies is started again), and is the budget's kill: a row that
outlives ``[limits] processing_budget`` is killed with the child and shunted.
A child whose daemon is gone stops by itself. Real processes, real databases.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.config.settings import CatalogSettings, Settings
from gateway.core.clock import FakeClock, SystemClock
from gateway.core.model import InboxState
from gateway.runtime import processing
from gateway.runtime.app import App, build
from gateway.runtime.nudges import Tuning
from gateway.runtime.processing import ProcessingProcess
from gateway.runtime.row_board import RowBoard
from gateway.runtime.workers import Worker
from store import inbox
from store.db import transaction
from store.models import Ticket
from tests.support.mails import mail
from tests.support.pipeline import inbox_rows
from tests.support.waiting import PATIENCE, eventually

SLOW_CHILD = (sys.executable, str(Path(__file__).parent / "support" / "slow_processing.py"))
QUICK = Tuning(poll_interval=0.2, send_interval=0.5, action_interval=0.5, post_interval=0.5)


@pytest.fixture
def live(settings: Settings) -> Iterator[App]:
    """An app on the real clock: the child reads the time itself."""
    application = build(settings, SystemClock())
    yield application
    application.close()


def _store(app: App, raw: bytes) -> int:
    with transaction(app.sessions) as s:
        return inbox.accept(s, raw, source="smtp", now=app.clock.now()).inbox_id


def _state(app: App, inbox_id: int) -> str:
    return next(r.state for r in inbox_rows(app) if r.id == inbox_id)


def _shunt(app: App) -> processing.Shunt:
    def shunt(row: int, why: str) -> None:
        with transaction(app.sessions) as s:
            inbox.shunt_if_pending(s, row, why, app.clock.now())

    return shunt


@contextmanager
def _running(handle: ProcessingProcess) -> Iterator[Worker]:
    worker = Worker("processing", handle.run, restart_initial=0.1, restart_max=0.2)
    worker.start()
    try:
        assert handle.ready.wait(60), "the processing process never said READY"
        yield worker
    finally:
        worker.stop.set()
        assert worker.thread is not None
        worker.thread.join(processing.CHILD_STOP_BOUND + PATIENCE)
        assert not worker.thread.is_alive()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"


def test_a_woken_child_processes_rows_in_its_own_process(live: App) -> None:
    handle = ProcessingProcess(live.settings, QUICK, _shunt(live))
    with _running(handle):
        [pid] = handle.pids
        assert pid != os.getpid() and _alive(pid)
        row = _store(live, mail(subject="Printer is broken", body="It jams."))
        handle.wake_inbox()
        assert eventually(lambda: _state(live, row) == InboxState.DONE)
    assert not _alive(pid)  # stopped with the worker


def test_a_child_that_dies_is_started_again_and_goes_on(
    live: App, caplog: pytest.LogCaptureFixture
) -> None:
    """Killed (the OOM killer's SIGKILL under the unit's MemoryMax, or a person), it is
    said with the signal's name, without a traceback: it logged "worker processing
    stopped by an unexpected error" and the supervisor's own stack, as for a bug."""
    handle = ProcessingProcess(live.settings, QUICK, _shunt(live))
    with caplog.at_level(logging.INFO, logger="gateway.daemon"), _running(handle) as worker:
        [first] = handle.pids
        os.kill(first, signal.SIGKILL)
        assert eventually(lambda: len(handle.pids) == 2)
        assert eventually(lambda: worker.restarts >= 1)
        row = _store(live, mail(subject="VPN is down", body="Since this morning."))
        handle.wake_inbox()  # may reach the old socket: the interval finds the row anyway
        assert eventually(lambda: _state(live, row) == InboxState.DONE)
    said = [r for r in caplog.records if r.name == "gateway.daemon"]
    assert not [r for r in said if r.exc_info], caplog.text
    assert f"process {first} was killed by signal 9 (SIGKILL)" in caplog.text, caplog.text
    assert "unexpected error" not in caplog.text and "crashed" not in caplog.text


def test_a_row_over_its_budget_is_killed_with_the_child_and_shunted(
    live: App, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(processing, "KILL_GRACE", 1.0)
    # long enough for a fresh child's first row (imports, first connection) under load
    limits = replace(live.settings.limits, processing_budget=timedelta(seconds=5))
    settings = replace(live.settings, limits=limits)
    handle = ProcessingProcess(settings, QUICK, _shunt(live), command=SLOW_CHILD)
    with _running(handle):
        slow = _store(live, mail(subject="Hostile", body="x", headers={"X-Slow": "yes"}))
        handle.wake_inbox()
        assert eventually(lambda: _state(live, slow) == InboxState.SHUNTED, timeout=30)
        [row] = [r for r in inbox_rows(live) if r.id == slow]
        assert "processing budget of 5s exceeded" in row.reason
        assert eventually(lambda: len(handle.pids) == 2)  # and started again
        assert not _alive(handle.pids[0])
        quick = _store(live, mail(subject="Printer is broken", body="It jams."))
        handle.wake_inbox()
        assert eventually(lambda: _state(live, quick) == InboxState.DONE)
    # the budget's kill is the README's own rule at work, not a crash: no traceback
    assert not [r for r in caplog.records if r.name == "gateway.daemon" and r.exc_info]
    assert "unexpected error" not in caplog.text, caplog.text


def test_a_child_whose_daemon_is_gone_stops_by_itself(live: App) -> None:
    handle = ProcessingProcess(live.settings, QUICK, _shunt(live))
    board = RowBoard.create()
    process, conn = handle._start(board)
    try:
        assert conn.poll(60) and conn.recv_bytes() == processing.READY
        conn.close()  # as when the daemon is SIGKILLed: the socket ends
        process.wait(processing.CHILD_STOP_BOUND + PATIENCE)
        assert process.returncode == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        board.close()


def test_the_daemon_runs_its_processing_in_a_child_unless_told_not_to(
    live: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gateway.runtime import daemon

    started: list[ProcessingProcess] = []
    real = daemon.ProcessingProcess

    def spy(*args: object, **kwargs: object) -> ProcessingProcess:
        started.append(real(*args, **kwargs))  # type: ignore[arg-type]
        return started[-1]

    monkeypatch.setattr(daemon, "ProcessingProcess", spy)
    stopping = threading.Event()
    assert daemon._processing_child(live, QUICK, stopping) is not None and len(started) == 1
    off = replace(live.settings, gateway=replace(live.settings.gateway, runner_process=False))
    assert daemon._processing_child(replace(live, settings=off), QUICK, stopping) is None
    frozen = FakeClock(datetime(2026, 3, 2, tzinfo=UTC))  # cannot cross into a child
    assert daemon._processing_child(replace(live, clock=frozen), QUICK, stopping) is None


def test_stopping_while_the_child_starts_leaves_nothing_behind(live: App) -> None:
    handle = ProcessingProcess(live.settings, QUICK, _shunt(live))
    stop = threading.Event()
    thread = threading.Thread(target=handle.run, args=(stop,))
    thread.start()
    assert eventually(lambda: len(handle.pids) == 1)
    stop.set()
    thread.join(processing.CHILD_STOP_BOUND + PATIENCE)
    assert not thread.is_alive()
    assert eventually(lambda: not _alive(handle.pids[0]))


def test_a_child_started_after_a_refused_edit_files_by_the_daemons_catalog(
    settings: Settings, tmp_path: Path
) -> None:
    """A catalog edited into one the daemon refused (SIGHUP) stays on disk; a child that
    starts then (the first, or one started again after a kill) takes the catalog the
    daemon has in use, instead of failing on the file and leaving the mail unprocessed."""
    path = tmp_path / "catalog.yaml"
    path.write_text(
        "entries:\n  - id: vpn\n    name: VPN\n    keywords: [vpn]\n"
        "  - id: other\n    name: Other\n    fallback: true\n    manager: boss@example.test\n",
        encoding="utf-8",
    )
    app = build(replace(settings, catalog=CatalogSettings(path=path)), SystemClock())
    try:
        path.write_text("entries:\n  - id: vpn\n    keywords: [{regex: '[unclosed'}]\n")
        assert not app.catalog.reload()  # refused: the daemon keeps the first one
        handle = ProcessingProcess(
            app.settings, QUICK, _shunt(app), catalog_text=lambda: app.catalog.text
        )
        with _running(handle):
            row = _store(app, mail(subject="VPN is down", body="Since this morning."))
            handle.wake_inbox()
            assert eventually(lambda: _state(app, row) == InboxState.DONE)
        with transaction(app.sessions) as s:
            assert [t.catalog for t in s.scalars(select(Ticket))] == ["vpn"]
    finally:
        app.close()
