"""A worker that cannot go on for want of open files (EMFILE: a processing child made
while clients hold every descriptor the daemon may have) is started again, as any
crashed worker; it said so with a traceback, which the out-of-descriptors test of the
whole daemon counts (and found once in a full run, the child being made late on a busy
machine). It is said in the words the listeners use: what is out, and what to raise."""

from __future__ import annotations

import errno
import logging
import threading

import pytest

from gateway.runtime.workers import Worker


def _worker(error: OSError) -> tuple[Worker, list[int]]:
    calls: list[int] = []

    def run(stop: threading.Event) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise error
        stop.wait()

    return Worker("processing", run, restart_initial=0.01), calls


def _run_until_restarted(worker: Worker, calls: list[int]) -> None:
    worker.start()
    for _ in range(500):
        if len(calls) >= 2:
            break
        threading.Event().wait(0.01)
    worker.stop.set()
    assert worker.thread is not None
    worker.thread.join(5)
    assert len(calls) >= 2 and worker.restarts == 1


def test_out_of_open_files_is_said_without_a_traceback(caplog: pytest.LogCaptureFixture) -> None:
    worker, calls = _worker(OSError(errno.EMFILE, "Too many open files"))
    with caplog.at_level(logging.INFO, logger="gateway.daemon"):
        _run_until_restarted(worker, calls)
    said = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert said and not any(r.exc_info for r in said), [r.getMessage() for r in said]
    assert any("limit of open files" in r.getMessage() for r in said)
    assert any("LimitNOFILE" in r.getMessage() for r in said)


def test_any_other_os_error_keeps_its_traceback(caplog: pytest.LogCaptureFixture) -> None:
    worker, calls = _worker(OSError(errno.EACCES, "Permission denied"))
    with caplog.at_level(logging.INFO, logger="gateway.daemon"):
        _run_until_restarted(worker, calls)
    assert any(r.exc_info for r in caplog.records if r.levelno >= logging.ERROR)
