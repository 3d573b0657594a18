"""The SQLite database file deleted or copied over under the running daemon (a data
folder removed, a backup restored in place). SQLite writes on into the file it has
open, so whatever a door acknowledged after that would be lost with the old file. The
SMTP listener and the pipe check the file after each accepting commit (test_accept);
the other doors commit through the engine's pool, and an IMAP message was moved out
of the folder after its row went into the deleted file."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.core.errors import TransientError
from gateway.core.sqlite_url import sqlite_path
from gateway.receive.imap import ImapPoller
from gateway.runtime.app import App
from store.db import transaction
from store.models import InboxRow
from tests.support.databases import sqlite_only
from tests.support.dovecot import Dovecot
from tests.support.mails import mail

pytestmark = sqlite_only
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def _swap(path: str, tmp_path: Path, how: str) -> None:
    """Take a copy (what a restore brings back), then remove the database's files; put
    the copy back at once when ``how`` is "replaced"."""
    kept = tmp_path / "kept.db"
    with sqlite3.connect(path) as src, sqlite3.connect(kept) as dst:
        src.backup(dst)
    for name in (path, f"{path}-wal", f"{path}-shm"):
        Path(name).unlink(missing_ok=True)
    if how == "replaced":
        shutil.copy(kept, path)


def _count(path: str) -> int:
    with sqlite3.connect(path) as con:
        (n,) = con.execute("SELECT count(*) FROM inbox").fetchone()
    return int(n)


@pytest.mark.parametrize("how", ["removed", "replaced"])
def test_a_unit_whose_file_is_swapped_before_its_commit_is_try_again_later(
    app: App, tmp_path: Path, how: str
) -> None:
    """The file goes while a unit of work is open: its commit would land in the old
    file, so it fails as an outage and nothing of it is anywhere."""
    path = sqlite_path(app.settings.database.url)
    assert path is not None
    gone = pytest.raises(TransientError, match="removed or replaced")
    with gone, transaction(app.sessions) as s:
        s.add(_row())
        s.flush()
        _swap(path, tmp_path, how)
    if how == "removed":
        shutil.copy(tmp_path / "kept.db", path)
    assert _count(path) == 0
    with transaction(app.sessions) as s:  # the next unit: the file at the path now
        s.add(_row())
    assert _count(path) == 1


def test_a_unit_begun_after_the_file_was_removed_does_not_make_an_empty_one(
    app: App, tmp_path: Path
) -> None:
    path = sqlite_path(app.settings.database.url)
    assert path is not None
    with transaction(app.sessions) as s:  # the pool holds a connection to the file now
        s.query(InboxRow).count()
    _swap(path, tmp_path, "removed")
    gone = pytest.raises(TransientError, match="removed or replaced")
    with gone, transaction(app.sessions) as s:
        s.add(_row())
    assert not Path(path).exists()


def _row() -> InboxRow:
    return InboxRow(
        source="web",
        source_ref="",
        envelope_from="",
        envelope_to=[],
        raw_sha256="0" * 64,
        size=1,
        received_at=NOW,
        state="pending",
    )


def test_an_imap_message_after_a_restore_is_stored_in_the_restored_file(
    app: App, dovecot: Dovecot, tmp_path: Path
) -> None:
    path = sqlite_path(app.settings.database.url)
    assert path is not None
    user = dovecot.add_user()
    account = dovecot.account(user)
    with dovecot.client(user) as c:
        c.append("INBOX", mail("first"))
    p = ImapPoller(account, app.settings, app.sessions, app.clock)
    try:
        assert p.poll_once() == 1
        _swap(path, tmp_path, "replaced")  # the copy was taken with the first mail in it
        with dovecot.client(user) as c:
            c.append("INBOX", mail("second", message_id="<second@customer.test>"))
        assert p.poll_once() == 1  # into the file at the path: no row lost with the old
    finally:
        p.close()
    assert _count(path) == 2
