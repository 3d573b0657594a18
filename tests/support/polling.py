"""An IMAP poller run as the daemon runs it, for the tests of the mail doors."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from gateway.receive.imap.poller import ImapPoller
from tests.support.waiting import PATIENCE


@contextmanager
def running(p: ImapPoller) -> Iterator[threading.Event]:
    """run() in a thread, as the daemon does; it must stop (within ``PATIENCE``: an IDLE
    that ignored the stop would wait out its renewal, minutes)."""
    stop = threading.Event()
    thread = threading.Thread(target=p.run, args=(stop,), name="imap-test")
    thread.start()
    try:
        yield stop
    finally:
        stop.set()
        thread.join(timeout=PATIENCE)
    assert not thread.is_alive()
