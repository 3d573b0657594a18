"""A database at a schema newer than this release: another instance on the same
PostgreSQL database was upgraded first, or a newer release ran here and was rolled back.

Every command took the revision for one to upgrade from, and Alembic, which does not
know it, raised: a traceback, exit 1 for ``run`` (systemd restarting it for ever, its log
saying "upgrading the database schema from 0099 to 0017"), and for ``ingest`` a "try
again later" that would never come true. Now each says what it is, a configuration to
fix on this machine (exit 78): the database, its revision, the one this release knows.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from store.db import make_engine
from store.revision import HEAD
from tests.support.cli import run
from tests.support.config import SECRET_ENV, write_config
from tests.support.mails import mail

EX_CONFIG = 78
NEWER = "9001"


def test_every_command_names_a_schema_newer_than_it_knows(
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    config = write_config(tmp_path, url=db_url, extra="[smtp]\nport = 0\n")
    message = tmp_path / "first.eml"
    message.write_bytes(mail("Printer on floor 3 jams"))
    assert run(config, "ingest", str(message), capsys=capsys).code == 0
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": NEWER})
    engine.dispose()
    for args in (
        ("tickets", "list"),
        ("status",),
        ("ingest", str(message)),
        ("db", "upgrade"),
        ("run",),
    ):
        said = run(config, *args, capsys=capsys)
        assert said.code == EX_CONFIG, (args, said)
        assert "Traceback" not in said.err, (args, said.err)
        assert "[database.url]" in said.err, (args, said.err)
        assert f"schema {NEWER}" in said.err and HEAD in said.err, (args, said.err)
        assert "upgrade ticket-gateway" in said.err, (args, said.err)
