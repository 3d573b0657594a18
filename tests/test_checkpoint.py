"""The write-ahead log checkpointed from a thread of its own (store.checkpoint): a
writer made with ``checkpoints=False`` never copies its log into the database, the
thread does, and the log starts over instead of growing with everything written."""

from __future__ import annotations

import os
import socket
from pathlib import Path

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
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB)"))
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


def test_the_thread_copies_the_log_and_it_starts_over(tmp_path: Path) -> None:
    db = tmp_path / "gw.db"
    with WalCheckpointer(db, interval=0.01):
        _, wal = _write(db, checkpointed=True)
    assert wal < COMMITS * ROW / 3  # started over: not everything written is still in it


def test_without_the_thread_nothing_is_copied(tmp_path: Path) -> None:
    db = tmp_path / "gw.db"
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
    from multiprocessing.connection import Connection

    from gateway.runtime import processing_child

    ours, theirs = socket.socketpair()
    build(settings, migrate_schema=True).close()  # the daemon migrates before its child starts
    end = Connection(os.dup(ours.fileno()))
    app = processing_child._app(settings, end)
    try:
        sqlite = app.engine.dialect.name == "sqlite"
        assert (app.checkpointer is not None) is sqlite
    finally:
        app.close()
        end.close()
        ours.close()
        theirs.close()
