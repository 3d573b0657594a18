"""A number no row can have is a usage error where the arguments are read, on SQLite
and PostgreSQL alike: never a traceback from the database driver (PostgreSQL's ids
are int4, so ``tickets show 3000000000`` was "integer out of range"; SQLite's driver
overflowed past 2**63), and never a negative ``--limit`` (an error on PostgreSQL,
"no limit" on SQLite)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import run
from tests.support.config import write_config
from tests.support.mails import mail

TOO_BIG = ("3000000000", "99999999999999999999")
COMMANDS = (
    ("tickets", "show", "{n}"),
    ("tickets", "set-state", "{n}", "open"),
    ("tickets", "assign", "{n}", "ops@example.test"),
    ("tickets", "note", "{n}", "hello"),
    ("tickets", "priority", "{n}", "low"),
    ("tickets", "add-participant", "{n}", "a@example.org"),
    ("tickets", "attachment", "1", "{n}"),
    ("tickets", "attachment", "{n}", "1"),
    ("tickets", "merge", "{n}", "1"),
    ("tickets", "unmerge", "{n}"),
    ("tickets", "cc", "{n}", "list"),
    ("tickets", "answer", "{n}", "thanks"),
    ("inbox", "retry", "{n}"),
    ("actions", "retry", "{n}"),
    ("actions", "list", "--ticket", "{n}"),
    ("inbox", "list", "--limit", "{n}"),
    ("actions", "list", "--limit", "{n}"),
)


@pytest.fixture
def config(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    path = str(write_config(tmp_path, url=db_url, secret_file=True))
    (tmp_path / "a.eml").write_bytes(mail())
    assert run(path, "ingest", str(tmp_path / "a.eml"), capsys=capsys).code == 0
    return path


@pytest.mark.parametrize("number", TOO_BIG)
def test_a_number_past_every_id_is_a_usage_error(
    config: str, capsys: pytest.CaptureFixture[str], number: str
) -> None:
    for command in COMMANDS:
        args = [a.format(n=number) for a in command]
        with pytest.raises(SystemExit) as exited:
            run(config, *args, capsys=capsys)
        err = capsys.readouterr().err
        assert exited.value.code == 2, args
        assert "must be a whole number from" in err and repr(number) in err, (args, err)
        assert "Traceback" not in err


def test_a_negative_limit_or_id_is_a_usage_error(
    config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for args in (
        ("inbox", "list", "--limit", "-5"),
        ("actions", "list", "--limit", "-1"),
        ("tickets", "show", "-1"),
        ("tickets", "attachment", "1", "-2"),
    ):
        with pytest.raises(SystemExit) as exited:
            run(config, *args, capsys=capsys)
        assert exited.value.code == 2, args
        assert "must be a whole number from" in capsys.readouterr().err


def test_numbers_in_range_still_work(config: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(config, "tickets", "show", "1", capsys=capsys).code == 0
    assert run(config, "tickets", "show", "2147483647", capsys=capsys).code == 69
    assert run(config, "tickets", "show", "0", capsys=capsys).code == 69  # no such ticket
    listed = run(config, "inbox", "list", "--limit", "0", "--json", capsys=capsys)
    assert listed.code == 0 and listed.out.strip() == "[]"
    assert run(config, "inbox", "list", "--limit", "1", capsys=capsys).code == 0
