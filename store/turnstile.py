"""Accepting goes first: a turnstile in front of SQLite's one write lock.

SQLite lets one transaction write at a time, and a writer that finds the lock
taken sleeps and tries again (1, 2, 5, 10, 15 … ms) with no place in a queue.
The runner writes a row's whole chain in one transaction and starts the next
row the moment it commits, so under load the inbox writer, which holds an SMTP
``250`` until its commit, kept waking into a taken lock: in issue #18's daemon
bench the p99 acceptance latency was 300 ms while the runner's rows took 10.

So whoever accepts mail (the inbox writer's group commits, the MTA pipe) holds
this turnstile, an ``flock`` on a file beside the database, around its write
transaction, and the runner passes through it before each row's transaction:
while an accepting writer waits for the lock, the runner finishes the row in
hand and then waits its turn, so a ``250`` waits for at most one row. The runner
never waits here inside a transaction, so the two locks cannot deadlock. Other
writers (sender, scheduler, pages) do not take part: they are rare and short.

An ``flock`` ends with its process, so a crashed writer cannot leave it held.
PostgreSQL needs none of this (its writers lock rows, not the database).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

SUFFIX = "-turnstile"  # the lock file is the database's path plus this


class Turnstile:
    """One open file per user, so that two threads of one process exclude each other
    too (flock belongs to the open file, not to the process)."""

    def __init__(self, db_path: str) -> None:
        self.path = db_path + SUFFIX
        self._fd: int | None = None

    @contextmanager
    def first(self) -> Iterator[None]:
        """Held around an accepting write: the runner starts no row meanwhile."""
        fd = self._file()
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    def wait_turn(self) -> None:
        """Pass through: return at once unless an accepting writer holds the turnstile."""
        fd = self._file()
        fcntl.flock(fd, fcntl.LOCK_EX)
        fcntl.flock(fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _file(self) -> int:
        if self._fd is None:  # 0600 whatever the umask, as every file of ours
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            os.fchmod(self._fd, 0o600)
        return self._fd
