"""What the daemon shares with its processing loops without importing them: how often
each looks for due rows (:class:`Tuning`), the events that wake them (:class:`Nudges`),
and how they are stopped (:func:`stop_workers`).

The loops themselves (:mod:`gateway.runtime.background`: the runner's chain, the
parser, the templates, the sender, the scheduler) run in the processing child; the
daemon's listener imports them only when it runs them as threads (``[gateway]
runner_process = false``), so that they are not in its memory too (issue #18: all
the daemon's processes together under 200 MB).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from gateway.runtime.schema_watch import INTERVAL
from gateway.runtime.workers import Worker

log = logging.getLogger("gateway.daemon")


@dataclass(frozen=True, slots=True)
class Tuning:
    """How often each loop looks for due rows when nobody woke it; a value, so that it
    crosses into the processing process (a test's shorter interval included)."""

    poll_interval: float = 2.0  # the runner: retries that came due, rows of other instances
    send_interval: float = 5.0  # the sender: outbox retries that came due
    action_interval: float = 2.0  # the action workers: due runs, expired leases
    post_interval: float = 5.0  # the chat poster: retries that came due
    runner_batch: int = 20  # rows per runner pass, so a stop is noticed between passes
    schema_interval: float = INTERVAL  # the database's revision is asked at most this often


@dataclass(frozen=True, slots=True)
class Nudges:
    """One event per loop: set when there may be work for it."""

    inbox: threading.Event = field(default_factory=threading.Event)  # rows stored
    outbox: threading.Event = field(default_factory=threading.Event)  # mail queued
    chat: threading.Event = field(default_factory=threading.Event)  # news to post
    actions: threading.Event = field(default_factory=threading.Event)  # runs to start

    def all(self) -> tuple[threading.Event, ...]:
        return (self.inbox, self.outbox, self.chat, self.actions)


def stop_workers(found: list[Worker], nudges: Nudges, deadline: float) -> None:
    """Ask every worker to stop, wake them all, and wait until ``deadline`` (monotonic);
    a row in progress that is still busy then stays pending for the next start."""
    for worker in found:
        worker.stop.set()
        worker.interrupt()
    for wake in nudges.all():
        wake.set()
    for worker in found:  # they stop in parallel; each gets what is left of the bound
        if worker.thread is not None:
            worker.thread.join(max(deadline - time.monotonic(), 0.1))
            if worker.thread.is_alive():
                log.warning("worker %s still busy at exit; its row stays pending", worker.name)
