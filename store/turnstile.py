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

The turnstile is taken early, too: an SMTP session holds it from its ``DATA`` to
its ``250`` (:meth:`Turnstile.expecting`), so the runner finishes its row while
the bytes come in instead of after, and the commit finds the lock free. So that
a flood (or one client trickling its data) slows processing but never stops it,
the runner waits at most :data:`YIELD_BOUND` per row and then goes first.

A second lock hands the database over at once. SQLite's own wait is a sleep
and a retry, so a writer that came while a row was half done slept 1 + 2 + 5 ms
(and more) to gain the few milliseconds left of it: the daemon bench saw every
group commit wait about that long. So the row's transaction also holds the write
lock file (``-writelock``), and the accepting writer waits on it in ``flock``,
which the kernel ends the moment the row commits.

An ``flock`` ends with its process, so a crashed writer cannot leave it held.
PostgreSQL needs none of this (its writers lock rows, not the database).
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from gateway.core.flocks import try_lock
from store.sqlite_access import LOCK_SUFFIXES, gone

# the lock file is the database's path plus SUFFIX; WRITE_SUFFIX's is held by a runner's
# row and an accepting write, one at a time (store.sqlite_access checks both are ours)
SUFFIX, WRITE_SUFFIX = LOCK_SUFFIXES
YIELD_BOUND = 0.2  # seconds a runner waits for accepting writers per row, then goes anyway
POLL = 0.002  # seconds between its looks meanwhile


class Turnstile:
    """One open file per user, so that two threads of one process exclude each other
    too (flock belongs to the open file, not to the process). Within one user the
    holds are counted: the writer's commits and the sessions expecting data overlap."""

    def __init__(self, db_path: str) -> None:
        self.path = db_path + SUFFIX
        self.write_path = db_path + WRITE_SUFFIX
        self._fd: int | None = None
        self._write_fd: int | None = None
        self._holds = 0
        self._holds_lock = threading.Lock()

    @contextmanager
    def first(self, within: float | None = None) -> Iterator[None]:
        """Held around an accepting write: the runner starts no row meanwhile, and the
        write begins the moment the row in hand commits. ``within``: the longest to wait
        for both locks (a door that must answer in time: Slack's form), else
        :class:`TurnstileBusy`; None: as long as they are held."""
        if within is None:
            with self.expecting(), self._writing():
                yield
            return
        deadline = time.monotonic() + within
        with self._expecting_within(deadline), self._writing_within(deadline):
            yield

    @contextmanager
    def _expecting_within(self, deadline: float) -> Iterator[None]:
        with self._holds_lock:
            if self._holds == 0:
                _lock_by(self._file(), deadline)
            self._holds += 1
        try:
            yield
        finally:
            self._release()

    @contextmanager
    def _writing_within(self, deadline: float) -> Iterator[None]:
        if self._write_fd is None:
            self._write_fd = _private(self.write_path)
        _lock_by(self._write_fd, deadline)
        try:
            yield
        finally:
            fcntl.flock(self._write_fd, fcntl.LOCK_UN)

    @contextmanager
    def expecting(self) -> Iterator[None]:
        """Held while an accepting write is coming or under way (the writer's commit)."""
        with self._holds_lock:
            self._holds += 1
            if self._holds == 1:
                try:
                    fcntl.flock(self._file(), fcntl.LOCK_EX)
                except BaseException:
                    self._holds -= 1
                    raise
        try:
            yield
        finally:
            self._release()

    @contextmanager
    def expecting_if_free(self) -> Iterator[None]:
        """:meth:`expecting` for an SMTP session's DATA, taken on the listener's event loop,
        which must never wait: a blocking ``flock`` there, while another process (the MTA
        pipe, a bulk ``ingest``) held the turnstile, stalled every session. When it is held
        elsewhere, or our writer is waiting for it, the runner already waits: nothing to do."""
        if not self._holds_lock.acquire(blocking=False):
            yield  # our writer waits for the turnstile, with this lock: the runner waits too
            return
        try:  # ours counted already, or free now; else another process accepts meanwhile
            held = self._holds > 0 or try_lock(self._file())
            if held:
                self._holds += 1
        finally:
            self._holds_lock.release()
        if not held:
            yield
            return
        try:
            yield
        finally:
            self._release()

    def _release(self) -> None:
        with self._holds_lock:
            self._holds -= 1
            if self._holds == 0:
                fcntl.flock(self._file(), fcntl.LOCK_UN)

    @contextmanager
    def row(self) -> Iterator[None]:
        """Around one row's transaction: after any accepting writer that waits, and
        holding the write lock until it commits."""
        self.wait_turn()
        with self._writing():
            yield

    def wait_turn(self, bound: float = YIELD_BOUND) -> None:
        """Pass through once no accepting writer holds the turnstile, or after ``bound``
        seconds whatever they do."""
        deadline = time.monotonic() + bound
        while self.waiting() and time.monotonic() < deadline:
            time.sleep(POLL)  # noqa: TID251 - a lock polled in real time; nothing is decided on it

    def waiting(self) -> bool:
        """Whether an accepting writer holds the turnstile now (a session in DATA, a
        commit of accepted mail): a runner working through a group of rows in one
        transaction commits before its next row, so that the ``250`` waits for one row
        at most, as it would between rows processed one by one."""
        fd = self._file()
        if not try_lock(fd):
            return True
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False

    def close(self) -> None:
        for fd in (self._fd, self._write_fd):
            if fd is not None:
                os.close(fd)
        self._fd = self._write_fd = None

    @contextmanager
    def _writing(self) -> Iterator[None]:
        if self._write_fd is None:
            self._write_fd = _private(self.write_path)
        fcntl.flock(self._write_fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._write_fd, fcntl.LOCK_UN)

    def _file(self) -> int:
        if self._fd is None:
            self._fd = _private(self.path)
        return self._fd


class TurnstileBusy(Exception):
    """The turnstile stayed held past a bounded wait (:meth:`Turnstile.first`)."""


def _lock_by(fd: int, deadline: float) -> None:
    """``flock`` the file, looking every POLL until ``deadline`` (monotonic seconds)."""
    while not try_lock(fd):
        if time.monotonic() >= deadline:
            raise TurnstileBusy("the database's turnstile is held by another writer")
        time.sleep(POLL)  # noqa: TID251 - a lock polled in real time, as SQLite's busy wait


def _private(path: str) -> int:
    """0600 whatever the umask, as every file of ours. One that is another user's (a
    group's, shared by an older release's umask) is only locked: its owner alone may
    change its mode, and it holds nothing but the lock."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except FileNotFoundError:  # the database's folder moved or removed under a running door
        database = path.removesuffix(SUFFIX).removesuffix(WRITE_SUFFIX)
        raise gone(database) from None  # "try again later", as the file's own check says
    try:
        if os.fstat(fd).st_uid == os.geteuid():
            os.fchmod(fd, 0o600)
    except BaseException:
        os.close(fd)
        raise
    return fd
