"""A new release installed, the database still at the older schema: only ``run``,
``ingest`` and ``db upgrade`` upgrade it (README "Upgrading"). Every other command did
too, silently: a monitoring system's ``status`` once a minute, or a member's ``tickets
list``, on the machine where the new release was just installed, upgraded the schema
the instances of the older release still ran on, and each of them stopped (exit 78,
not restarted by systemd); a long migration ran inside a check with a timeout. They
now refuse, exit 78, saying to run ``db upgrade``, and leave the schema as it was."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from store import migrate
from store.revision import HEAD
from tests.support.cli import run
from tests.support.config import SECRET_ENV, write_config

EX_CONFIG = 78
OLDER = "0026"


@pytest.fixture
def behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    config = write_config(tmp_path, extra="[health]\ndaemon = false\n")
    engine = create_engine(f"sqlite:///{tmp_path / 'gateway.db'}")
    try:
        migrate.ensure_current(engine, datetime.now(UTC))
        migrate.downgrade(engine, OLDER)
    finally:
        engine.dispose()
    return config


def _revision(folder: Path) -> str | None:
    engine = create_engine(f"sqlite:///{folder / 'gateway.db'}")
    try:
        return migrate.current_revision(engine)
    finally:
        engine.dispose()


@pytest.mark.parametrize("args", [("status",), ("status", "--json"), ("tickets", "list")])
def test_a_reading_command_does_not_upgrade_an_older_schema(
    behind: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
) -> None:
    said = run(behind, *args, capsys=capsys)
    assert said.code == EX_CONFIG, said
    assert _revision(tmp_path) == OLDER  # left as it was
    text = said.out + said.err
    assert "ticket-gateway db upgrade" in text and OLDER in text and HEAD in text, said
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    said = run(behind, *args, capsys=capsys)
    assert said.code == EX_CONFIG and "古い" in said.out + said.err, said


def test_db_upgrade_still_upgrades_and_then_they_read(
    behind: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(behind, "db", "upgrade", capsys=capsys).code == 0
    assert _revision(tmp_path) == HEAD
    assert run(behind, "tickets", "list", capsys=capsys).code == 0
