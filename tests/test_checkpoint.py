"""The write-ahead log checkpointed from a thread of its own (store.checkpoint): a
writer made with ``checkpoints=False`` never copies its log into the database, the
thread does, and the log starts over instead of growing with everything written."""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import build
from store.checkpoint import WalCheckpointer
from store.db import make_engine
from tests.support.waiting import eventually

ROW = 256 * 1024  # bytes per commit
COMMITS = 24


def _write(db: Path, *, checkpointed: bool) -> tuple[list[int], int]:
    """Commit ``COMMITS`` rows of ``ROW`` bytes: the database file's size after each
    (``checkpointed``: once a checkpointer has copied that commit into it), and the
    log's size at the end (before the last connection closes: that checkpoints)."""
    engine = make_engine(f"sqlite:///{db}", durable=False, checkpoints=False)
    sizes = []
    try:
        for i in range(COMMITS):
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO blobs (data) VALUES (:d)"), {"d": os.urandom(ROW)})
            if checkpointed:  # copied into the database file by the thread
                assert eventually(lambda i=i: db.stat().st_size >= (i + 1) * ROW)
            sizes.append(db.stat().st_size)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        wal = Path(f"{db}-wal").stat().st_size
    finally:
        engine.dispose()
    return sizes, wal


def _created(db: Path) -> Path:
    """The database, in WAL mode with its table, before any checkpointer opens it (as
    the app migrates before it starts one)."""
    engine = make_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB)"))
    engine.dispose()
    return db


def test_the_thread_copies_the_log_and_it_starts_over(tmp_path: Path) -> None:
    db = _created(tmp_path / "gw.db")
    with WalCheckpointer(db, interval=0.01):
        _, wal = _write(db, checkpointed=True)
    assert wal < COMMITS * ROW / 3  # started over: not everything written is still in it


def test_without_the_thread_nothing_is_copied(tmp_path: Path) -> None:
    db = _created(tmp_path / "gw.db")
    sizes, wal = _write(db, checkpointed=False)
    assert sizes[-1] < ROW  # every commit still only in the log
    assert wal >= COMMITS * ROW


def test_bulk_ingest_builds_its_runner_with_checkpoints_apart(
    settings: Settings, clock: FakeClock
) -> None:
    """Only on SQLite, only when asked (``ingest``); closing the app stops the thread."""
    plain = build(settings, clock)
    apart = build(settings, clock, checkpoint_apart=True)
    try:
        sqlite = plain.engine.dialect.name == "sqlite"
        assert plain.checkpointer is None
        assert (apart.checkpointer is not None) is sqlite
        if sqlite:
            for app, pages in ((plain, 1000), (apart, 0)):
                for engine in (app.runner_engine, app.engine):  # the sender's too
                    with engine.connect() as conn:
                        found = conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
                        assert found == pages
            assert apart.checkpointer is not None
            thread = apart.checkpointer._thread
            assert thread.is_alive()
    finally:
        plain.close()
        apart.close()
    if sqlite:
        assert not thread.is_alive()


def test_the_daemons_processing_child_checkpoints_apart(settings: Settings) -> None:
    """Its runner commits row after row while the listener's commits never checkpoint:
    the log is the thread's to keep short (bench/smtp.py --daemon, issue #18)."""
    from gateway.runtime import processing_child
    from gateway.runtime.row_board import RowBoard

    build(settings, migrate_schema=True).close()  # the daemon migrates before its child starts
    board = RowBoard.create()
    app = processing_child._app(settings, board, None, threading.Event())
    try:
        sqlite = app.engine.dialect.name == "sqlite"
        assert (app.checkpointer is not None) is sqlite
    finally:
        app.close()
        board.close()


def test_a_failing_checkpoint_is_said_once_and_tried_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    class Failing:
        def __init__(self) -> None:
            self.calls = 0

        def execute(self, sql: str) -> Failing:
            self.calls += 1
            if self.calls <= 3:
                raise sqlite3.OperationalError("disk I/O error")
            return self

        def fetchone(self) -> tuple[int, int, int]:
            return (0, 0, 0)

    checkpointer = WalCheckpointer(tmp_path / "gw.db")
    con = Failing()
    with caplog.at_level(logging.INFO, logger="gateway.store"):
        for _ in range(5):
            checkpointer._checkpoint(con)  # type: ignore[arg-type]
    said = [r.getMessage() for r in caplog.records]
    assert con.calls == 5
    assert len([m for m in said if "failed, retrying: disk I/O error" in m]) == 1
    assert len([m for m in said if "work again" in m]) == 1


def test_it_never_creates_the_database(tmp_path: Path) -> None:
    """A database file made by its sqlite3 connection would have the umask's mode: the
    writers create it private (store.db.private_database), so it waits for them."""
    db = tmp_path / "gw.db"
    with WalCheckpointer(db, interval=0.01) as checkpointer:
        checkpointer._thread.join(5)
    assert not db.exists()


def test_no_checkpoint_goes_into_a_file_that_left_the_path(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A copy moved over the database under the running daemon (``mv backup.db
    gateway.db``, its old ``-wal`` and ``-shm`` left beside it): connections opened since
    write into the file at the path, but the log and its index are the path's too, shared
    with the connections still on the old file. The thread's checkpoint copied that log
    into the old file, the next commit started the log over, and every mail stored since
    (each one answered 250) was gone from the database at the path. It stops
    checkpointing instead, says so once, and nothing written is lost."""
    db = _created(tmp_path / "gw.db")
    checkpointer = WalCheckpointer(db)
    con, opened = checkpointer._open()
    assert con is not None
    kept = tmp_path / "kept.db"
    with sqlite3.connect(db) as src, sqlite3.connect(kept) as dst:
        src.backup(dst)
    os.replace(kept, db)  # the daemon's connections still hold the old file
    writer = sqlite3.connect(db, isolation_level=None)  # the door's, opened since
    try:
        writer.execute("PRAGMA wal_autocheckpoint=0")  # as the daemon's writers are made
        first, second = os.urandom(ROW), os.urandom(ROW)  # pages of their own
        writer.execute("INSERT INTO blobs (data) VALUES (?)", (first,))
        with caplog.at_level(logging.INFO, logger="gateway.store"):
            for _ in range(3):
                checkpointer._pass(con, opened)
        writer.execute("INSERT INTO blobs (data) VALUES (?)", (second,))  # the log may restart
        with sqlite3.connect(db) as reader:
            intact = reader.execute("PRAGMA integrity_check").fetchall()
            found = reader.execute("SELECT data FROM blobs ORDER BY id").fetchall()
    finally:
        writer.close()
        con.close()
    assert intact == [("ok",)]
    assert found == [(first,), (second,)]
    said = [r.getMessage() for r in caplog.records if "was replaced" in r.getMessage()]
    assert len(said) == 1
    assert "restart" in said[0]
