"""A full disk under the embedded SQLite: the doors refuse for now (SMTP ``451``, ``ingest``
exit 75, the IMAP message left on the server) and everything is stored once there is room
again; ``status`` says the disk is the problem before mail is refused, and while it is.

The disk is a real one: a small tmpfs mounted for the test (as root with the right to
mount; elsewhere the tests are skipped and say why), filled with a file.
"""

from __future__ import annotations

import logging
import os
import smtplib
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.runtime import daemon
from tests.support.cli import run
from tests.support.config import SECRET_ENV, write_config
from tests.support.mails import mail
from tests.support.ports import free_port
from tests.support.waiting import PATIENCE, eventually

EX_UNHEALTHY, EX_CANTCREAT, EX_TEMPFAIL = 1, 73, 75
MAX_MESSAGE = 1_000_000  # [smtp] max_message_size of these tests


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    """An empty 4 MB file system of its own, unmounted after the test."""
    where = tmp_path / "disk"
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _site(disk: Path, monkeypatch: pytest.MonkeyPatch, smtp: str = "") -> Path:
    """A gateway whose data folder and database are on ``disk``, holding one ticket
    (``smtp``: more of its ``[smtp]`` section)."""
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    config = write_config(
        disk,
        extra=f'[smtp]\nmax_message_size = "{MAX_MESSAGE}B"\n{smtp}[health]\ndaemon = false\n',
    )
    first = disk / "first.eml"
    first.write_bytes(mail("Printer on floor 3 jams"))
    assert _ingest(config, first.read_bytes()).returncode == 0
    first.unlink()
    return config


def _fill(disk: Path, leave: int) -> Path:
    """A file that leaves about ``leave`` bytes free on ``disk``."""
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    filler = disk / f"filler-{uuid.uuid4().hex}"
    with filler.open("wb") as fh:
        fh.truncate(0)
        left = max(0, free - leave)
        while left > 0:  # written, not sparse: a tmpfs counts what is written
            left -= fh.write(b"\0" * min(left, 1 << 20))
    return filler


def _ingest(config: Path, raw: bytes) -> subprocess.CompletedProcess[bytes]:
    """``ticket-gateway ingest -`` as an MTA runs it (its fast path first)."""
    env = {**os.environ, **SECRET_ENV, "LANG": "C.UTF-8"}
    return subprocess.run(
        [sys.executable, "-m", "gateway", "--config", str(config), "ingest", "-"],
        input=raw,
        capture_output=True,
        timeout=120,
        env=env,
        check=False,
    )


def test_status_says_the_disk_is_running_out_before_mail_is_refused(
    disk: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Less room than two of the largest mails (the write-ahead log, then the database)
    is a problem, named with the folder and what is free; room again, and it is gone."""
    config = _site(disk, monkeypatch)
    assert run(config, "status", capsys=capsys).code == 0
    filler = _fill(disk, MAX_MESSAGE)
    said = run(config, "status", capsys=capsys)
    assert said.code == EX_UNHEALTHY, said
    assert f"the disk holding {disk} has " in said.out, said.out  # the database's folder
    assert "max_message_size" in said.out and "451" in said.out, said.out
    filler.unlink()
    assert run(config, "status", capsys=capsys).code == 0


def test_a_full_disk_is_a_temporary_failure_and_the_mail_is_stored_after(
    disk: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``ingest -`` exits 75 (the MTA keeps the mail) and says that the disk is full;
    so do the commands that only read, when not even they can open the database (its
    -shm file cannot be made); once there is room, the mail is stored."""
    config = _site(disk, monkeypatch)
    filler = _fill(disk, 0)
    raw = mail("Second printer jams too", body="It jams.\n" * 2000)
    refused = _ingest(config, raw)
    assert refused.returncode == EX_TEMPFAIL, refused
    assert b"Traceback" not in refused.stderr, refused.stderr
    # what the MTA's log and a person running it by hand read: the disk, not only "I/O"
    assert f"the disk holding {disk} has ".encode() in refused.stderr, refused.stderr
    for args in (("status",), ("tickets", "list")):
        said = run(config, *args, capsys=capsys)
        assert said.code in (EX_UNHEALTHY, EX_TEMPFAIL), said
        assert f"the disk holding {disk} has " in said.out + said.err, said
    filler.unlink()
    stored = _ingest(config, raw)
    assert stored.returncode == 0, stored
    assert b"stored as inbox #2" in stored.stdout, stored.stdout


def test_files_that_do_not_fit_are_75_and_the_disk_is_named(
    disk: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Room to open the database, not for the mail: each file is "not stored" and the
    command exits 75, naming the disk (SQLite's "database or disk is full" names none)."""
    config = _site(disk, monkeypatch)
    folder = disk.parent / "import"  # (not on the full disk)
    folder.mkdir()
    for n in range(3):
        (folder / f"{n}.eml").write_bytes(mail(f"Report {n}", body=f"line {n}\n" * 40_000))
    _fill(disk, 200_000)
    said = run(config, "ingest", str(folder), capsys=capsys)
    assert said.code == EX_TEMPFAIL, said
    assert "not stored" in said.out, said
    assert f"the disk holding {disk} has " in said.err, said
    # the store's "database unavailable: …" under our "database unavailable (…)": once
    assert not [line for line in said.out.splitlines() if line.count("database unavailable") > 1]


def test_a_backup_onto_a_full_disk_says_so_and_keeps_the_last_one(
    disk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not "database unavailable, try again later": the database is fine, the disk the
    copy goes to is full (exit 73, naming the copy); the backup made before is whole."""
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    site = tmp_path / "site"
    site.mkdir()
    config = write_config(site)
    first = site / "first.eml"
    first.write_bytes(mail("Printer on floor 3 jams"))
    assert run(config, "ingest", str(first), capsys=capsys).code == 0
    backup = disk / "gateway-backup.db"
    assert run(config, "db", "backup", str(backup), capsys=capsys).code == 0
    last = backup.read_bytes()
    _fill(disk, 4096)
    said = run(config, "db", "backup", str(backup), capsys=capsys)
    assert said.code == EX_CANTCREAT, said
    # in our words (gateway.core.os_errors), not the C library's "No space left on device"
    assert str(backup) in said.err and "no space left on the disk" in said.err, said
    assert backup.read_bytes() == last
    assert sorted(p.name for p in disk.iterdir() if not p.name.startswith("filler")) == [
        backup.name
    ]


def test_a_daemon_started_on_a_full_disk_waits_for_room_then_accepts(
    disk: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A restart (a reboot, a crash) while the disk is full: the daemon waits for its
    database as for one that is down (SQLite cannot even make its -shm file), saying that
    the disk is full, and comes up once there is room (meanwhile senders keep their mail:
    a connection refused is "try again later" to them too). It used to stop at writing
    its pid into its lock file, as at a configuration error (exit 78, which systemd does
    not restart): the site stayed down after the disk was freed."""
    port = free_port()
    config = _site(disk, monkeypatch, f"port = {port}\n")
    filler = _fill(disk, 0)
    settings = load_settings(config)
    stop, ready, result = threading.Event(), threading.Event(), []
    thread = threading.Thread(
        target=lambda: result.append(daemon.run(settings, ready=ready, stop=stop))
    )
    with caplog.at_level(logging.ERROR, logger="gateway.daemon"):
        thread.start()
        try:
            assert eventually(lambda: f"the disk holding {disk} has " in caplog.text)
            assert thread.is_alive() and not ready.is_set(), result
            filler.unlink()
            assert ready.wait(30), result
            raw = mail("Second printer jams too")
            with smtplib.SMTP("127.0.0.1", port, timeout=PATIENCE) as client:
                assert client.sendmail("alice@customer.test", ["support@example.test"], raw) == {}
        finally:
            stop.set()
            thread.join(daemon.STOP_BOUND + PATIENCE)
    assert result == [0]
