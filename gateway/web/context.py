"""What the handlers share: settings, the database, the clock, the catalog, the
inbox acceptor and the thread pools that keep database work off the event loop.

Every query runs in :meth:`WebContext.run` (a small pool), so one slow query
never stalls the other requests; inbox writes go through one acceptor in a
thread of its own (:meth:`WebContext.accept`), the way the SMTP writer does.

A page that only looks (the board, a ticket, the lists, a sign-in link opened)
reads in :meth:`WebContext.read`, a read-only unit that takes no write lock: on
SQLite the listener beside it, whose ``250`` waits for its commit, never waits
for a page. What changes something (a sign-in, a ticket's buttons, a merge, a
form's rate count) is a :meth:`WebContext.write`.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from gateway.catalog.model import Catalog
from gateway.config.settings import Member, Settings
from gateway.core.clock import Clock
from gateway.web.keys import Keys
from store.accept.contract import Accepted, InboxAcceptor, Incoming
from store.db import transaction

T = TypeVar("T")
DB_THREADS = 4


@dataclass
class WebContext:
    settings: Settings
    sessions: sessionmaker[Session]
    clock: Clock
    catalog: Callable[[], Catalog]  # the catalog in use (reloaded on SIGHUP)
    open_acceptor: Callable[[], InboxAcceptor]
    nudge: Callable[[], None] = lambda: None  # wake the runner: a submission is stored
    wake_sender: Callable[[], None] = lambda: None  # a mail is queued (sign-in, a status mail)
    # raises TransientError (a 503) once the daemon must stop serving: another release
    # changed the database's schema (gateway.runtime.schema_watch); asked per request
    gate: Callable[[], None] = lambda: None
    # seconds a posted form's body may take to come in whole, past which it is a 408: a
    # form at the 10 MB upload limit over a 140 kbit/s uplink still makes it
    body_within: float = 600.0
    keys: Keys = field(init=False)
    memo: dict[str, Any] = field(init=False, default_factory=dict)  # views kept between looks
    _db: ThreadPoolExecutor = field(init=False)
    _writer: ThreadPoolExecutor = field(init=False)
    _acceptor: InboxAcceptor | None = field(init=False, default=None)
    _writer_lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.keys = Keys.from_secret(self.settings.gateway.reply_key())
        self._db = ThreadPoolExecutor(DB_THREADS, thread_name_prefix="web-db")
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="web-inbox")

    def now(self) -> datetime:
        return self.clock.now()

    def member(self, email: str | None) -> Member | None:
        return self.settings.member(email) if email else None

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in the database pool."""
        return await asyncio.get_running_loop().run_in_executor(self._db, partial(fn, *args))

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(session, *args)`` in one read-only unit of work, in the database pool:
        no write lock; a write in it raises :class:`store.db.WroteInReadOnlyUnit`."""
        return await self.run(self._unit, True, fn, args)

    async def write(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(session, *args)`` in one unit of work that may write (on SQLite it
        takes the write lock at its start), in the database pool."""
        return await self.run(self._unit, False, fn, args)

    def _unit(self, read_only: bool, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        self.gate()
        with transaction(self.sessions, read_only=read_only) as s:
            return fn(s, *args)

    async def accept(self, items: Sequence[Incoming]) -> list[Accepted]:
        """Store in the inbox, durably; raises TransientError when the database is not there."""
        return await asyncio.get_running_loop().run_in_executor(
            self._writer, partial(self._accept, list(items))
        )

    def _accept(self, items: list[Incoming]) -> list[Accepted]:
        with self._writer_lock:  # one thread uses the acceptor (SQLite connections are per thread)
            if self._acceptor is None:
                self._acceptor = self.open_acceptor()
            return self._acceptor.accept_many(items, now=self.clock.now())

    def close(self) -> None:
        self._db.shutdown(wait=True, cancel_futures=True)

        def release() -> None:
            if self._acceptor is not None:
                self._acceptor.close()

        self._writer.submit(release).result(timeout=10)
        self._writer.shutdown(wait=True)
