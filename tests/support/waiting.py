"""Polling for something that happens in another thread or process.

Real servers and daemons answer asynchronously; a test waits for the observable
effect (a port, a row, a file) with a deadline instead of sleeping a fixed time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# seconds a test waits for what another thread or process should do: only a failing
# wait runs this long (the check returns as soon as it holds), and a loaded CI machine
# (pytest -n 4 on two cores) can be slow by seconds
PATIENCE = 30.0

# seconds between an http.server's looks at its shutdown flag (``serve_forever``'s
# ``poll_interval``): ``shutdown()`` waits up to this long for it, and the standard
# library's 0.5 s was half a second of every test that stopped one
SERVER_POLL = 0.02


def eventually(check: Callable[[], T], timeout: float = PATIENCE, interval: float = 0.05) -> T:
    """Call ``check`` until it returns something truthy or ``timeout`` seconds pass;
    return its last value, so ``assert eventually(...)`` fails with what was seen."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
