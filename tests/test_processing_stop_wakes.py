"""The daemon's stop reaches its watch over the processing child at once.

The watch sleeps on the child's socket between its looks (``WATCH_INTERVAL``), and
the thread forwarding wake-ups on a condition; a stop used to be seen at their next
look, so every stop of the daemon (systemd's, a test's) waited out up to two of
them. :meth:`ProcessingProcess.interrupt`, called by ``stop_workers`` once a
worker's stop is set, ends both waits. The interval is stretched here to 60 s, so a
stop that waits for the next look cannot pass. A real child, a real database.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import SystemClock
from gateway.runtime import processing
from gateway.runtime.app import App, build
from gateway.runtime.nudges import Nudges, Tuning, stop_workers
from gateway.runtime.processing import ProcessingProcess
from gateway.runtime.workers import Worker
from tests.support.waiting import PATIENCE

QUICK = Tuning(poll_interval=0.2, send_interval=0.5, action_interval=0.5, post_interval=0.5)
LONG_LOOK = 60.0  # the stretched interval between the watch's looks
# the child's own stop (it finishes no row here) and a loaded machine, far under LONG_LOOK
STOPPED_WITHIN = 20.0


@pytest.fixture
def live(settings: Settings) -> Iterator[App]:
    application = build(settings, SystemClock())
    yield application
    application.close()


def _started(app: App, monkeypatch: pytest.MonkeyPatch) -> tuple[ProcessingProcess, Worker]:
    monkeypatch.setattr(processing, "WATCH_INTERVAL", LONG_LOOK)
    handle = ProcessingProcess(app.settings, QUICK, lambda row, why: None)
    worker = Worker("processing", handle.run, interrupt=handle.interrupt)
    worker.start()
    return handle, worker


def _stops_soon(worker: Worker) -> None:
    """The daemon's stop, as ``_shut_down`` asks it, ends the worker well before the
    watch's next look would have seen it."""
    began = time.monotonic()
    stop_workers([worker], Nudges(), time.monotonic() + LONG_LOOK + PATIENCE)
    assert worker.thread is not None and not worker.thread.is_alive()
    assert time.monotonic() - began < STOPPED_WITHIN


def test_a_running_childs_watch_ends_at_the_stop_not_at_its_next_look(
    live: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    handle, worker = _started(live, monkeypatch)
    assert handle.ready.wait(60), "the processing process never said READY"
    time.sleep(0.2)  # the watch is in its long wait on the child's socket now
    _stops_soon(worker)


def test_a_stop_while_the_child_starts_ends_the_wait_for_ready(
    live: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    handle, worker = _started(live, monkeypatch)
    deadline = time.monotonic() + PATIENCE
    while not handle.pids and time.monotonic() < deadline:
        time.sleep(0.01)  # started, its imports still running: no READY yet
    _stops_soon(worker)


def test_an_interrupt_before_the_watch_began_is_harmless(
    live: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Called before ``run`` made its socket (or after it closed it): nothing to wake."""
    handle = ProcessingProcess(live.settings, QUICK, lambda row, why: None)
    handle.interrupt()
    handle.interrupt()  # twice: no socket, no wait, nothing raised
