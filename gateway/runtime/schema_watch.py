"""Whether the database is still at the schema this release knows, asked while running.

Several instances may share one database (PostgreSQL, or two processes on one SQLite
file). When an instance of a newer release upgrades it (``db upgrade``, or its start),
an instance of the older release that keeps running would go on writing with its old
idea of the tables. A start refuses such a database (:mod:`gateway.runtime.reader`,
exit 78); this is the running side. The daemon, its processing process and the pipe's
drainer each keep a :class:`SchemaWatch`: it reads ``alembic_version`` the way
:func:`store.migrate.current_revision` does (no Alembic import: the daemon's memory is
measured), at most once per ``interval`` however often it is asked, so its cost is one
tiny query per interval, never one per message. Once the revision is not this
release's, it stays so: the doors refuse (421, 451, 503), nothing more is processed,
and ``run`` exits 78 naming both revisions.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime

from sqlalchemy import Engine

from gateway.core.errors import TransientError
from store import migrate
from store.accept.contract import (
    BYTES_ONLY,
    Accepted,
    DuplicateRule,
    InboxAcceptor,
    Incoming,
    StoredRaw,
)
from store.revision import HEAD

INTERVAL = 5.0  # seconds between two looks: how long an instance left behind goes on


class SchemaWatch:
    """The database's revision, asked at most once per ``interval`` seconds (any thread)."""

    def __init__(
        self,
        engine: Engine,
        interval: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._interval = interval
        self._monotonic = monotonic
        self._asked_at: float | None = None
        self._moved: str | None = None
        self._lock = threading.Lock()

    def moved(self) -> str | None:
        """The revision the database is at when it is no longer this release's (newer,
        or older: another release's), else None. A database that does not answer now,
        or whose version table cannot be read, is taken as unchanged: an outage (or a
        read that failed) is the other loops' business, not a reason to stop for good."""
        if self._moved is not None:
            return self._moved
        now = self._monotonic()
        if self._asked_at is not None and now - self._asked_at < self._interval:
            return None
        if not self._lock.acquire(blocking=False):  # another thread is asking right now
            return self._moved
        try:
            self._asked_at = now
            try:
                current = migrate.current_revision(self._engine)
            except TransientError:
                return None
            if current is not None and current != HEAD:
                self._moved = current
            return self._moved
        finally:
            self._lock.release()

    def seen(self) -> str | None:
        """What :meth:`moved` found already, without asking the database (an event loop,
        the main thread that pings systemd's watchdog: a slow query must not stall them)."""
        return self._moved

    def watch(self, stop: threading.Event, slice_: float = 0.5) -> None:
        """A :class:`~gateway.runtime.workers.Worker` body: ask every interval until the
        schema moved (then only wait for ``stop``: a worker that returns is restarted)."""
        while not stop.wait(slice_):
            if self.moved() is not None:
                stop.wait()

    def refuse(self, *, ask: bool = True) -> None:
        """For a door about to store: :class:`TransientError` once the schema moved, so
        its sender comes back later (SMTP 451, the pages' 503, IMAP leaves the message)
        and finds an instance that knows the schema. ``ask=False``: only what was found
        already, no query (an event loop's request; the daemon's main thread asks)."""
        current = self.moved() if ask else self.seen()
        if current is not None:
            raise TransientError(f"the database schema is now {current}, not {HEAD}")


class WatchedInbox:
    """An inbox backend that stores nothing once the schema moved (see ``refuse``)."""

    def __init__(self, inner: InboxAcceptor, watch: SchemaWatch) -> None:
        self._inner = inner
        self._watch = watch
        self.streams_files = inner.streams_files

    def accept_many(
        self, items: Sequence[Incoming], *, now: datetime, rule: DuplicateRule = BYTES_ONLY
    ) -> list[Accepted]:
        self._watch.refuse()  # before the batch: one look, usually the cached answer
        return self._inner.accept_many(items, now=now, rule=rule)

    def expecting(self) -> AbstractContextManager[None]:
        return self._inner.expecting()

    def stored(self, inbox_id: int) -> AbstractContextManager[StoredRaw | None]:
        return self._inner.stored(inbox_id)

    def close(self) -> None:
        self._inner.close()


def guarded(
    watch: SchemaWatch | None, one_pass: Callable[[threading.Event], bool]
) -> Callable[[threading.Event], bool]:
    """``one_pass`` of a processing loop, skipped (nothing done) once the schema moved."""
    if watch is None:
        return one_pass

    def checked(stop: threading.Event) -> bool:
        return False if watch.moved() is not None else one_pass(stop)

    return checked
