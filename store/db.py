"""Engine set-up and the one unit of work that commits.

Query modules take a session and never commit; callers wrap a unit of work in
:func:`transaction`, which commits once or rolls back, and turns "the database is locked
or gone" into :class:`~gateway.errors.TransientError` so every source can answer "try
again later" (451, exit 75, IMAP message left in place).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from gateway.core.db_errors import db_error
from gateway.core.errors import DatabaseNotCreated, TransientError
from gateway.core.folders import private_folder
from gateway.core.sqlite_url import sqlite_path
from store import sqlite_file
from store.pg_connect import (
    IDLE_IN_TRANSACTION,
    connect_args,
    on_postgres_connect,
    text_without_nul,
)
from store.pg_connect import lock_holder_engine as lock_holder_engine  # where callers find it
from store.sqlite_access import read_only_connect

SQLITE_BUSY_TIMEOUT_MS = 5000
READ_ONLY = "gateway_read_only"  # a connection's execution option: see transaction()
_QUERY_ONLY = "gateway_query_only"  # Connection.info: SQLite's query_only is on (below)
WAIT_MS = "gateway_wait_ms"  # a connection's execution option: see transaction(wait=)
_BUSY_MS = "gateway_busy_ms"  # Connection.info: SQLite's busy_timeout now, and the engine's
_ENGINE_BUSY_MS = "gateway_engine_busy_ms"


def make_engine(
    url: str,
    *,
    busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
    durable: bool = True,
    checkpoints: bool = True,
    longest_step: timedelta = timedelta(0),
    read_only: bool = False,
) -> Engine:
    """An engine tuned per backend: SQLite in WAL with a busy timeout, PG via psycopg 3.

    ``durable=False`` (SQLite only) skips the fsync at each commit. It is for the runner
    alone: what it commits is rebuilt from the inbox row (committed durably when the source
    was acknowledged) if a power cut takes it back, and nothing leaves the machine before
    the sender's own durable commit, which syncs the whole write-ahead log, this work too.

    ``checkpoints=False`` (SQLite only): its commits never checkpoint the log; a
    :class:`store.checkpoint.WalCheckpointer` must run beside it.

    ``longest_step`` (PostgreSQL): the longest its users may work between two statements
    of one transaction (a row's processing budget); the idle-transaction cap is raised
    to twice that when :data:`IDLE_IN_TRANSACTION` is shorter.

    ``read_only`` (SQLite only): a database this process may not write
    (:func:`store.sqlite_access.unwritable`), opened read-only and never created.
    """
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        reads_only = read_only and path is not None
        if not reads_only:
            _ensure_sqlite_dir(url)
        engine = create_engine(
            url, connect_args={"timeout": busy_timeout_ms / 1000, "isolation_level": None}
        )
        if reads_only and path is not None:
            event.listen(engine, "do_connect", read_only_connect(path))
        pragmas = _sqlite_pragmas(busy_timeout_ms, durable, checkpoints, wal=not reads_only)
        event.listen(engine, "connect", pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        sqlite_file.watch(engine, None if reads_only else path)  # its file swapped while open
        return engine
    engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args(url))
    on_postgres_connect(engine, max(IDLE_IN_TRANSACTION, 2 * longest_step))
    if engine.dialect.driver == "psycopg":
        event.listen(engine, "connect", text_without_nul)
    return engine


def _ensure_sqlite_dir(url: str) -> None:
    path = url.split("///", 1)[1] if "///" in url else ""
    if path and path != ":memory:":
        private_database(Path(path.split("?", 1)[0]))


def private_database(path: Path) -> None:
    """Create the folder (0700) and an empty database file (0600) whatever the umask:
    they hold every mail and the members' reply tokens (issue #14). SQLite gives its
    -wal and -shm files the database file's mode. Existing ones are left as they are.
    Raises :class:`DatabaseNotCreated` when the file cannot be made (a folder this user
    may not write, read-only storage, a file where a folder belongs)."""
    try:
        private_folder(path.parent)
        with suppress(FileExistsError):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:  # a umask such as 0277 took our own write bit: SQLite could not write it
                os.fchmod(fd, 0o600)
            finally:
                os.close(fd)
    except OSError as exc:
        raise DatabaseNotCreated(str(path.absolute()), exc) from exc


def _sqlite_pragmas(busy_timeout_ms: int, durable: bool, checkpoints: bool, *, wal: bool) -> Any:
    """``wal``: set WAL mode (a writer's; a read-only connection reads the mode it finds)."""

    def on_connect(dbapi_conn: Any, record: Any) -> None:
        cur = dbapi_conn.cursor()
        if wal:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        record.info[_BUSY_MS] = record.info[_ENGINE_BUSY_MS] = int(busy_timeout_ms)
        cur.execute("PRAGMA foreign_keys=ON")
        # FULL: a commit is on disk before a source is acknowledged (250, IMAP move,
        # exit 0) or a mail is sent; NORMAL could lose acknowledged mail on power loss.
        cur.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
        if not checkpoints:  # another thread checkpoints (store.checkpoint)
            cur.execute("PRAGMA wal_autocheckpoint=0")
        cur.close()
        from store.search import CONTAINS, contains  # the search index's check of a hit

        dbapi_conn.create_function(CONTAINS, 2, contains, deterministic=True)

    return on_connect


def _sqlite_begin_immediate(conn: Any) -> None:
    """Take the write lock at BEGIN, so a busy database waits (busy_timeout) up front
    instead of failing half-way with an unretryable lock upgrade; a unit of work that
    only reads (``transaction(read_only=True)``) takes none, and its connection is
    ``query_only`` meanwhile: SQLite would let it write, taking the lock half-way.
    The pragma belongs to the connection, so every BEGIN sets it as its unit needs
    (only when that changes: Connection.info outlives the checkout). So does the busy
    timeout: a unit that may wait less than the engine's (``transaction(wait=)``) sets
    it, and the next unit that may not sets the engine's again."""
    options = conn.get_execution_options()
    read_only = bool(options.get(READ_ONLY, False))
    if conn.info.get(_QUERY_ONLY, False) != read_only:
        conn.exec_driver_sql(f"PRAGMA query_only={'ON' if read_only else 'OFF'}")
        conn.info[_QUERY_ONLY] = read_only
    busy = int(options.get(WAIT_MS) or conn.info.get(_ENGINE_BUSY_MS, 0))
    if busy and conn.info.get(_BUSY_MS) != busy:
        conn.exec_driver_sql(f"PRAGMA busy_timeout={busy}")
        conn.info[_BUSY_MS] = busy
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def session_factory(engine: Engine, info: dict[str, Any] | None = None) -> sessionmaker[Session]:
    """``info``: what every session of this factory carries in ``Session.info`` (the
    composition root puts the chat settings there for the tickets service's news hook)."""
    # autoflush off: the pipeline reads before it writes, and an automatic flush
    # before each of its queries cost a quarter of ingest time (bench/ingest.py)
    return sessionmaker(engine, expire_on_commit=False, autoflush=False, info=info)


def core(session: Session) -> Connection:
    """The session's connection, for the Core statements the ingest path builds once.

    ``Session.execute`` gives every statement the ORM's handling (compile state,
    execution events, result adaptation) even when it names only tables; on the
    connection a select costs about a third as much (bench/ingest.py, issue #18).
    Same transaction, same statement events (tests/test_query_plans.py sees them).

    The connection is kept in ``Session.info`` for as long as the innermost
    transaction is active: asking the session again for every statement of a
    message cost more than most of those statements (issue #18). A savepoint begun
    since, or a transaction that ended or failed, asks the session again: that is
    where the SAVEPOINT or the next BEGIN is emitted, or the error raised.
    """
    held = session.info.get(_CORE)
    if held is not None:
        tx = session.get_nested_transaction() or session.get_transaction()
        if tx is not None and held[0] is tx and tx.is_active:
            conn: Connection = held[1]
            return conn
    conn = session.connection()
    session.info[_CORE] = (session.get_nested_transaction() or session.get_transaction(), conn)
    return conn


_CORE = "core-connection"  # Session.info: (the innermost transaction, its connection)


def dialect_insert(name: str) -> Callable[[Any], Any]:
    """The dialect's own INSERT, which knows ON CONFLICT; imported when first needed
    (PostgreSQL's dialect cost each process on SQLite 2 MB, issue #18)."""
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert
    raise NotImplementedError(f"ON CONFLICT on a database we do not run on: {name}")


def is_transient(exc: BaseException) -> bool:
    """Locked, busy, unreachable or serialisation failures: worth retrying later."""
    if isinstance(exc, OperationalError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    orig = getattr(exc, "orig", None)
    sqlstate = getattr(orig, "sqlstate", None) or ""
    return sqlstate.startswith(("08", "40", "53", "57"))


def connection_lost(exc: BaseException) -> bool:
    """Whether ``exc`` says the connection itself is gone (the server restarted, the
    backend was ended, the link broke), not one statement failed: the transaction, its
    savepoints and every row it wrote are lost with it, so a caller that would roll
    back to a savepoint and go on must give up the whole unit instead."""
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


class WroteInReadOnlyUnit(RuntimeError):
    """A unit of work begun read-only tried to write: a bug in its caller, which must
    begin a writing unit. Not transient: retrying would fail the same way."""


@contextmanager
def transaction(
    factory: sessionmaker[Session], *, read_only: bool = False, wait: timedelta | None = None
) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on error, map transient errors.

    ``wait``: the longest this unit waits for a lock another writer holds (SQLite's
    busy timeout for its BEGIN, PostgreSQL's lock_timeout), shorter than the engine's
    for a door that must answer in time (Slack waits 3 seconds); then TransientError,
    and nothing of the unit is written.

    ``read_only``: a unit that only reads. On SQLite it begins DEFERRED, taking no write
    lock, so it never waits behind a writer and no writer waits behind it (the daemon's
    runner reads the next rows' bytes while the listener commits mail, issue #18; a web
    page is read while the SMTP listener commits); it sees the database as of its first
    read. On PostgreSQL it is a READ ONLY transaction. A write in it raises
    :class:`WroteInReadOnlyUnit` on both (SQLite's connection is ``query_only`` for it):
    on SQLite the lock would be taken half-way, where a busy database cannot be waited
    for."""
    options: dict[str, Any] = dict(_READ_ONLY_OPTIONS) if read_only else {}
    if wait is not None:
        options[WAIT_MS] = max(1, wait // timedelta(milliseconds=1))
    try:
        with factory() as session, session.begin():
            if options:
                conn = session.connection(execution_options=options)
                if wait is not None and conn.dialect.name == "postgresql":
                    conn.exec_driver_sql(f"SET LOCAL lock_timeout = {options[WAIT_MS]}")
            yield session
    except (OperationalError, DBAPIError) as exc:
        if read_only and _refused_as_read_only(exc):
            raise WroteInReadOnlyUnit(f"a write in a read-only unit: {_short(exc)}") from exc
        if is_transient(exc):
            raise TransientError(
                f"database unavailable: {_short(exc)}", reason=db_error(exc)
            ) from exc
        raise


# SQLite: the begin hook's DEFERRED and query_only; PostgreSQL: psycopg begins with
# BEGIN READ ONLY (no statement more), and the pool resets it when the unit ends
_READ_ONLY_OPTIONS = {READ_ONLY: True, "postgresql_readonly": True}


def _refused_as_read_only(exc: BaseException) -> bool:
    """SQLite's SQLITE_READONLY (query_only), PostgreSQL's read_only_sql_transaction."""
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlite_errorname", "") == "SQLITE_READONLY":
        return True
    return getattr(orig, "sqlstate", None) == "25006"


def _short(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    return (
        str(orig or exc).strip().splitlines()[0] if str(orig or exc).strip() else type(exc).__name__
    )


def ping(engine: Engine) -> None:
    """Raise TransientError when the database cannot be reached."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except (OperationalError, DBAPIError) as exc:
        raise TransientError(f"database unavailable: {_short(exc)}", reason=db_error(exc)) from exc
