"""An SQLite database this user may only read: another user's (the gateway's own, read
by a member with a shell), or on read-only storage. The commands that only read
(``tickets list``, ``tickets show``, ``status``: gateway/runtime/reader.py) read it,
creating nothing beside it (SQLite cannot make its -wal and -shm files in a folder it
may not write); ``ingest`` and the daemon's start stop with exit 78 (a configuration
error: systemd does not restart) naming the file, not a traceback or a "temporary
failure"; the MTA's pipe says the same line and exits 75, so the MTA keeps the mail.

Each command runs in a process of its own that may not write those files. As root,
chmod stops nothing, so the files are given to another user and the process runs as
root without the capabilities that pass over file modes (CAP_DAC_OVERRIDE and the
rest, dropped from its bounding set before it starts Python): what a user who is not
their owner may do. Where neither works, the tests are skipped and say why.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.runtime.cli.main import main
from store import migrate
from store.db import make_engine
from tests.support.config import SECRET_ENV
from tests.support.mails import mail

SECRET_VAR = "TICKET_GATEWAY_SECRET"
NOBODY = 65534  # the owner the files are given to, when this runs as root
EX_CONFIG = 78
EX_TEMPFAIL = 75
PIPE_KEEPS = "not stored: the message stays with the sender, who tries again later"


def _refused(args: tuple[str, ...], err: str) -> int:
    """The exit a command refused by a database it may not use answers: 78, a
    configuration to fix; but an MTA's pipe 75, said so: Postfix and Exim bounce the
    mail at 78 (it was 78 here, and the docstring's "the MTA keeps the mail" was not so)."""
    if args != ("ingest", "-"):
        return EX_CONFIG
    assert PIPE_KEEPS in err, err
    return EX_TEMPFAIL


# as root: drop the capabilities that pass over file modes and ownership, then start
# the command (prctl PR_CAPBSET_DROP; execve leaves a root process only what is left)
_WITHOUT_ROOTS_RIGHTS = """
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
for cap in (0, 1, 2, 3, 4):  # CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER, FSETID
    if libc.prctl(24, cap, 0, 0, 0) != 0:
        sys.exit(99)
os.execv(sys.executable, [sys.executable, *sys.argv[1:]])
"""


def _as_reader(
    *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` as a user who does not own the read-only files; ``env`` added to
    an environment without the reply-token key."""
    prefix = [sys.executable, "-c", _WITHOUT_ROOTS_RIGHTS] if os.geteuid() == 0 else []
    env = {**{k: v for k, v in os.environ.items() if k != SECRET_VAR}, **(env or {})}
    env["LANG"] = "C.UTF-8"
    return subprocess.run(
        [*(prefix or [sys.executable]), *args],
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def _gateway(
    config: Path, *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    """``ticket-gateway --config CONFIG ARGS…`` (the console script's way in, fast path
    of ``ingest -`` included) as that user."""
    done = _as_reader("-m", "gateway", "--config", str(config), *args, stdin=stdin, env=env)
    return done.returncode, done.stdout, done.stderr


def _read_only(folder: Path) -> None:
    """``folder`` and what it holds: readable, not writable, for the commands run; the
    generated reply-token key stays its owner's alone (0400), as the gateway made it."""
    for path in [*folder.iterdir(), folder]:
        if os.geteuid() == 0:
            os.chown(path, NOBODY, NOBODY)
        path.chmod(0o555 if path.is_dir() else 0o400 if path.name == "secret" else 0o444)
    probe = _as_reader("-c", "import sys; open(sys.argv[1], 'ab')", str(folder / "probe"))
    if probe.returncode == 99:
        pytest.skip("running as root without CAP_SETPCAP: cannot take root's rights away")
    if probe.returncode == 0:
        pytest.skip(f"{folder} stays writable for this user: nothing to test here")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A gateway's folder as its owner left it: the config, a data folder (``var``, with
    the generated secret) and the database (``db/gateway.db``) holding ticket #1."""
    monkeypatch.delenv(SECRET_VAR, raising=False)
    config = tmp_path / "gateway.toml"
    config.write_text(
        '[gateway]\naddress = "support@example.test"\ndata_dir = "var"\n'
        '[database]\nurl = "sqlite:///db/gateway.db"\n',
        encoding="utf-8",
    )
    message = tmp_path / "first.eml"
    message.write_bytes(mail("Printer on floor 3 jams"))
    assert main(["--config", str(config), "ingest", str(message)]) == 0
    assert (tmp_path / "var" / "secret").exists()
    yield tmp_path
    for folder in (tmp_path / "db", tmp_path / "var"):
        if folder.exists():
            folder.chmod(0o700)  # so that pytest can remove it (as a user who is not root)


def _listing(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(params=["closed", "open"])
def owner(request: pytest.FixtureRequest, site: Path) -> Iterator[None]:
    """The database closed (no -wal or -shm file: SQLite removed them), or open in the
    owner's process, as while the daemon runs (-wal and -shm there, readable only)."""
    if request.param == "closed":
        assert not (site / "db" / "gateway.db-wal").exists()
        yield
        return
    daemon = sqlite3.connect(site / "db" / "gateway.db")
    daemon.execute("SELECT count(*) FROM tickets").fetchall()
    assert (site / "db" / "gateway.db-wal").exists()
    yield
    daemon.close()


@pytest.mark.usefixtures("owner")
def test_reading_commands_read_a_database_they_may_not_write(site: Path) -> None:
    """The whole site read-only (the database's folder and the data folder), as for a
    member reading the gateway's files: the reply-token key is not theirs to read either,
    and a reading command does not need it."""
    _read_only(site / "db")
    _read_only(site / "var")
    before = _listing(site / "db")
    config = site / "gateway.toml"
    listed = _gateway(config, "tickets", "list")
    shown = _gateway(config, "tickets", "show", "1")
    status = _gateway(config, "status")
    assert listed[0] == 0, listed
    assert "Printer on floor 3 jams" in listed[1]
    assert shown[0] == 0, shown
    assert "Printer on floor 3 jams" in shown[1]
    # status reads everything; the key it may not read is its one problem (README: 78)
    assert "Traceback" not in status[2], status
    assert "inbox" in status[1].lower(), status
    assert str(site / "var" / "secret") in status[1] + status[2], status
    assert _listing(site / "db") == before  # no -wal, no -shm, nothing written


@pytest.mark.usefixtures("owner")
def test_db_copy_reads_a_database_it_may_not_write(site: Path) -> None:
    """A member copies the gateway's database they may only read (a rehearsal of the
    move to PostgreSQL, README "Moving to PostgreSQL"): read as the reading commands
    read it, nothing written beside it."""
    _read_only(site / "db")
    before = _listing(site / "db")
    moved = site / "moved"
    moved.mkdir()
    copied = _gateway(site / "gateway.toml", "db", "copy", f"sqlite:///{moved}/gateway.db")
    assert copied[0] == 0, copied
    assert _listing(site / "db") == before  # no -wal, no -shm, nothing written
    con = sqlite3.connect(moved / "gateway.db")
    try:
        subjects = [s for (s,) in con.execute("SELECT subject FROM tickets")]
    finally:
        con.close()
    assert subjects == ["Printer on floor 3 jams"]


@pytest.mark.usefixtures("owner")
def test_ingest_and_the_daemon_name_the_database_they_may_not_write(site: Path) -> None:
    """Only the database's folder read-only: the data folder and the key are usable."""
    _read_only(site / "db")
    before = _listing(site / "db")
    config = site / "gateway.toml"
    message = site / "second.eml"
    message.write_bytes(mail("Second printer jams too"))
    database = str(site / "db" / "gateway.db")
    for args, stdin in (
        (("ingest", str(message)), None),
        (("ingest", "-"), message.read_bytes()),  # an MTA's pipe: its fast path first
        (("run",), None),
    ):
        code, out, err = _gateway(config, *args, stdin=stdin)
        assert code == _refused(args, err), (args, code, out, err)
        assert "Traceback" not in err, (args, err)
        assert database in err, (args, err)
        assert "[database.url]" in err, (args, err)
    assert _listing(site / "db") == before


def test_a_daemon_whose_data_folder_is_read_only_says_so(site: Path) -> None:
    """Not "another ticket-gateway run holds it": nothing does. (The key comes from the
    environment: the one in the data folder is not this user's to read.)"""
    _read_only(site / "var")
    code, out, err = _gateway(site / "gateway.toml", "run", env=SECRET_ENV)
    assert code == EX_CONFIG, (code, out, err)
    assert "another ticket-gateway run" not in err, err
    assert str(site / "var" / "daemon.lock") in err and "permission denied" in err, err


def test_a_database_behind_this_version_is_not_upgraded_by_a_reader(site: Path) -> None:
    """A reading command brings an older schema to head first; here it cannot, and says
    who can, instead of "try again later"."""
    engine = make_engine(f"sqlite:///{site / 'db' / 'gateway.db'}")
    migrate.downgrade(engine, "0016")
    engine.dispose()
    _read_only(site / "db")
    before = _listing(site / "db")
    code, out, err = _gateway(site / "gateway.toml", "tickets", "list")
    assert code == EX_CONFIG, (code, out, err)
    assert str(site / "db" / "gateway.db") in err and "db upgrade" in err, err
    assert _listing(site / "db") == before


def _unreadable(path: Path) -> None:
    """``path`` (the database, or its folder) this user may not read at all (mode 000,
    another user's as root); skipped where that stops nothing."""
    if os.geteuid() == 0:
        os.chown(path, NOBODY, NOBODY)
    path.chmod(0o000)
    database = path if path.name == "gateway.db" else path / "gateway.db"
    probe = _as_reader("-c", "import sys; open(sys.argv[1], 'rb')", str(database))
    if probe.returncode == 99:
        pytest.skip("running as root without CAP_SETPCAP: cannot take root's rights away")
    if probe.returncode == 0:
        pytest.skip(f"{path} stays readable for this user: nothing to test here")


@pytest.mark.parametrize("refused", ["file", "folder"])
def test_a_database_this_user_may_not_read_is_named_not_retried(site: Path, refused: str) -> None:
    """Mode 000 on the database or its folder: a configuration to fix (exit 78, the
    file and what refused named), not "unable to open database file" taken for an
    outage (75, an MTA retrying for days) by the commands that read and those that write."""
    database = site / "db" / "gateway.db"
    _unreadable(database if refused == "file" else database.parent)
    config = site / "gateway.toml"
    message = site / "second.eml"
    message.write_bytes(mail("Second printer jams too"))
    for args, stdin in (
        (("tickets", "list"), None),
        (("status",), None),
        (("ingest", str(message)), None),
        (("ingest", "-"), message.read_bytes()),  # an MTA's pipe: its fast path first
        (("run",), None),
    ):
        code, out, err = _gateway(config, *args, stdin=stdin)
        assert code == _refused(args, err), (args, code, out, err)
        assert "Traceback" not in err, (args, err)
        assert str(database) in err, (args, err)
        assert "[database.url]" in err and "permission denied" in err, (args, err)


@pytest.mark.parametrize(
    ("suffix", "folder"), [("-wal", "writable"), ("-wal", "read-only"), ("-shm", "writable")]
)
def test_a_log_file_this_user_may_not_read_is_named(site: Path, folder: str, suffix: str) -> None:
    """The daemon has the database open (its -wal and -shm files there) and made its
    -wal (or -shm) file its own alone (another user's, mode 600: a umask of 077), while
    the database itself is readable by this user (and writable, in a writable folder, as
    for a member in the gateway's group). Nothing can be read without the -wal file,
    which holds the newest commits, nor safely without the -shm file, its index: every
    command names the file as the configuration it is (exit 78), not "try again later"
    for ever (75: an MTA retrying for days), nor a traceback."""
    db = site / "db"
    daemon = sqlite3.connect(db / "gateway.db")
    daemon.execute("SELECT count(*) FROM tickets").fetchall()
    wal = db / f"gateway.db{suffix}"
    assert wal.exists()
    try:
        if folder == "read-only":
            _read_only(db)
        if os.geteuid() == 0:
            os.chown(wal, NOBODY, NOBODY)
        wal.chmod(0o600)
        probe = _as_reader("-c", "import sys; open(sys.argv[1], 'rb')", str(wal))
        if probe.returncode == 99:
            pytest.skip("running as root without CAP_SETPCAP: cannot take root's rights away")
        if probe.returncode == 0:
            pytest.skip(f"{wal} stays readable for this user: nothing to test here")
        config = site / "gateway.toml"
        message = site / "second.eml"
        message.write_bytes(mail("Second printer jams too"))
        for args, stdin in (
            (("tickets", "list"), None),
            (("status",), None),
            (("ingest", str(message)), None),
            (("ingest", "-"), message.read_bytes()),  # an MTA's pipe: its fast path first
            (("run",), None),
        ):
            code, out, err = _gateway(config, *args, stdin=stdin)
            assert code == _refused(args, err), (args, code, out, err)
            assert "Traceback" not in err, (args, err)
            assert str(wal) in err, (args, err)
            assert "[database.url]" in err and "permission denied" in err, (args, err)
    finally:
        daemon.close()


@pytest.mark.parametrize("lock", ["gateway.db-turnstile", "gateway.db-writelock"])
def test_a_lock_file_of_another_user_is_named_not_retried(site: Path, lock: str) -> None:
    """The lock files beside the database (store/turnstile.py) made by another user: an
    admin who ran ``ingest`` as root once, before the daemon's user. Every write takes
    them, so ``ingest`` and ``run`` cannot work: they name the file (exit 78), where
    ``ingest`` said "try again later" for ever (75, with a traceback). A command that
    only reads takes no lock and reads on."""
    path = site / "db" / lock
    assert path.exists()
    if os.geteuid() == 0:
        os.chown(path, NOBODY, NOBODY)
    path.chmod(0o600)
    probe = _as_reader("-c", "import sys; open(sys.argv[1], 'r+b')", str(path))
    if probe.returncode == 99:
        pytest.skip("running as root without CAP_SETPCAP: cannot take root's rights away")
    if probe.returncode == 0:
        pytest.skip(f"{path} stays writable for this user: nothing to test here")
    config = site / "gateway.toml"
    message = site / "second.eml"
    message.write_bytes(mail("Second printer jams too"))
    for args, stdin in (
        (("ingest", str(message)), None),
        (("ingest", "-"), message.read_bytes()),  # an MTA's pipe: its fast path first
        (("run",), None),
    ):
        code, out, err = _gateway(config, *args, stdin=stdin)
        assert code == _refused(args, err), (args, code, out, err)
        assert "Traceback" not in err, (args, err)
        assert str(path) in err and "[database.url]" in err, (args, err)
    listed = _gateway(config, "tickets", "list")
    assert listed[0] == 0 and "Printer on floor 3 jams" in listed[1], listed


def test_a_pipe_that_may_not_look_at_the_daemons_lock_still_exits_0(site: Path) -> None:
    """The MTA pipes as another user than the daemon's, whose ``daemon.lock`` (0600) it
    may not open to ask whether the daemon runs. The mail is committed by then: it used
    to end in a traceback and exit 1, which an MTA takes as a failure for good (a bounce
    for mail that was stored). The lock is there, so a daemon made it: the row is left
    to it, as to a running one."""
    lock = site / "var" / "daemon.lock"
    lock.write_text("4242\n")
    if os.geteuid() == 0:
        os.chown(lock, NOBODY, NOBODY)
    lock.chmod(0o600)
    probe = _as_reader("-c", "import sys; open(sys.argv[1], 'rb')", str(lock))
    if probe.returncode == 99:
        pytest.skip("running as root without CAP_SETPCAP: cannot take root's rights away")
    if probe.returncode == 0:
        pytest.skip(f"{lock} stays readable for this user: nothing to test here")
    message = mail("Second printer jams too")
    code, out, err = _gateway(site / "gateway.toml", "ingest", "-", stdin=message)
    assert code == 0, (code, out, err)
    assert "Traceback" not in err, err
    assert "stored as inbox #2" in out, out


def test_a_shared_lock_file_of_another_user_is_used_as_it_is(site: Path) -> None:
    """A lock file beside the database that is another user's but writable by this one
    (a group's, made by an older release under its umask): it is only locked, not
    made private, which its owner alone may do (the chmod failed: "try again later"
    for ever, with a traceback)."""
    path = site / "db" / "gateway.db-turnstile"
    if os.geteuid() == 0:
        os.chown(path, NOBODY, NOBODY)
    path.chmod(0o666)
    probe = _as_reader("-c", "import os, sys; os.chmod(sys.argv[1], 0o600)", str(path))
    if probe.returncode == 99:
        pytest.skip("running as root without CAP_SETPCAP: cannot take root's rights away")
    if probe.returncode == 0:
        pytest.skip(f"{path} stays this user's to change: nothing to test here")
    message = mail("Second printer jams too")
    code, out, err = _gateway(site / "gateway.toml", "ingest", "-", stdin=message)
    assert code == 0, (code, out, err)
    assert "Traceback" not in err, err
    assert path.stat().st_mode & 0o777 == 0o666  # its owner's to change
