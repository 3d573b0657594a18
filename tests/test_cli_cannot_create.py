"""A database file that cannot be made: its folder is there (the configuration makes
it, or says why it cannot) but this user may not write in it, or it is on read-only
storage. ``store.db.private_database`` raised the ``OSError`` and every command ended
in a traceback and exit 1 (a reading command: "temporary failure", 75, for ever). Now
each one says it in one line, the file and why, and exits 73 (``EX_CANTCREAT``);
``ingest -`` exits 75 so that the MTA keeps the message and tries again.

The processes run as :mod:`tests.test_sqlite_read_only` runs them: as a user who may
not write the folder (as root, without the capabilities that pass over file modes).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import run
from tests.support.config import SECRET_ENV, write_config
from tests.support.mails import mail
from tests.test_sqlite_read_only import _gateway, _read_only

EX_NOINPUT, EX_CANTCREAT, EX_TEMPFAIL = 66, 73, 75

# the commands that make a database where there is none (ingest: below)
COMMANDS = [("db", "upgrade")]
# the others never make one: no database there is "no gateway here" (66), whether or not
# one could be made (tests/test_cli_no_database.py)
READERS = [
    ("tickets", "list"),
    ("tickets", "list", "--json"),
    ("tickets", "show", "1"),
    ("tickets", "assign", "1", "-"),
    ("tickets", "note", "1", "hello"),
    ("tickets", "cc", "1", "list"),
    ("inbox", "list"),
    ("stats", "--json"),
    ("sweep", "--dry-run"),
]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A configuration whose database (``db/gateway.db``) is not made yet, in a folder
    this user may not write; the data folder and the key are usable."""
    config = tmp_path / "gateway.toml"
    config.write_text(
        '[gateway]\naddress = "support@example.test"\ndata_dir = "var"\n'
        '[database]\nurl = "sqlite:///db/gateway.db"\n',
        encoding="utf-8",
    )
    (tmp_path / "db").mkdir()
    (tmp_path / "var").mkdir()
    _read_only(tmp_path / "db")
    return tmp_path


def _said_in_one_line(err: str, database: str) -> None:
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert lines[0] == (f"ticket-gateway: cannot create the database {database}: permission denied")


@pytest.mark.parametrize("args", COMMANDS)
def test_a_database_that_cannot_be_made_is_said_in_one_line(
    site: Path, args: tuple[str, ...]
) -> None:
    code, out, err = _gateway(site / "gateway.toml", *args, env=SECRET_ENV)
    assert code == EX_CANTCREAT, (code, out, err)
    assert out == ""  # nothing a script could take for data
    _said_in_one_line(err, str(site / "db" / "gateway.db"))
    assert len(err.strip().splitlines()) == 1, err
    assert list((site / "db").iterdir()) == []


@pytest.mark.parametrize("args", READERS)
def test_a_command_that_makes_no_database_says_there_is_none(
    site: Path, args: tuple[str, ...]
) -> None:
    code, out, err = _gateway(site / "gateway.toml", *args, env=SECRET_ENV)
    assert code == EX_NOINPUT, (code, out, err)
    assert out == "" and "Traceback" not in err
    assert f"no gateway database at {site / 'db' / 'gateway.db'}" in err, err
    assert list((site / "db").iterdir()) == []


def test_ingest_of_files_is_73_and_of_the_mtas_pipe_75(site: Path) -> None:
    """Files stay where they are (73, the operator fixes the folder); the MTA's pipe is
    told to try again (75), so the message waits in its queue."""
    message = site / "first.eml"
    raw = mail("Printer on floor 3 jams")
    message.write_bytes(raw)
    database = str(site / "db" / "gateway.db")
    code, out, err = _gateway(site / "gateway.toml", "ingest", str(message), env=SECRET_ENV)
    assert code == EX_CANTCREAT, (code, out, err)
    _said_in_one_line(err, database)
    code, out, err = _gateway(site / "gateway.toml", "ingest", "-", stdin=raw, env=SECRET_ENV)
    assert code == EX_TEMPFAIL, (code, out, err)
    _said_in_one_line(err, database)
    assert list((site / "db").iterdir()) == []


@pytest.mark.parametrize("under", ["notes.txt", "notes.txt/deeper"])
def test_a_database_path_through_a_file_is_73_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], under: str
) -> None:
    """``sqlite:///notes.txt/gateway.db`` with ``notes.txt`` an ordinary file: the
    database cannot be made there, as in a folder this user may not write (73, and 75
    for the MTA's pipe), not a configuration error (78) where the other one is 73.
    Nothing is written, and the file in the way is left as it was."""
    (tmp_path / "notes.txt").write_text("an ordinary file\n")
    config = write_config(tmp_path, url=f"sqlite:///{tmp_path}/{under}/gateway.db")
    database = f"{tmp_path}/{under}/gateway.db"
    message = tmp_path / "req.eml"
    message.write_bytes(mail("Printer on floor 3 jams"))
    for args in (("db", "upgrade"), ("ingest", str(message))):  # what makes a database
        ran = run(config, *args, capsys=capsys)
        assert ran.code == EX_CANTCREAT, (args, ran)
        assert ran.out == ""
        assert ran.err == (
            f"ticket-gateway: cannot create the database {database}: "
            "a part of the path is not a folder\n"
        )
    piped = subprocess.run(  # the console script's way in: the pipe's fast path first
        [sys.executable, "-m", "gateway", "--config", str(config), "ingest", "-"],
        input=message.read_bytes(),
        env={**os.environ, **SECRET_ENV, "LANG": "C.UTF-8"},
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert piped.returncode == EX_TEMPFAIL, piped
    assert (tmp_path / "notes.txt").read_text() == "an ordinary file\n"
