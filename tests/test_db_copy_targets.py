"""``db copy``'s target: one that would be gone when the command ends, one not made yet.

``db copy sqlite:///:memory:`` copied every row into a database that vanished at exit,
said "copied … into sqlite:///:memory:" and told the admin to set that as ``[database]
url``: exit 0, nothing kept. An in-memory target (``sqlite://``, ``:memory:``, a URI's
``mode=memory``) is now a usage error (64) saying why, before anything is read.

A PostgreSQL target whose database was not created yet said "the database named in the
configuration does not exist": the configured database was there, the missing one was
the URL given on the command line. Now it is named by that URL, exit 73 as a target's
missing schema is (README "Moving to PostgreSQL"), with what to do.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import build
from tests.conftest import PG_URL, postgres_reachable
from tests.support.cli import run
from tests.support.config import SECRET_ENV, write_config
from tests.support.mails import mail
from tests.support.pipeline import deliver

EX_USAGE, EX_CANTCREAT = 64, 73

IN_MEMORY = [
    "sqlite:///:memory:",
    "sqlite://",
    "sqlite:///file::memory:?uri=true",
    "sqlite:///file:moved?mode=memory&cache=shared&uri=true",
]


@pytest.fixture
def site(
    settings: Settings, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A gateway on SQLite with one ticket, and its config."""
    if not str(settings.database.url).startswith("sqlite"):
        pytest.skip("the target is what matters; one source is enough")
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("LANG", "C.UTF-8")
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    app = build(settings, clock)
    deliver(app, mail("VPN down", sender="a@customer.test"))
    app.close()
    return write_config(tmp_path, url=str(settings.database.url))


@pytest.mark.parametrize("url", IN_MEMORY)
def test_an_in_memory_target_is_refused(
    site: Path, capsys: pytest.CaptureFixture[str], url: str
) -> None:
    done = run(site, "db", "copy", url, capsys=capsys)
    assert done.code == EX_USAGE, done
    assert done.out == ""
    assert "in memory" in done.err and "nothing was copied" in done.err, done.err
    assert "[database] url" not in done.err


def test_a_file_target_is_still_copied(
    site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "moved.db"
    done = run(site, "db", "copy", f"sqlite:///{target}", capsys=capsys)
    assert done.code == 0, done
    assert target.stat().st_size > 0


def test_a_target_database_not_created_yet_is_named_by_its_url(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not postgres_reachable():
        pytest.skip("PostgreSQL not reachable")
    name = f"r5_none_{uuid.uuid4().hex[:8]}"
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    done = run(site, "db", "copy", url, capsys=capsys)
    assert done.code == EX_CANTCREAT, done
    assert name in done.err and "does not exist" in done.err, done.err
    assert "configuration" not in done.err, done.err
    assert "createdb" in done.err, done.err
    assert "try again later" not in done.err, done.err
