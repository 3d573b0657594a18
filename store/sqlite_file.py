"""An SQLite engine that notices its database file deleted or copied over while open.

SQLite writes on into the file a connection opened, also after that file was removed
from its folder or another was put at its path (a data folder deleted under the
daemon, a backup restored in place): every commit after that goes into a file nobody
will open again. The accepting writer (:mod:`store.accept.sqlite`) checked its own
connection; the pool's connections did not, and the IMAP poller moved a message out of
its folder after its row went into the deleted file, the web form answered 303 and
Slack its ack for a submission no runner would ever see.

So each pooled connection remembers the file (device, inode) it opened:

* at checkout, one opened on another file is dropped and a new one opened on the file
  at the path now (none there: "try again later", not a new empty database);
* before each commit, a unit whose file left the path meanwhile fails as a database
  outage (:class:`TransientError`), rolled back: the door answers 451, leaves the IMAP
  message, exits 75, and the next try writes into the file at the path.

One ``stat`` per checkout and per commit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DisconnectionError

from store.inode import file_identity as identity
from store.sqlite_access import gone

_FILE = "sqlite-file"  # the pool record's info: the (device, inode) it opened


def watch(engine: Engine, path: str | None) -> None:
    """Make ``engine``'s connections to the database at ``path`` notice its file change
    (None: an engine that only reads, or a database in memory: nothing to watch)."""
    if path is None:
        return

    def opened(_dbapi: Any, record: Any) -> None:
        record.info[_FILE] = identity(path)

    def checked_out(_dbapi: Any, record: Any, _proxy: Any) -> None:
        now = identity(path)
        if now is None:
            raise gone(path)
        if record.info.get(_FILE) != now:
            raise DisconnectionError(f"database file {path} was removed or replaced")

    def committing(conn: Connection) -> None:
        record = conn.connection._connection_record
        if record is not None and record.info.get(_FILE) != identity(path):
            conn.invalidate()  # rolled back with it, and never used again
            raise gone(path)

    event.listen(engine, "connect", opened)
    event.listen(engine, "checkout", checked_out)
    event.listen(engine, "commit", committing)
