"""Polling for something that happens in another thread or process.

Real servers and daemons answer asynchronously; a test waits for the observable
effect (a port, a row, a file) with a deadline instead of sleeping a fixed time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(check: Callable[[], T], timeout: float = 15.0, interval: float = 0.05) -> T:
    """Call ``check`` until it returns something truthy or ``timeout`` seconds pass;
    return its last value, so ``assert eventually(...)`` fails with what was seen."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
