"""``status`` while the daemon upgrades the schema at its start (a new release deployed,
``systemctl restart``): it said "older than this release's: run ticket-gateway db
upgrade" (exit 78), a configuration error to fix, while the daemon was doing just that.
The daemon notes the upgrade in its lock; ``status`` (and every reading command) then
says "try again later: the daemon is upgrading the database schema" (exit 75). A daemon
of the older release still running on it notes nothing: that is still 78."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from gateway.receive import pipe
from store import migrate
from store.revision import HEAD
from tests.support.cli import run
from tests.support.config import SECRET_ENV, write_config
from tests.support.ports import free_port

EX_TEMPFAIL, EX_CONFIG = 75, 78
OLDER = "0026"


@pytest.fixture
def behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    config = write_config(tmp_path)
    engine = create_engine(f"sqlite:///{tmp_path / 'gateway.db'}")
    try:
        migrate.ensure_current(engine, datetime.now(UTC))
        migrate.downgrade(engine, OLDER)
    finally:
        engine.dispose()
    return config


@pytest.mark.parametrize("args", [("status",), ("tickets", "list")])
def test_while_the_daemon_upgrades_a_check_is_told_to_try_again(
    behind: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    lock = pipe.hold_daemon_lock(tmp_path / "var")  # the new release's daemon, starting
    try:
        pipe.note_upgrade(tmp_path / "var", OLDER, HEAD)  # as it does before migrating
        said = run(behind, *args, capsys=capsys)
    finally:
        lock.close()
    assert said.code == EX_TEMPFAIL, said
    assert "upgrading" in said.err and OLDER in said.err and HEAD in said.err, said


def test_a_daemon_of_the_older_release_is_still_a_configuration_to_fix(
    behind: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lock = pipe.hold_daemon_lock(tmp_path / "var")  # noting no upgrade
    try:
        said = run(behind, "status", capsys=capsys)
    finally:
        lock.close()
    assert said.code == EX_CONFIG and "ticket-gateway db upgrade" in said.out + said.err, said


def test_a_note_left_by_a_daemon_that_stopped_counts_for_nothing(
    behind: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lock = pipe.hold_daemon_lock(tmp_path / "var")
    pipe.note_upgrade(tmp_path / "var", OLDER, HEAD)
    lock.close()  # its migration failed and it exited
    assert run(behind, "status", capsys=capsys).code == EX_CONFIG


def test_the_daemon_notes_its_upgrade_in_its_lock(tmp_path: Path, behind: Path) -> None:
    """The daemon of the new release, started on the older schema, writes the note that
    the checks above read, before it migrates."""
    from tests.support.daemon import daemon_thread

    text = behind.read_text().replace("[database]", f"[smtp]\nport = {free_port()}\n[database]")
    behind.write_text(text)
    with daemon_thread(behind) as (ready, _stop, _result):
        assert ready.wait(60)
        noted = pipe.lock_path(tmp_path / "var").read_text()
    assert f"upgrading {OLDER} {HEAD}" in noted.splitlines(), noted


def test_a_note_of_an_upgrade_long_finished_counts_for_nothing(
    behind: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The daemon of the older release upgraded the schema at its own start (its note
    stays in the lock as long as it runs) and has been running since; this release,
    installed beside it and not yet restarted, meets that older schema: the upgrade the
    note names is over (the database is at its end), nobody is upgrading, so it is still
    the configuration to fix (78), not "try again later" for good."""
    lock = pipe.hold_daemon_lock(tmp_path / "var")
    try:
        pipe.note_upgrade(tmp_path / "var", "0025", OLDER)  # its start, days ago: done
        said = run(behind, "status", capsys=capsys)
    finally:
        lock.close()
    assert said.code == EX_CONFIG and "ticket-gateway db upgrade" in said.out + said.err, said
