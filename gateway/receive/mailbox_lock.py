"""One instance at a time per mailbox, when several share a PostgreSQL database.

Two gateways polling the same folder would not store a message twice (the
content hash sees to that), but they would race to move the same UIDs and
fill the log with each other's "message vanished" errors. So on PostgreSQL an
IMAP poller first takes a session-level advisory lock named after its account
and the schema of its tables (:mod:`store.advisory`: advisory locks are the whole
database's, and another team's gateway in another schema may poll a mailbox of
the same name), on a connection of its own that it keeps for as long as it polls. Nothing has
to be released by hand: when the holder stops, crashes or is killed, its
connection closes, the server drops the lock, and the instance that was
standing by takes the mailbox over at its next try. SQLite needs none of this:
the daemon lock on the data directory already allows one instance.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from store.advisory import key_here
from store.pg_connect import lock_holder_engine

log = logging.getLogger("gateway.imap")

Loop = Callable[[threading.Event], None]

TAKEOVER_INTERVAL = 5.0  # seconds between tries to take a mailbox another instance holds
LOCK_CHECK = 5.0  # how often the holder makes sure its lock connection still lives
STOP_CHECK = 0.2  # how soon a stop reaches the poller through the watcher


MAILBOX = "imap"  # the purpose named in a mailbox lock's key (store.advisory)


def exclusive(engine: Engine, account: str, run: Loop) -> Loop:
    """``run`` wrapped so that it only runs while this instance holds ``account``."""
    if engine.dialect.name != "postgresql":
        return run
    return _Exclusive(engine, account, run).serve


class _Exclusive:
    def __init__(self, engine: Engine, account: str, run: Loop) -> None:
        # NullPool: closing the connection must really close it, or the lock would
        # stay with a pooled connection after the poller stopped
        self.engine = lock_holder_engine(engine)
        self.account, self.run = account, run
        self._standing_by = False

    def serve(self, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                try:
                    self._take_and_run(stop)
                except SQLAlchemyError as exc:
                    log.warning(
                        "imap %s: cannot take the mailbox lock, retrying: %s", self.account, exc
                    )
                stop.wait(TAKEOVER_INTERVAL)
        finally:
            self.engine.dispose()

    def _take_and_run(self, stop: threading.Event) -> None:
        with self.engine.connect() as conn:
            key = key_here(conn, MAILBOX, self.account)
            held = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
            conn.commit()  # the lock is the session's: no transaction stays open
            if not held:
                if not self._standing_by:
                    log.info(
                        "imap %s: another instance polls this mailbox; standing by", self.account
                    )
                self._standing_by = True
                return
            log.info("imap %s: this instance polls the mailbox now", self.account)
            self._standing_by = False
            inner = threading.Event()
            watcher = threading.Thread(
                target=_watch,
                args=(conn, stop, inner, self.account),
                name=f"{threading.current_thread().name}-lock",
                daemon=True,
            )
            watcher.start()
            try:
                self.run(inner)
            finally:
                inner.set()
                watcher.join()
        # the connection is closed here, and with it the lock: another may take over


def _watch(conn: Connection, stop: threading.Event, inner: threading.Event, account: str) -> None:
    """Stop the poller on ``stop``, or when the lock's connection is gone (then the
    lock is gone too, and another instance may already poll the mailbox)."""
    next_check = time.monotonic() + LOCK_CHECK
    while not inner.is_set():
        if stop.wait(STOP_CHECK):
            inner.set()
            return
        if time.monotonic() >= next_check:
            try:
                conn.execute(text("SELECT 1"))
                conn.commit()
            except SQLAlchemyError as exc:
                log.error("imap %s: lost the mailbox lock's connection, pausing: %s", account, exc)
                inner.set()
                return
            next_check = time.monotonic() + LOCK_CHECK
