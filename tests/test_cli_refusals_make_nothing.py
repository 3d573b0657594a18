"""A command that makes a database (``ingest FILE``, ``db upgrade``) and is refused makes
nothing first: a config with a mistake, a database a newer release upgraded, a data
folder moved away from the URL, a broken catalog, a database holding tickets with no
key beside it. It made the data folder, a new reply-token key in it (``<data_dir>/
secret``) and the database's folder before it said the refusal (exit 78): a key that
then signed nothing, an empty folder at the old or the default database path. The
real console script, in subprocesses, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text

from gateway.config.load import load_settings
from gateway.runtime.app import build
from tests.support.daemon import clean_env, console_script
from tests.support.databases import sqlite_only
from tests.support.mails import mail

COMMANDS = [("ingest", "MAIL"), ("db", "upgrade")]


def _cli(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``ticket-gateway --config folder/gateway.toml ARGS`` in ``folder``, the key left
    to the gateway (no ``$TICKET_GATEWAY_SECRET``, no ``secret_file``)."""
    words = [str(folder / "in.eml") if a == "MAIL" else a for a in args]
    return subprocess.run(
        [console_script(), "--config", str(folder / "gateway.toml"), *words],
        capture_output=True,
        text=True,
        cwd=folder,
        env=clean_env(LANG="C.UTF-8"),
        timeout=120,
        check=False,
    )


def _everything(folder: Path) -> set[Path]:
    """What is in ``folder``, but SQLite's own -wal and -shm files of a database that
    is there (reading it may leave them; they are no folder, key or database made)."""
    return {
        p.relative_to(folder) for p in folder.rglob("*") if not p.name.endswith(("-wal", "-shm"))
    }


def _refused_making_nothing(folder: Path, command: tuple[str, ...], said: str) -> None:
    (folder / "in.eml").write_bytes(mail())
    before = _everything(folder)
    done = _cli(folder, *command)
    assert done.returncode == 78, (done.stdout, done.stderr)
    assert said in done.stderr, done.stderr
    assert _everything(folder) == before  # no folder, no key, no database


def _config(folder: Path, url: str, data_dir: str = "var", extra: str = "") -> None:
    text = f'[gateway]\ndata_dir = "{data_dir}"\n[database]\nurl = "{url}"\n' + extra
    (folder / "gateway.toml").write_text(text, encoding="utf-8")


@pytest.mark.parametrize("command", COMMANDS)
def test_a_config_with_a_mistake_makes_nothing(
    db_url: str, tmp_path: Path, command: tuple[str, ...]
) -> None:
    url = f"sqlite:///{tmp_path}/var/gateway.db" if db_url.startswith("sqlite") else db_url
    _config(tmp_path, url, extra='[smtp]\nport = "abc"\n')
    _refused_making_nothing(tmp_path, command, "[smtp.port]")


@pytest.mark.parametrize("command", COMMANDS)
def test_a_database_a_newer_release_upgraded_makes_nothing(
    db_url: str, tmp_path: Path, command: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path}/db/gateway.db" if db_url.startswith("sqlite") else db_url
    _config(tmp_path, url, data_dir="made-before")
    monkeypatch.setenv("TICKET_GATEWAY_SECRET", "3f9c0e7a51d24b86a0c7e5f1d93b284c6e0a7f15")
    app = build(load_settings(tmp_path / "gateway.toml"))
    try:
        with app.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_later'"))
    finally:
        app.close()
    _config(tmp_path, url, data_dir="fresh")  # a new data folder: the key would be made
    _refused_making_nothing(tmp_path, command, "9999_from_later")


@sqlite_only
@pytest.mark.parametrize("command", COMMANDS)
def test_a_data_folder_moved_away_from_the_url_makes_nothing(
    db_url: str, tmp_path: Path, command: tuple[str, ...]
) -> None:
    (tmp_path / "data").mkdir()
    con = sqlite3.connect(tmp_path / "data" / "gateway.db")  # where the folder went
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    _config(tmp_path, f"sqlite:///{tmp_path}/old/gateway.db", data_dir="data")
    _refused_making_nothing(tmp_path, command, "was the data folder moved?")


def test_a_broken_catalog_makes_nothing(db_url: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/var/gateway.db" if db_url.startswith("sqlite") else db_url
    (tmp_path / "catalog.yaml").write_text("entries:\n  - id: [\n", encoding="utf-8")
    _config(tmp_path, url, extra='[catalog]\npath = "catalog.yaml"\n')
    _refused_making_nothing(tmp_path, ("ingest", "MAIL"), "catalog")


@sqlite_only
def test_a_database_with_tickets_and_no_key_beside_it_makes_nothing(
    db_url: str, tmp_path: Path
) -> None:
    """The data folder moved on without the key: ``ingest`` refuses (the key is the
    old folder's), and leaves no new, empty data folder behind."""
    url = f"sqlite:///{tmp_path}/gateway.db"
    _config(tmp_path, url, data_dir="first")
    (tmp_path / "in.eml").write_bytes(mail())
    assert _cli(tmp_path, "ingest", "MAIL").returncode == 0
    assert (tmp_path / "first" / "secret").is_file()
    _config(tmp_path, url, data_dir="second")
    (tmp_path / "in.eml").write_bytes(mail(subject="another"))
    _refused_making_nothing(tmp_path, ("ingest", "MAIL"), "holds tickets")
    assert not os.path.lexists(tmp_path / "second")
