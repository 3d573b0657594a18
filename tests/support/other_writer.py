"""A second SQLite writer that asks for the write lock while a unit of ours reads:
how long it waited says whether that reading held the lock (``requesters forget``'s and
the retention's reading of the sent lists, which must not stall the daemon's writers).

The test makes its reading call :meth:`OtherWriter.during_read` at the first read: the
other writer then asks for the lock, and the reading lasts until it has written (or
``held`` seconds), so the wait is measured while the reading runs, on any machine. The
lock's wait alone is timed (``waited``), not the whole run."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class OtherWriter:
    """Started by :meth:`running`; ``waited``: how long its BEGIN IMMEDIATE waited."""

    def __init__(self, path: str, held: float) -> None:
        self.path, self.held = path, held
        self.asked, self.answered = threading.Event(), threading.Event()
        self.waited: list[float] = []
        self._probe = sqlite3.connect(path, timeout=60, isolation_level=None)
        self._probe.execute("CREATE TABLE lock_probe (at REAL)")

    def during_read(self) -> None:
        """Called by the reading under test: the first call makes the writer ask now,
        and lasts until it wrote (or ``held``)."""
        if not self.asked.is_set():
            self.asked.set()
            self.answered.wait(self.held)

    def wrote(self) -> int:
        """How many rows the other writer wrote (one once it got the lock)."""
        return int(self._probe.execute("SELECT count(*) FROM lock_probe").fetchone()[0])

    @contextmanager
    def running(self) -> Iterator[OtherWriter]:
        """The writer's thread for the block; joined (and the probe closed) after it."""
        thread = threading.Thread(target=self._write)
        thread.start()
        try:
            yield self
        finally:
            self.asked.set()
            thread.join(90)

    def close(self) -> None:
        self._probe.close()

    def _write(self) -> None:
        self.asked.wait(60)
        conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        try:
            began = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")  # the write lock: waits while a unit holds it
            self.waited.append(time.perf_counter() - began)
            conn.execute("INSERT INTO lock_probe VALUES (?)", (time.time(),))
            conn.execute("COMMIT")
        finally:
            conn.close()
            self.answered.set()
