"""``[database] url`` naming a file that is not an SQLite database (a typo that points at
the config or a mail, or a database damaged past its header).

``ingest`` exited 75 (the MTA keeps the mail), but every other command ended in a
traceback and exit 1: SQLite refuses the file at the first statement of a connection,
as ``sqlite3.DatabaseError``, which no layer took for the database being unavailable.
Now each command says so in one line and exits 75, as README's table has it for a
damaged database; nothing is written to the file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import run
from tests.support.config import SECRET_ENV, write_config

EX_TEMPFAIL = 75

COMMANDS = [
    ("tickets", "list"),
    ("tickets", "list", "--json"),
    ("tickets", "show", "1"),
    ("tickets", "note", "1", "hello"),
    ("inbox", "list"),
    ("stats", "--json"),
    ("sweep", "--dry-run"),
]


@pytest.mark.parametrize("args", COMMANDS)
def test_a_file_that_is_not_a_database_is_said_in_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
) -> None:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("LANG", "C.UTF-8")
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    not_a_database = tmp_path / "notes.txt"
    content = b"these are my notes, not a database\n" * 200
    not_a_database.write_bytes(content)
    config = write_config(tmp_path, url=f"sqlite:///{not_a_database}")
    ran = run(config, *args, capsys=capsys)
    assert ran.code == EX_TEMPFAIL, ran.err
    assert "file is not a database" in ran.err
    assert "Traceback" not in ran.err
    assert ran.out == ""  # nothing a script could take for data
    assert not_a_database.read_bytes() == content
