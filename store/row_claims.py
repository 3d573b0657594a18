"""Which pending inbox rows this instance works on, when several share a PostgreSQL database.

Every instance's runner asks for the due rows (:func:`store.inbox.due_ids`). Before
this module, two instances draining together got the same ids (the rows were
locked only for the moment of the question), and each read and parsed every row
before one of them won the row's claim: half of each instance's parsing was thrown
away (issue #18).

So on PostgreSQL a runner holds a session-level advisory lock per row it has
taken, on a connection of its own, from the question until the rows are processed;
the other instance's question skips rows so held. As with the mailbox locks
(:mod:`gateway.receive.mailbox_lock`), nothing has to be released by hand when a
process dies: its connection closes and the server drops its locks, so a row taken
by an instance that crashed, or whose processing child was killed over its budget,
is due again at once, not after a lease. The advisory locks only share the work
out: what makes a row processed once is still the row lock and state check of
:func:`store.inbox.claim_row`. SQLite needs none of it: one daemon per data
directory, and drainers take turns under the drain lock.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Sequence

from sqlalchemy import ARRAY, Connection, Engine, Integer, bindparam, text
from sqlalchemy.exc import SQLAlchemyError

from store.advisory import key_here
from store.pg_connect import lock_holder_engine

log = logging.getLogger("gateway.runner")

CANDIDATES = 4  # due rows asked for per row wanted: others may hold some of them

# A row's lock is the pair (space, id), in the two-key form of the advisory locks, which
# never meets the one-key form of the mailbox and migration locks. Advisory locks are
# the whole database's: the space is the schema's (store.advisory), or the gateways of two
# teams in two schemas of one database would hold each other's rows (the same ids).
ROW_SPACE = "inbox"  # the purpose named in the space's key
_IDS = bindparam("ids", type_=ARRAY(Integer))
# each candidate tried once, in order
_TAKE = text(
    "SELECT k, pg_try_advisory_lock(:space, k) FROM unnest(:ids) WITH ORDINALITY AS t(k, n) "
    "ORDER BY n"
).bindparams(_IDS)
_GIVE = text("SELECT count(pg_advisory_unlock(:space, k)) FROM unnest(:ids) AS t(k)").bindparams(
    _IDS
)


class RowClaims:
    """The rows this instance holds; on SQLite every row asked for is this instance's."""

    def __init__(self, engine: Engine) -> None:
        self._engine: Engine | None = None
        if engine.dialect.name == "postgresql":
            # NullPool: a closed connection must really close, and with it the locks
            self._engine = lock_holder_engine(engine)
        self._conn: Connection | None = None
        self._space = 0  # the schema's (ROW_SPACE), read when the connection is made
        self._lock = threading.Lock()  # one connection; a drain and a stop may meet
        self._closed = False  # a drain after close takes nothing, on no new connection

    @property
    def shared(self) -> bool:
        """Whether other instances may work on the same rows (PostgreSQL)."""
        return self._engine is not None

    def wanted(self, limit: int) -> int:
        """How many due rows to ask for, to have ``limit`` this instance can take."""
        return limit * CANDIDATES if self.shared else limit

    def take(self, ids: Sequence[int], limit: int) -> list[int]:
        """The first ``limit`` of ``ids`` no other instance holds, now held by this one.
        Without its connection, every row is taken: two instances then may parse the
        same rows, as before, but none is left waiting. Once closed, none is taken."""
        if self._engine is None or not ids:
            return list(ids[:limit])
        with self._lock:
            if self._closed:
                return []  # stopping: a connection opened now would stay open, rows held
            got: list[int] = []
            try:
                conn = self._connection()
                tried = 0
                while len(got) < limit and tried < len(ids):
                    # as many as are still wanted: never a lock taken only to give it back,
                    # which would hide the row from the other instance meanwhile
                    chunk = list(ids[tried : tried + limit - len(got)])
                    tried += len(chunk)
                    rows = conn.execute(_TAKE, {"space": self._space, "ids": chunk})
                    got += [int(k) for k, held in rows if held]
                conn.commit()  # the locks are the session's: no transaction stays open
            except SQLAlchemyError as exc:
                log.warning("cannot share the rows out with other instances, taking them: %s", exc)
                self._drop()
                return list(ids[:limit])
        return got

    def give_back(self, ids: Sequence[int]) -> None:
        """The rows processed (or not wanted): other instances may take them again."""
        if self._engine is None or not ids:
            return
        with self._lock:
            if self._conn is None:
                return  # the locks went with the connection
            try:
                self._conn.execute(_GIVE, {"space": self._space, "ids": list(ids)})
                self._conn.commit()
            except SQLAlchemyError as exc:  # so did they here
                log.warning("lost the connection holding this instance's rows: %s", exc)
                self._drop()

    def close(self) -> None:
        """Give every row back and stop. Closing the connection alone would do, but the
        server drops a session's locks only once its process has noticed the client
        left: said here, they are free before this returns."""
        with self._lock:
            self._closed = True
            if self._conn is not None:
                with contextlib.suppress(SQLAlchemyError):  # broken: the server drops them
                    self._conn.execute(text("SELECT pg_advisory_unlock_all()"))
                    self._conn.commit()
            self._drop()
        if self._engine is not None:
            self._engine.dispose()

    def _connection(self) -> Connection:
        if self._conn is None:
            assert self._engine is not None
            conn = self._engine.connect()
            self._space = key_here(conn, ROW_SPACE, bits=32)
            conn.commit()
            self._conn = conn
        return self._conn

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(SQLAlchemyError):  # broken: the server drops it anyway
                conn.close()
