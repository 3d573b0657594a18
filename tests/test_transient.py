"""A locked or vanished database defers work; it never half-writes or loses mail."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.errors import TransientError
from gateway.core.model import InboxState
from gateway.runner.runner import Runner
from gateway.runtime.app import App
from store import inbox
from store.db import make_engine, session_factory, transaction
from store.models import InboxRow
from tests.support.databases import sqlite_only
from tests.support.mails import mail
from tests.support.pipeline import all_tickets


@sqlite_only  # holds an SQLite write lock
def test_locked_database_leaves_row_pending_then_processes(
    app: App, settings: Settings, clock: FakeClock
) -> None:
    with transaction(app.sessions) as s:
        inbox_id = inbox.accept(s, mail(), source="test", now=clock.now()).inbox_id
    impatient = Runner(
        settings,
        clock,
        session_factory(make_engine(settings.database.url, busy_timeout_ms=50)),
        app.catalog,
    )
    path = settings.database.url.removeprefix("sqlite:///")
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        outcome = impatient.process_one(inbox_id)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert outcome.state is None and "transient" in outcome.reason
    with transaction(app.sessions) as s:
        row = s.get(InboxRow, inbox_id)
        assert row is not None and row.state == "pending"
    assert all_tickets(app) == []
    # the lock was still held when the runner tried to record a backoff, so the row
    # stays due at once; once the lock is gone it is processed exactly once
    outcomes = app.runner.process_pending()
    assert [o.state for o in outcomes] == [InboxState.DONE]
    assert len(all_tickets(app)) == 1


def test_unreachable_database_is_transient(tmp_path: Path) -> None:
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(TransientError), transaction(session_factory(engine)) as s:
        inbox.accept(s, mail(), source="test", now=FakeClock().now())
    engine.dispose()


@sqlite_only  # SQLite's write lock
def test_a_read_only_unit_neither_takes_nor_waits_for_the_write_lock(
    app: App, settings: Settings, clock: FakeClock
) -> None:
    """The runner reads the next rows' bytes while the listener commits mail: reading
    must not make a writer wait (a 250 held up), nor wait for one."""
    raw = mail()
    with transaction(app.sessions) as s:
        inbox_id = inbox.accept(s, raw, source="test", now=clock.now()).inbox_id
    impatient = session_factory(make_engine(settings.database.url, busy_timeout_ms=50))
    path = settings.database.url.removeprefix("sqlite:///")
    other = sqlite3.connect(path, isolation_level=None, timeout=0.05)
    try:
        with transaction(impatient, read_only=True) as s:
            assert inbox.pending_raw(s, inbox_id) == raw
            other.execute("BEGIN IMMEDIATE")  # a writer gets the lock meanwhile ...
            other.execute("UPDATE inbox SET reason = 'x' WHERE id = ?", (inbox_id,))
            other.execute("COMMIT")
        other.execute("BEGIN IMMEDIATE")  # ... and holds it while this one reads
        with transaction(impatient, read_only=True) as s:
            assert inbox.pending_raw(s, inbox_id) == raw
        with pytest.raises(TransientError), transaction(impatient) as s:  # a writing unit
            inbox.pending_raw(s, inbox_id)  # waits for the lock, and gives up
    finally:
        if other.in_transaction:
            other.execute("ROLLBACK")
        other.close()
