"""WAL checkpoints from a thread of their own, for a process that writes without pause.

In WAL mode a commit appends pages to the write-ahead log; a checkpoint copies them
into the database file and syncs both. By default the connection whose commit
takes the log past 1 000 pages does it, inside that commit: during a bulk ingest
that was the runner, about 35 times per 2 000 messages, each an fsync or two that
the one busy core waited for (issue #18). SQLite's documentation suggests turning
the automatic checkpoint off and running them from another thread instead: the
writer's connections are made with ``wal_autocheckpoint=0``
(:func:`store.db.make_engine`, ``checkpoints=False``) and this thread runs
``PRAGMA wal_checkpoint(PASSIVE)`` on its own connection. A passive checkpoint never
waits for a lock and never blocks a writer; SQLite releases the GIL while it
copies and syncs, so the copying happens on another core. The log starts over at
the next write after a checkpoint that copied everything.

The accepting connections (:mod:`store.accept.sqlite`) never checkpoint either, so
while this runs it is the only thing keeping the log short; what a checkpoint
could not copy is copied at the next tick, and the last connection to close
checkpoints whatever is left (SQLite's own rule).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path
from types import TracebackType

from store.inode import file_identity

log = logging.getLogger("gateway.store")

INTERVAL = 0.05  # seconds between checkpoints: about 1 000 pages of a bulk ingest's log


class WalCheckpointer:
    """Checkpoints the database at ``path`` every ``interval`` seconds until closed."""

    def __init__(self, path: Path, interval: float = INTERVAL) -> None:
        self.path = path
        self.interval = interval
        self._replaced = False  # the file at the path is not the one opened (said once)
        self._failing = False  # the last checkpoint failed (said once per streak)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)

    def __enter__(self) -> WalCheckpointer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        con, opened = self._open()
        if con is None:
            return
        try:
            while not self._stop.wait(self.interval):
                self._pass(con, opened)
        finally:
            con.close()

    def _open(self) -> tuple[sqlite3.Connection | None, tuple[int, int] | None]:
        """The thread's connection and the file it opened (None: it cannot be opened)."""
        try:  # mode=rw: never create the database (the writers made it, private)
            con = sqlite3.connect(
                f"file:{self.path}?mode=rw", uri=True, timeout=0, isolation_level=None
            )
        except sqlite3.Error as exc:  # the writers' own connections will say more
            log.warning("WAL checkpoints: cannot open %s: %s", self.path, exc)
            return None, None
        return con, file_identity(str(self.path))

    def _pass(self, con: sqlite3.Connection, opened: tuple[int, int] | None) -> None:
        """One tick's checkpoint, unless the file at the path is no longer the one this
        connection opened (a copy moved over it, the file removed). The log and its
        index are the path's, not the file's: connections opened since write pages of
        the new file into the same log, and a checkpoint from here copied them into the
        old file, after which the log started over without them, every mail stored since
        lost and the new file left malformed. The connection stays open until the
        thread is closed, after the engines (``App.close``), so that it is the old file's
        last connection only when nothing else writes."""
        if file_identity(str(self.path)) != opened:
            if not self._replaced:
                log.error(
                    "the database file %s was replaced or removed while the gateway had it "
                    "open: its write-ahead log is no longer checkpointed and grows until "
                    "the gateway is restarted (systemctl restart ticket-gateway); restore "
                    "a backup only with the daemon stopped",
                    self.path,
                )
            self._replaced = True
            return
        self._checkpoint(con)

    def _checkpoint(self, con: sqlite3.Connection) -> None:
        """One passive checkpoint. A failure (a lock held for a schema change, a full
        disk) is said once and tried again at every tick: the log only grows meanwhile,
        and nothing written is lost."""
        try:
            con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error as exc:
            if not self._failing:
                log.warning("WAL checkpoint of %s failed, retrying: %s", self.path, exc)
            self._failing = True
            return
        if self._failing:
            log.info("WAL checkpoints of %s work again", self.path)
            self._failing = False


def empty_log(path: Path, timeout: float = 5.0) -> bool:
    """Copy the write-ahead log of the SQLite database at ``path`` into its file and
    empty it (a ``TRUNCATE`` checkpoint), after an erasure: while the daemon has the
    database open the log is never removed, a checkpoint leaves its old frames in place
    for the next writes to go over, and until one copies the erasure's scrubbed pages
    the file holds the pages as they were. On a connection of its own, as the thread's
    checkpoints are. False when a reader or writer kept it from finishing within
    ``timeout`` seconds (the daemon's checkpoints copy the rest)."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=timeout)
    except sqlite3.Error:
        return False
    try:
        row = con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlite3.Error:
        return False
    finally:
        con.close()
    return row is not None and row[0] == 0
