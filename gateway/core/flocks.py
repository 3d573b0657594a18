"""A whole-file lock taken without waiting, for the locks that say "someone is at work
here" between processes: the ingest drainer's (gateway.runtime.drain_lock) and the
SQLite turnstile's (store.turnstile). An ``flock`` ends with its process, so a crashed
holder cannot leave it held. Standard library only: the MTA pipe's cold start imports it."""

from __future__ import annotations

import fcntl


def try_lock(fd: int) -> bool:
    """Take the lock on ``fd`` now, or say False when another open file holds it."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
