"""What work done in the test's own thread costs, in CPU time, the least of a few runs.

A test that proves text handling linear (or merely quick) by timing it must not time
the machine: CI runs ``pytest -n 4`` on two cores, and wall-clock time (``perf_counter``,
``monotonic``) counts every moment another process held the CPU (a call of 0.01 s was
seen taking 0.40 s). The thread's CPU time counts only the work; the least of a few runs
drops what a loaded machine still adds to it (cache misses, a move to the other core).
A quadratic walk burns CPU, so it still fails such a test: the bound keeps its meaning.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

RUNS = 3  # few enough to stay cheap, enough that one disturbed run does not decide


def least_cpu(
    work: Callable[[], T], runs: int = RUNS, enough: float | None = None
) -> tuple[T, float]:
    """``work()``'s last value and the least CPU seconds this thread spent on it over
    ``runs`` calls. The thread's, not the process's: threads other tests left behind
    (a server, a poller) do not count, and what is timed here runs in this thread.
    ``enough``: the calls stop at the first that costs less (see :func:`cpu_within`)."""
    best = float("inf")
    value: T
    for _ in range(runs):
        started = time.thread_time()
        value = work()
        best = min(best, time.thread_time() - started)
        if enough is not None and best < enough:
            break
    return value, best


def cpu_seconds(work: Callable[[], object], runs: int = RUNS) -> float:
    """The least CPU seconds this thread spent on ``work()`` over ``runs`` calls, for
    tests that compare two costs (ten times the input, about ten times the cost)."""
    return least_cpu(work, runs)[1]


def cpu_within(seconds: float, work: Callable[[], T], what: object = "", runs: int = 0) -> T:
    """``work()``'s value, after asserting that the least CPU time of up to ``runs``
    calls (``RUNS`` unless given) is under ``seconds``. A call under it ends the runs
    (the least is under it whatever the others would cost), so a passing test pays for
    one. Work whose result is cached takes one run, or new input each run: a second
    call answered from the cache would hide a first one that was slow."""
    value, spent = least_cpu(work, runs or RUNS, enough=seconds)
    assert spent < seconds, f"{what or 'it'}: {spent:.3f}s of CPU, not under {seconds}s"
    return value
