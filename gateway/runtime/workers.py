"""The daemon's background loops: supervised threads, and the one shape of a loop.

Every background part of ``run`` (the pipeline runner, the outbox sender, the
catalog-action workers, the chat poster, the scheduler, one IMAP poller per
account) is a :class:`Worker`: a loop in its own thread that is started again
with a capped, doubling backoff when it crashes, so one bug cannot end a part
of the daemon for good, nor turn into a tight crash loop that floods the log.

The drain-style parts share :func:`repeat`: do a pass at once when woken (the
runner wakes the sender, the writer wakes the runner), else every ``interval``
seconds for retries that came due; a database that is down makes the loop
wait with backoff and try again, and a pass that fails unexpectedly is logged
and retried — rows stay where they are, so nothing is lost.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from gateway.core.accept_errors import out_of_resources
from gateway.core.backoff import Backoff
from gateway.core.errors import TransientError

log = logging.getLogger("gateway.daemon")

RESTART_INITIAL = 1.0  # seconds before a crashed worker is started again, doubled per crash
RESTART_MAX = 60.0  # the ceiling of that backoff
RESTART_RESET = 300.0  # a worker that ran this long without crashing starts over at 1 s
PASS_BACKOFF_MAX = 60.0  # the longest wait after a failed pass


class Ended(RuntimeError):
    """A loop that ended for a reason it says in full, none of them a bug of ours (a
    child process killed by the OOM killer, or by the budget's rule): said as an error
    without a traceback, which an admin cannot act on, and started again as a crash is."""


@dataclass
class Worker:
    """A background loop in its own thread; ``run`` returns soon after ``stop`` is set.

    Supervised: a loop that raises (or returns while nobody asked it to stop) is
    logged and started again after a backoff that doubles per crash up to
    ``restart_max``."""

    name: str
    run: Callable[[threading.Event], None]
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    restart_initial: float = RESTART_INITIAL
    restart_max: float = RESTART_MAX
    restarts: int = 0  # for status and tests
    # called once ``stop`` is set, for a loop that waits on something other than ``stop``
    # (the processing child's socket): it ends that wait instead of the loop's next look
    interrupt: Callable[[], None] = lambda: None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._supervise, name=self.name, daemon=True)
        self.thread.start()

    def alive(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def _supervise(self) -> None:
        backoff = Backoff(self.restart_initial, self.restart_max)
        while not self.stop.is_set():
            started = time.monotonic()
            crash = self._run_once()
            if crash is None:
                return
            if time.monotonic() - started >= RESTART_RESET:  # it had been healthy a while
                backoff.succeeded()
            delay = backoff.failed()
            log.error("worker %s %s; restarting in %.1fs", self.name, crash, delay)
            if self.stop.wait(delay):
                return
            self.restarts += 1
            log.info("worker %s: restart %d", self.name, self.restarts)

    def _run_once(self) -> str | None:
        """What went wrong, or None when the loop ended because it was asked to."""
        try:
            self.run(self.stop)
        except Ended as exc:
            log.error("worker %s stopped: %s", self.name, exc)
            return "stopped"
        except OSError as exc:
            why = out_of_resources(exc)  # EMFILE…: said as the listeners say it, no traceback
            if why is None:
                log.exception("worker %s stopped by an unexpected error", self.name)
                return "crashed"
            log.error("worker %s stopped: %s", self.name, why)
            return "stopped for want of a resource"
        except Exception:  # a dying loop must say so; the others go on
            log.exception("worker %s stopped by an unexpected error", self.name)
            return "crashed"
        return None if self.stop.is_set() else "returned while not asked to stop"


def repeat(
    name: str,
    one_pass: Callable[[threading.Event], bool],
    stop: threading.Event,
    *,
    nudge: threading.Event,
    interval: float,
    did_work: Callable[[], None] = lambda: None,
) -> None:
    """Run ``one_pass`` whenever ``nudge`` is set, and at least every ``interval``
    seconds, until ``stop``. A pass returns True when it did something that others
    may act on (``did_work`` wakes them: mail queued, runs finished)."""
    backoff = Backoff(1.0, PASS_BACKOFF_MAX)
    while not stop.is_set():
        try:
            if one_pass(stop):
                did_work()
            backoff.succeeded()
            nudge.wait(interval)
            nudge.clear()
            continue
        except TransientError as exc:
            delay = backoff.failed()
            log.warning("%s: database unavailable, retrying in %.0fs: %s", name, delay, exc)
        except Exception:  # the loop must go on; rows stay where they are
            delay = backoff.failed()
            log.exception("%s pass failed, retrying in %.0fs", name, delay)
        stop.wait(delay)


def wake_all(*events: threading.Event) -> Callable[[], None]:
    """One callback that sets every event: a pass may concern several workers."""

    def wake() -> None:
        for event in events:
            event.set()

    return wake
