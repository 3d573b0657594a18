"""A command run where there is no gateway: from the wrong folder without ``--config``,
or with a config whose database is not there. A command that reads (or changes a
ticket that must exist) creates no database and no folder: it says which database it
looked for, from which config (or that none was found), and exits 66 (EX_NOINPUT, as
``db backup`` says of a missing database). An empty, new database would answer
"no ticket #3": the admin believed ticket 3 gone. ``run``, ``ingest`` and
``db upgrade`` still create it (README "Command reference")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from gateway.config.locate import ENV_CONFIG, ENV_DATABASE_URL
from gateway.runtime.cli.common import EX_NOINPUT, EX_OK
from gateway.runtime.cli.main import main
from tests.support.config import SECRET_ENV, write_config
from tests.support.mails import mail

# what the QA pass ran; each only reads, or changes a ticket that must exist
NEEDS_A_DATABASE = [
    ("tickets", "show", "3"),
    ("tickets", "list"),
    ("tickets", "note", "3", "called back"),
    ("tickets", "set-state", "3", "closed"),
    ("inbox", "list"),
    ("inbox", "retry", "1"),
    ("actions", "list"),
    ("status",),
    ("stats",),
    ("digest", "--dry-run"),
    ("sweep", "--dry-run"),
]


def everything_in(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder, no config named anywhere: the admin's wrong place."""
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.delenv(ENV_CONFIG, raising=False)
    monkeypatch.delenv(ENV_DATABASE_URL, raising=False)
    for name, value in SECRET_ENV.items():
        monkeypatch.setenv(name, value)
    return folder


@pytest.mark.parametrize("args", NEEDS_A_DATABASE, ids=" ".join)
def test_no_config_and_no_database_creates_nothing(
    elsewhere: Path, args: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(list(args))
    err = capsys.readouterr().err
    assert code == EX_NOINPUT, err
    assert everything_in(elsewhere) == []  # no ./var, no gateway.db
    assert str(elsewhere / "var" / "gateway.db") in err, err
    assert "no config file was found" in err, err
    assert "--config" in err and ENV_CONFIG in err, err


@pytest.mark.parametrize("args", NEEDS_A_DATABASE[:4], ids=" ".join)
def test_a_config_whose_database_is_not_there_creates_nothing(
    elsewhere: Path, tmp_path: Path, args: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    config = write_config(site, url=f"sqlite:///{tmp_path}/moved/gateway.db")
    code = main(["--config", str(config), *args])
    err = capsys.readouterr().err
    assert code == EX_NOINPUT, err
    assert not (tmp_path / "moved").exists()
    assert everything_in(site) == ["gateway.toml"] and everything_in(elsewhere) == []
    assert str(tmp_path / "moved" / "gateway.db") in err and str(config) in err, err


def test_no_secret_is_generated_there_either(
    elsewhere: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without $TICKET_GATEWAY_SECRET the key is generated under the data folder: not by
    a command that finds no gateway there."""
    for name in SECRET_ENV:
        monkeypatch.delenv(name)
    assert main(["tickets", "note", "3", "called back"]) == EX_NOINPUT
    assert everything_in(elsewhere) == [], capsys.readouterr().err


def test_a_command_that_needs_no_database_still_answers(
    elsewhere: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``answers list`` reads the catalog's answers, not the database: it answers, and
    leaves the wrong folder as it found it (no data folder, no generated secret)."""
    assert main(["answers", "list"]) == EX_OK, capsys.readouterr().err
    assert everything_in(elsewhere) == []


def test_as_a_script_runs_it(elsewhere: Path) -> None:
    """The console script in a process of its own, as the admin typed it."""
    env = {k: v for k, v in os.environ.items() if k not in (ENV_CONFIG, ENV_DATABASE_URL)}
    done = subprocess.run(
        [sys.executable, "-m", "gateway", "tickets", "show", "3"],
        cwd=elsewhere,
        env={**env, **SECRET_ENV, "LC_ALL": "C.UTF-8"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == EX_NOINPUT, done.stderr
    assert "no ticket #3" not in done.stderr
    assert "no gateway database" in done.stderr, done.stderr
    assert everything_in(elsewhere) == []


def test_db_upgrade_still_creates_one(elsewhere: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == EX_OK, capsys.readouterr().err
    assert (elsewhere / "var" / "gateway.db").exists()
    assert main(["tickets", "list"]) == EX_OK  # and now there is a gateway here


def test_ingest_still_creates_one(
    elsewhere: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    message = tmp_path / "one.eml"
    message.write_bytes(mail("VPN down", message_id="<nodb-1@customer.test>"))
    assert main(["ingest", str(message)]) == EX_OK, capsys.readouterr().err
    assert (elsewhere / "var" / "gateway.db").exists()
    assert main(["tickets", "show", "1"]) == EX_OK
    assert "VPN down" in capsys.readouterr().out


@pytest.mark.postgres
def test_an_empty_postgres_schema_is_no_gateway(
    elsewhere: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.conftest import pg_schema, postgres_reachable

    if not postgres_reachable():
        pytest.skip("PostgreSQL not reachable")
    with pg_schema() as url:
        config = write_config(elsewhere, url=url)
        for args in (("tickets", "show", "3"), ("status",), ("tickets", "note", "3", "x")):
            code = main(["--config", str(config), *args])
            err = capsys.readouterr().err
            assert code == EX_NOINPUT, err
            assert "no gateway database" in err and str(config) in err, err
            engine = create_engine(url)
            try:
                assert inspect(engine).get_table_names() == []  # no table made
            finally:
                engine.dispose()
        assert main(["--config", str(config), "db", "upgrade"]) == EX_OK
        assert main(["--config", str(config), "tickets", "list"]) == EX_OK


@pytest.mark.postgres
def test_a_postgres_url_alone_with_no_gateway_there_makes_no_folder(
    elsewhere: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only ``$TICKET_GATEWAY_DATABASE_URL`` (PostgreSQL) and no config, in a folder that
    is no site's: the settings were read again, making ``./var`` and a secret in it,
    because no SQLite file was missing, before the command found no gateway there."""
    from tests.conftest import pg_schema, postgres_reachable

    if not postgres_reachable():
        pytest.skip("PostgreSQL not reachable")
    with pg_schema() as url:
        monkeypatch.setenv(ENV_DATABASE_URL, url)
        for args in (("tickets", "show", "3"), ("tickets", "list"), ("status",)):
            code = main(list(args))
            err = capsys.readouterr().err
            assert code == EX_NOINPUT, err
            assert "no gateway database" in err and ENV_DATABASE_URL in err, err
            assert everything_in(elsewhere) == [], args


@pytest.mark.postgres
def test_a_postgres_url_alone_with_a_gateway_there_still_reads_it(
    elsewhere: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same, where the schema holds a gateway: the command reads it, and the data
    folder it needs is made as before."""
    from tests.conftest import pg_schema, postgres_reachable

    if not postgres_reachable():
        pytest.skip("PostgreSQL not reachable")
    with pg_schema() as url:
        monkeypatch.setenv(ENV_DATABASE_URL, url)
        site = elsewhere / "site"
        site.mkdir()
        monkeypatch.chdir(site)
        assert main(["db", "upgrade"]) == EX_OK
        monkeypatch.chdir(elsewhere)
        capsys.readouterr()
        assert main(["tickets", "list"]) == EX_OK, capsys.readouterr().err
        assert (elsewhere / "var").is_dir()


# every other command of the reference that reads the database or changes what must be
# in it, as an admin types them in the wrong folder with no secret in the environment
# either (the key is generated beside the database: here there is neither)
ALL_THAT_NEED_ONE = [
    *NEEDS_A_DATABASE,
    ("tickets", "attachment", "3", "1"),
    ("tickets", "assign", "3", "-"),
    ("tickets", "add-participant", "3", "a@customer.test"),
    ("tickets", "priority", "3", "high"),
    ("tickets", "due", "3", "2027-01-04"),
    ("tickets", "field", "3"),
    ("tickets", "merge", "3", "4"),
    ("tickets", "unmerge", "3"),
    ("tickets", "cc", "3", "list"),
    ("tickets", "answer", "3", "vpn-client"),
    ("requesters", "forget", "a@customer.test"),
    ("requesters", "forget", "a@customer.test", "--dry-run"),
    ("catalog", "refile"),
    ("actions", "retry", "1"),
    ("actions", "show", "1"),
    ("actions", "run"),
    ("send",),
]


@pytest.mark.parametrize("args", ALL_THAT_NEED_ONE, ids=" ".join)
def test_without_a_secret_too_it_is_no_database_not_a_missing_key(
    elsewhere: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``requesters forget`` read the reply-token key before it looked for the database:
    in the wrong folder it said "configuration error: … cannot read var/secret" (exit 78),
    sending the admin after a secret, where every other command names the database it
    looked for and exits 66. ``tickets answer`` looked for the saved answer first, in the
    wrong folder's ``answers/``: "no saved answer … (the team has none yet)", exit 65."""
    for name in SECRET_ENV:
        monkeypatch.delenv(name)
    code = main(list(args))
    err = capsys.readouterr().err
    assert code == EX_NOINPUT, err
    assert "no gateway database" in err and "configuration error" not in err, err
    assert everything_in(elsewhere) == []
