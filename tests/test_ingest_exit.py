"""``ingest``'s exit code says what the README's table says: 65 only when an input
named on the command line is not mail at all, 66 (sysexits' EX_NOINPUT) when an input
could not be read, 0 when every message was stored. A folder's stray files are
skipped (exit 0), and so is a piece of an mbox found in that folder that is not mail:
it is as much a stray as a file beside it."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import run
from tests.support.config import write_config
from tests.support.daemon import clean_env, console_script
from tests.support.mails import mail


@pytest.fixture
def config(tmp_path: Path) -> str:
    return str(write_config(tmp_path, url=f"sqlite:///{tmp_path}/gateway.db", secret_file=True))


def _mbox(path: Path) -> Path:
    """Its second piece is not mail: a From_ line (RFC 4155: a sender and a date) before
    a line of a log. A bare "From x" line is no separator: it stays in the message it is
    in (it was a stray piece of its own here, and a customer's line that began "From "
    was lost that way)."""
    path.write_bytes(
        b"From alice@customer.test Mon Mar  2 09:00:00 2026\n" + mail(subject="one") + b"\n"
        b"From x\n\n"
        b"From logger@customer.test Mon Mar  2 09:00:30 2026\n"
        b"not a mail, a line of a log\n\n"
        b"From bob@customer.test Mon Mar  2 09:01:00 2026\n"
        + mail(subject="two", sender="bob@customer.test")
        + b"\n"
    )
    return path


def test_a_folder_of_mail_with_strays_exits_0(
    config: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "mails"
    folder.mkdir()
    (folder / "a.eml").write_bytes(mail(subject="three"))
    (folder / "notes.txt").write_text("a note, not a mail\n")
    _mbox(folder / "old.mbox")
    ran = run(config, "ingest", str(folder), capsys=capsys)
    assert ran.code == 0, ran.out
    assert "old.mbox#2: skipped, not an e-mail message" in ran.out
    assert ran.out.count("stored as inbox") == 3


def test_a_named_mbox_with_a_piece_that_is_not_mail_exits_65(
    config: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ran = run(config, "ingest", str(_mbox(tmp_path / "box.mbox")), capsys=capsys)
    assert ran.code == 65 and "box.mbox#2: not an e-mail message, not stored" in ran.out


def test_an_input_that_cannot_be_read_exits_66_not_65(
    config: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "mails"
    folder.mkdir()
    (folder / "a.eml").write_bytes(mail(subject="three"))
    (folder / "loop").symlink_to(folder / "loop")  # cannot be opened: ELOOP
    ran = run(config, "ingest", str(folder), capsys=capsys)
    assert ran.code == 66 and "loop: cannot read" in ran.out, ran.out
    assert ran.out.count("stored as inbox") == 1
    missing = run(config, "ingest", str(tmp_path / "nope.eml"), capsys=capsys)
    assert missing.code == 66 and "no such file or folder" in missing.out
    (tmp_path / "x.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    both = run(config, "ingest", str(tmp_path / "nope.eml"), str(tmp_path / "x.png"), capsys=capsys)
    assert both.code == 65  # one input is not mail at all: that says more


def test_a_named_pipe_in_a_folder_is_passed_over_not_waited_on(
    config: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Opening a FIFO waits for a writer: a folder holding one made ingest hang for
    ever. It is not a message file, so it is passed over; named on the command line it
    cannot be read (66), and says why."""
    folder = tmp_path / "mails"
    folder.mkdir()
    (folder / "a.eml").write_bytes(mail(subject="three"))
    os.mkfifo(folder / "pipe")
    ran = run(config, "ingest", str(folder), capsys=capsys)
    assert ran.code == 0 and ran.out.count("stored as inbox") == 1, ran.out
    named = run(config, "ingest", str(folder / "pipe"), capsys=capsys)
    assert named.code == 66 and "pipe: cannot read: not a regular file" in named.out


def test_why_an_input_cannot_be_read_is_said_in_the_operators_language(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Our own words for it are in the catalogs, as the line around them is."""
    monkeypatch.setenv("LC_ALL", "ja_JP.UTF-8")
    config = str(write_config(tmp_path, locale="ja", secret_file=True))
    os.mkfifo(tmp_path / "pipe")
    ran = run(config, "ingest", str(tmp_path / "nope.eml"), str(tmp_path / "pipe"), capsys=capsys)
    assert ran.code == 66
    assert "そのようなファイルもフォルダーもありません" in ran.out
    assert "通常のファイルではありません" in ran.out
    assert "no such file" not in ran.out and "regular file" not in ran.out


@pytest.mark.parametrize(
    "args", [("ingest", "-"), ("ingest",), ("ingest", "-", "-")], ids=["pipe", "default", "full"]
)
@pytest.mark.parametrize("stdin", ["closed", "write-only"])
def test_standard_input_that_cannot_be_read_exits_75_without_a_traceback(
    config: str, tmp_path: Path, args: tuple[str, ...], stdin: str
) -> None:
    """A standard input that is closed (``<&-``) or open only for writing made both the
    pipe's fast path and the full command end in a traceback and exit 1, a code no MTA
    and no script reads. It is an input that cannot be read, said so; but the command is
    the MTA's pipe, and no fault of the message: 75, as every such exit of ``ingest -``
    (66 bounced the mail)."""
    exe = console_script()
    env = clean_env()
    with (tmp_path / "out").open("wb") as write_only:
        done = subprocess.run(
            [exe, "--config", config, *args],
            stdin=write_only if stdin == "write-only" else subprocess.DEVNULL,
            preexec_fn=(lambda: os.close(0)) if stdin == "closed" else None,
            capture_output=True,
            env=env,
            timeout=60,
            check=False,
        )
    assert done.returncode == 75, done.stderr
    assert b"Traceback" not in done.stderr
    assert b"not stored: the message stays with the sender" in done.stderr
    assert b"-: cannot read: standard input is closed or not open for reading" in done.stdout


@pytest.mark.parametrize("args", [("ingest", "-"), ("ingest", "IN")], ids=["pipe", "file"])
def test_an_unexpected_database_error_exits_75_so_the_mta_keeps_the_mail(
    config: str, tmp_path: Path, args: tuple[str, ...]
) -> None:
    """A database file that is not a database (a bad restore, a disk fault) raised out of
    the command: a traceback and exit 1, which an MTA takes for a permanent failure and
    bounces (DESIGN.md: never bounced because of our own bug). Nothing is stored, so it
    is 75: the mail waits in the MTA's queue until the database is repaired."""
    (tmp_path / "gateway.db").write_bytes(b"not a database, " * 512)
    message = tmp_path / "in.eml"
    message.write_bytes(mail(subject="printer"))
    exe = console_script()
    env = clean_env()
    done = subprocess.run(
        [exe, "--config", config, *(str(message) if a == "IN" else a for a in args)],
        input=message.read_bytes(),
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 75, done.stderr
    assert b"temporary failure, try again later" in done.stderr
    assert (tmp_path / "gateway.db").read_bytes() == b"not a database, " * 512


def test_a_damaged_inbox_table_on_the_pipes_fast_path_exits_75(
    config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The pipe's fast path only turned TransientError into "take the full path": a
    damaged table ("database disk image is malformed", an sqlite3.DatabaseError) raised
    out of it, a traceback and exit 1, and the MTA bounced the mail."""
    assert run(config, "db", "upgrade", capsys=capsys).code == 0  # the newest schema
    db = tmp_path / "gateway.db"
    with sqlite3.connect(db) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        [page_size] = con.execute("PRAGMA page_size").fetchone()
        [root] = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'inbox'").fetchone()
    con.close()
    with db.open("r+b") as fh:  # the inbox table's first page, and only it, is garbage
        fh.seek((root - 1) * page_size)
        fh.write(b"\xa5" * page_size)
    exe = console_script()
    env = clean_env()
    done = subprocess.run(
        [exe, "--config", config, "ingest", "-"],
        input=mail(subject="printer"),
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 75, done.stderr
    assert b"temporary failure, try again later" in done.stderr


def test_a_broken_catalog_stores_nothing_and_says_its_problems_exit_78(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """A manager's slip in the catalog (the daemon keeps the old one) made ``ingest FILE``
    log a traceback and say "temporary failure … CatalogError(…)": it is the catalog, and
    the command says so as every command started with a broken catalog does (exit 78:
    an MTA keeps the mail, as for an unusable key), with each problem on its line."""
    (tmp_path / "catalog.yaml").write_text(
        "entries:\n  - id: other\n    name: Other\n    fallback: true\n", encoding="utf-8"
    )
    config = write_config(tmp_path, secret_file=True, extra='[catalog]\npath = "catalog.yaml"\n')
    (tmp_path / "a.eml").write_bytes(mail(subject="one"))
    ran = run(config, "ingest", str(tmp_path / "a.eml"), capsys=capsys)
    assert ran.code == 78, ran.err
    assert f"{tmp_path / 'catalog.yaml'}:2:" in ran.err
    assert "temporary failure" not in ran.err and "Traceback" not in caplog.text


@pytest.mark.parametrize("slip", ["config", "catalog"])
@pytest.mark.parametrize("args", [("ingest", "-"), ("ingest",)], ids=["pipe", "default"])
def test_a_configuration_slip_makes_the_mtas_pipe_retry_not_bounce(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    slip: str,
    args: tuple[str, ...],
) -> None:
    """Postfix's pipe(8) and local(8) defer only on 75 and 71 (sys_exits.c: a "4.x.x"
    code) and bounce on 78 (5.3.5), as Exim's pipe does on all but 73 and 75: a
    manager's slip in the catalog, or a config that no longer reads, bounced every
    piped mail to its sender until it was fixed (the full path, as on PostgreSQL). It
    is said as for any command, and the MTA keeps the mail; ``ingest FILE`` stays 78."""
    (tmp_path / "catalog.yaml").write_text("entries:\n  - id: other\n", encoding="utf-8")
    extra = '[catalog]\npath = "catalog.yaml"\n' if slip == "catalog" else "[schedule\n"
    config = write_config(tmp_path, secret_file=True, extra=extra)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(mail(subject="one"))))
    ran = run(config, *args, capsys=capsys)
    assert ran.code == 75, ran
    said = "the catalog" if slip == "catalog" else "configuration error"
    assert said in ran.err and "not stored: the message stays with the sender" in ran.err
    (tmp_path / "a.eml").write_bytes(mail(subject="one"))
    assert run(config, "ingest", str(tmp_path / "a.eml"), capsys=capsys).code == 78


def test_an_empty_mailbox_file_is_nothing_to_store_exit_0(
    config: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A mailbox emptied by the reader that took its mail (``/var/mail/support`` at 0
    bytes, as movemail and mutt leave it) is an mbox of no messages: it was "not an
    e-mail message" and exit 65, so a cron job that ingests the spool failed at every
    run with nothing new. Standard input stays 65: an MTA never pipes an empty mail."""
    spool = tmp_path / "support"
    spool.write_bytes(b"")
    ran = run(config, "ingest", str(spool), capsys=capsys)
    assert ran.code == 0 and f"{spool}: skipped: empty, no message in it" in ran.out, ran
