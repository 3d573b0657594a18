"""What every Slack listener needs: settings, clock, catalog, the database, the inbox.

The Slack app runs on its own event loop; database work runs off it: the inbox
accept on one thread of its own (the SQLite acceptor keeps one connection, used
from one thread), the tickets service on the loop's default executor.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from gateway.catalog.load import CatalogHolder
from gateway.chat.slack.people import People
from gateway.config.settings import Settings
from gateway.core.clock import Clock, day_in
from store.accept.contract import Accepted, InboxAcceptor, Incoming

T = TypeVar("T")

# The longest a form's database work waits for a lock another writer holds (SQLite's
# write lock, the turnstile; PostgreSQL's row locks): Slack waits 3 seconds for the
# answer to a page sent, and the person's lookup (users.info) needs its part of them.
# Then the page stays and says "please submit again", and nothing of it is written.
WRITE_WAIT = timedelta(seconds=1)
WRITE_WAIT_MS = WRITE_WAIT // timedelta(milliseconds=1)


@dataclass
class Door:
    settings: Settings
    clock: Clock
    catalog: CatalogHolder
    sessions: sessionmaker[Session]
    acceptor: InboxAcceptor
    people: People
    stored: Callable[[], None] = lambda: None  # wakes the runner after a commit
    _inbox_thread: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="slack-inbox")
    )

    async def accept(self, raw: bytes, ref: str) -> Accepted:
        """Commit one submission to the inbox (raises TransientError when the database is
        locked or gone); only after this returns may Slack be answered."""
        item = Incoming(raw=raw, source="slack", source_ref=ref[:512])

        def store() -> Accepted:
            [accepted] = self.acceptor.accept_many([item], now=self.clock.now())
            return accepted

        loop = asyncio.get_running_loop()
        accepted = await loop.run_in_executor(self._inbox_thread, store)
        self.stored()
        return accepted

    def today(self) -> date:
        """The day it is in the team's zone, on the injected clock: what a date written
        without its year (``4/1``) in a form sent now is the next such day from."""
        return day_in(self.clock.now(), self.settings.gateway.timezone)

    async def in_db(self, work: Callable[[], T]) -> T:
        return await asyncio.to_thread(work)

    def close(self) -> None:
        self._inbox_thread.submit(self.acceptor.close).result(5)
        self._inbox_thread.shutdown(wait=True)
