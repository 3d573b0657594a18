"""A signal is handled however the kernel delivers it.

Python runs signal handlers in the main thread only. The kernel hands a signal sent
to the daemon's pid to any thread that does not block it, and it skips the main
thread when that thread already has a signal pending (a SIGCHLD from a worker
process, under load). A main thread asleep in an endless wait would then never
run the handler: SIGHUP (reload the catalog) or SIGTERM (stop) would wait for
whatever woke it next. The daemon's main thread wakes every SIGNAL_SLICE instead.
"""

from __future__ import annotations

import signal
import threading
import time
from types import FrameType

from gateway.runtime import daemon
from tests.support.waiting import PATIENCE


def test_a_signal_taken_by_another_thread_is_handled_while_the_main_thread_waits() -> None:
    assert threading.current_thread() is threading.main_thread()
    stop = threading.Event()
    handled: list[float] = []

    def on_hangup(_sig: int, _frame: FrameType | None) -> None:
        handled.append(time.monotonic())
        stop.set()

    previous = signal.signal(signal.SIGHUP, on_hangup)
    # never hang the suite: an endless wait ends here, long after PATIENCE
    safety = threading.Timer(2 * PATIENCE, stop.set)

    def other_thread_takes_it() -> None:
        time.sleep(0.2)  # the main thread is waiting by now
        signal.pthread_kill(threading.get_ident(), signal.SIGHUP)

    try:
        safety.start()
        sender = threading.Thread(target=other_thread_takes_it)
        sender.start()
        began = time.monotonic()
        daemon._wait_and_ping(stop, lambda: True)  # no watchdog here: the long wait
        sender.join()
    finally:
        safety.cancel()
        signal.signal(signal.SIGHUP, previous)
    assert handled, "the handler never ran while the main thread waited"
    # while waiting, a slice or so after the signal (PATIENCE leaves a loaded machine its
    # seconds), not when the safety timer ended an endless wait
    assert handled[0] - began < PATIENCE
