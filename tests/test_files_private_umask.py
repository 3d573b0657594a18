"""Every file and folder a command makes under the data folder is private (0600 files,
0700 folders), whatever the umask of the shell it runs from: ``000`` and ``002`` must
not open them, and ``0277`` (no write bit for the owner either) must not close them to
their own user. The SQLite database was made ``0600 & ~umask``: under ``0277`` a file
its own user could not write, so every later command but root's failed on it; SQLite
gives its ``-wal`` and ``-shm`` files the database's mode, so they followed."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from gateway.runtime.cli.main import main
from tests.support.config import write_config

MAIL = b"From: cust@customer.test\nTo: support@example.test\nSubject: help\n\nprinter broken\n"


@pytest.mark.parametrize("umask", [0o000, 0o002, 0o277], ids=lambda m: f"umask{m:03o}")
def test_what_ingest_makes_is_private_whatever_the_umask(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], umask: int
) -> None:
    config = write_config(tmp_path, url=f"sqlite:///{tmp_path / 'var' / 'db' / 'gw.db'}")
    (tmp_path / "m.eml").write_bytes(MAIL)
    old = os.umask(umask)
    try:
        code = main(["--config", str(config), "ingest", str(tmp_path / "m.eml")])
    finally:
        os.umask(old)
    assert code == 0, capsys.readouterr()
    made = sorted((tmp_path / "var").rglob("*"))
    assert tmp_path / "var" / "db" / "gw.db" in made
    loose = {
        str(p.relative_to(tmp_path)): format(stat.S_IMODE(p.stat().st_mode), "04o")
        for p in [tmp_path / "var", *made]
        if stat.S_IMODE(p.stat().st_mode) != (0o700 if p.is_dir() else 0o600)
    }
    assert loose == {}, loose
