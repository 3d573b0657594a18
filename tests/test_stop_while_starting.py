"""A stop that reaches the processing child while it is still starting is a stop.

systemd's stop (SIGTERM to every process of the unit) and Ctrl-C (SIGINT to the
terminal's group) also reach the processing child. One that had said READY ended
quietly; one still importing (the first seconds after a start, longer on a loaded
machine: a ``systemctl restart`` right after a boot) was taken for a crash: "worker
processing stopped by an unexpected error" with a traceback, a new child started in
the middle of the shutdown, and the daemon's main thread, waiting up to a minute for
that child's READY, stopped the rest only when it came, past the unit's
``TimeoutStopSec``. Now the child's end is the service's stop when the daemon was told
to stop, and the daemon waits for READY only while it is not stopping.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import SystemClock
from gateway.runtime import daemon, processing
from gateway.runtime.app import App, build
from gateway.runtime.nudges import Tuning
from gateway.runtime.processing import ProcessingProcess
from gateway.runtime.workers import Worker
from tests.support.databases import sqlite_only
from tests.support.waiting import PATIENCE, eventually

QUICK = Tuning(poll_interval=0.2, send_interval=0.5, action_interval=0.5, post_interval=0.5)
# a child that is still importing when the signal comes: it never says READY
STARTING = (sys.executable, "-c", "import time; time.sleep(60)")


@pytest.fixture
def live(settings: Settings) -> Iterator[App]:
    application = build(settings, SystemClock())
    yield application
    application.close()


@sqlite_only  # the processes, not the database
def test_a_child_ended_by_the_services_stop_before_ready_is_no_crash(
    live: App, caplog: pytest.LogCaptureFixture
) -> None:
    stopping = threading.Event()
    handle = ProcessingProcess(
        live.settings, QUICK, lambda _row, _why: None, command=STARTING, stopping=stopping
    )
    worker = Worker("processing", handle.run, restart_initial=0.1, restart_max=0.2)
    with caplog.at_level(logging.INFO):
        worker.start()
        assert eventually(lambda: len(handle.pids) == 1)
        stopping.set()  # the daemon's handler ran; the same signal reached the child
        os.kill(handle.pids[0], signal.SIGTERM)
        time.sleep(processing.STOPPING_GRACE + processing.WATCH_INTERVAL * 2)
        worker.stop.set()  # what the daemon's shutdown does next
        assert worker.thread is not None
        worker.thread.join(processing.CHILD_STOP_BOUND + PATIENCE)
    assert not worker.thread.is_alive()
    assert handle.pids == handle.pids[:1] and worker.restarts == 0  # none started again
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


@sqlite_only
def test_a_child_that_dies_before_ready_while_nobody_stops_is_still_a_crash(
    live: App, caplog: pytest.LogCaptureFixture
) -> None:
    handle = ProcessingProcess(
        live.settings,
        QUICK,
        lambda _row, _why: None,
        command=STARTING,
        stopping=threading.Event(),
    )
    worker = Worker("processing", handle.run, restart_initial=0.1, restart_max=0.2)
    worker.start()
    try:
        assert eventually(lambda: len(handle.pids) == 1)
        os.kill(handle.pids[0], signal.SIGKILL)
        assert eventually(lambda: len(handle.pids) == 2)  # started again
    finally:
        worker.stop.set()
        assert worker.thread is not None
        worker.thread.join(processing.CHILD_STOP_BOUND + PATIENCE)
    assert "failed at start" in caplog.text


def test_the_daemon_stops_waiting_for_ready_once_it_is_told_to_stop() -> None:
    ready, stop = threading.Event(), threading.Event()
    threading.Timer(0.2, stop.set).start()
    # bounded by an hour: returning at all (within PATIENCE) means the stop was heard
    waiting = threading.Thread(target=daemon._wait_for_ready, args=(ready, stop, 3600.0))
    waiting.start()
    waiting.join(PATIENCE)
    stopped_waiting = not waiting.is_alive()
    ready.set()  # a wait that did not hear the stop ends here, not in an hour
    waiting.join(PATIENCE)
    assert stopped_waiting
