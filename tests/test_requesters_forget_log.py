"""What ``requesters forget`` erased is not left in SQLite's write-ahead log. While the
daemon has the database open the log is never removed, and a checkpoint does not empty
it: the next writes start over at its beginning, and the frames past them (the pages
as they were before the erasure, her words in them) stayed in ``gateway.db-wal`` until
overwritten, however long that took. After the erasure the log is checkpointed and
emptied (its pages are in the file, scrubbed), so her words are in neither file."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.core.clock import FakeClock
from gateway.core.sqlite_url import sqlite_path
from gateway.runtime.app import build as make_app
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.databases import sqlite_only
from tests.support.mails import mail
from tests.support.pipeline import deliver

pytestmark = sqlite_only
ALICE = "alice@customer.test"
NOW = datetime.now(UTC)
WORDS = b"Zanzibar"


def test_her_words_are_in_neither_the_database_nor_its_log(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, url=db_url, secret_file=True)
    daemon = make_app(load_settings(config), FakeClock(NOW))  # holds the database open
    try:
        path = sqlite_path(daemon.settings.database.url)
        assert path is not None
        text = "The Zanzibar figures are 4711.\n" * 40
        assert deliver(daemon, mail("Zanzibar figures", text, sender=ALICE, date=NOW)).ticket_id
        with sqlite3.connect(path) as con:  # as the daemon's checkpoints do: the log stays
            con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        wal = Path(f"{path}-wal")
        assert WORDS in wal.read_bytes()  # her mail's pages, as written
        ran = run(config, "requesters", "forget", ALICE, capsys=capsys)
        assert ran.code == 0, ran.err
        assert WORDS not in Path(path).read_bytes()
        assert not wal.exists() or WORDS not in wal.read_bytes()
    finally:
        daemon.close()
