"""``ticket-gateway db backup FILE``: a copy of the embedded SQLite database while the
daemon runs.

Copying ``gateway.db`` with ``cp`` while the daemon runs misses what is committed but
still only in the write-ahead log (``gateway.db-wal``), and a copy taken during a
checkpoint may be torn. The command copies through SQLite (its backup API) under a read
transaction: every commit made before it began, none after, and no writer waits for it.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.support.cli import run
from tests.support.config import SECRET_ENV, write_config
from tests.support.mails import mail

EX_USAGE, EX_NOINPUT, EX_CANTCREAT = 64, 66, 73


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    return write_config(tmp_path)


def _subjects(path: Path) -> list[str]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return [s for (s,) in con.execute("SELECT subject FROM tickets ORDER BY id")]
    finally:
        con.close()


def test_a_backup_while_running_holds_every_commit_and_waits_for_no_writer(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = tmp_path / "first.eml"
    first.write_bytes(mail("Printer on floor 3 jams"))
    assert run(config, "ingest", str(first), capsys=capsys).code == 0
    database = tmp_path / "gateway.db"
    # the running daemon: its connection open (so the log is kept), a commit in the
    # log only, and a write transaction in progress while the backup runs
    daemon = sqlite3.connect(database, isolation_level=None, timeout=0)
    daemon.execute("PRAGMA wal_autocheckpoint=0")
    daemon.execute("UPDATE tickets SET subject = 'in the log only' WHERE id = 1")
    daemon.execute("BEGIN IMMEDIATE")
    daemon.execute("UPDATE tickets SET subject = 'not committed' WHERE id = 1")
    try:
        shutil.copyfile(database, tmp_path / "cp.db")  # what `cp` would have taken
        assert _subjects(tmp_path / "cp.db") == ["Printer on floor 3 jams"]
        backup = tmp_path / "backups" / "gateway-backup.db"
        backup.parent.mkdir()
        done = run(config, "db", "backup", str(backup), capsys=capsys)
        assert done.code == 0, done
        assert str(backup) in done.out
        assert _subjects(backup) == ["in the log only"]
        assert backup.stat().st_mode & 0o777 == 0o600  # every mail is in it
        assert sorted(p.name for p in backup.parent.iterdir()) == ["gateway-backup.db"]
        daemon.execute("COMMIT")  # the writer was never refused meanwhile
        again = run(config, "db", "backup", str(backup), capsys=capsys)  # a nightly one
        assert again.code == 0, again
        assert _subjects(backup) == ["not committed"]
    finally:
        daemon.close()


def test_on_postgresql_the_command_says_to_use_pg_dump(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    config = write_config(tmp_path, url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    done = run(config, "db", "backup", str(tmp_path / "b.db"), capsys=capsys)
    assert done.code == EX_USAGE, done
    assert "pg_dump" in done.err
    assert not (tmp_path / "b.db").exists()


def test_db_upgrade_says_its_revision_in_the_readers_language(
    config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = tmp_path / "first.eml"
    first.write_bytes(mail("Printer on floor 3 jams"))
    assert run(config, "ingest", str(first), capsys=capsys).code == 0
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    done = run(config, "db", "upgrade", capsys=capsys)
    assert done.code == 0, done
    assert "データベース" in done.out, done.out


def test_a_backup_never_replaces_the_database_itself(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Replacing the live file would leave the daemon writing into the one it has open,
    no longer at the path."""
    first = tmp_path / "first.eml"
    first.write_bytes(mail("Printer on floor 3 jams"))
    assert run(config, "ingest", str(first), capsys=capsys).code == 0
    database = tmp_path / "gateway.db"
    inode = database.stat().st_ino
    (tmp_path / "link.db").symlink_to(database)
    for target in (database, tmp_path / "link.db", tmp_path / "gateway.db-wal"):
        said = run(config, "db", "backup", str(target), capsys=capsys)
        assert said.code == EX_USAGE, (target, said)
        assert str(database) in said.err, said
    assert database.stat().st_ino == inode


def test_nothing_to_copy_and_nowhere_to_write_are_said(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No database yet: nothing is made (exit 66). A folder that is not there: exit 73,
    naming the copy; neither leaves a file behind."""
    said = run(config, "db", "backup", str(tmp_path / "b.db"), capsys=capsys)
    assert said.code == EX_NOINPUT, said
    assert str(tmp_path / "gateway.db") in said.err, said
    assert not (tmp_path / "gateway.db").exists() and not (tmp_path / "b.db").exists()
    first = tmp_path / "first.eml"
    first.write_bytes(mail("Printer on floor 3 jams"))
    assert run(config, "ingest", str(first), capsys=capsys).code == 0
    nowhere = tmp_path / "missing" / "b.db"
    said = run(config, "db", "backup", str(nowhere), capsys=capsys)
    assert said.code == EX_CANTCREAT, said
    assert str(nowhere) in said.err, said


def _backed_up(config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    (tmp_path / "m.eml").write_bytes(mail("Printer on floor 3 jams"))
    assert run(config, "ingest", str(tmp_path / "m.eml"), capsys=capsys).code == 0
    return tmp_path / "out" / "copy.db"


@pytest.mark.parametrize("left", ["file", "link"])
def test_a_temporary_file_left_behind_is_neither_kept_nor_followed(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], left: str
) -> None:
    """The copy is written under ``.copy.db.<pid>.partial`` first. One left there (a
    crash, a reused pid, or planted by another user of a shared folder such as /tmp)
    was opened with O_TRUNC: a 0644 one kept its mode, so the copy of every mail was
    readable by all, and a symbolic link was followed and the file it names emptied
    (as root: any file of the system)."""
    import os
    import stat

    target = _backed_up(config, tmp_path, capsys)
    target.parent.mkdir()
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    victim = tmp_path / "victim.txt"
    victim.write_text("not ours to empty")
    if left == "file":
        partial.write_text("left behind")
        partial.chmod(0o644)
    else:
        partial.symlink_to(victim)
    old = os.umask(0o022)
    try:
        assert run(config, "db", "backup", str(target), capsys=capsys).code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600 and not target.is_symlink()
    assert _subjects(target) == ["Printer on floor 3 jams"]
    assert victim.read_text() == "not ours to empty"


def test_a_backup_is_its_owners_to_write_whatever_the_umask(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Under ``umask 0277`` the copy was 0400: SQLite, writing it as another user than
    root, could not."""
    import os
    import stat

    target = _backed_up(config, tmp_path, capsys)
    target.parent.mkdir()
    old = os.umask(0o277)
    try:
        assert run(config, "db", "backup", str(target), capsys=capsys).code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
