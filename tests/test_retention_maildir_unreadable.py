"""``[retention]`` and the outbound maildir: the pass removes the copies of the mails of
the tickets it erases. One such copy it could not read (a file without read permission,
a disk error, a folder or a FIFO left under the copy's name) made every pass fail: the
batch's transaction was taken back, the next pass met the same file, and no closed
ticket was ever erased again. Now that file is named once in a warning (left as it is:
a person looks at it) and the rest of the pass goes on."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from gateway.config.load import load_settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import build
from store.db import transaction
from store.models import Ticket
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.mails import mail
from tests.support.pipeline import deliver

NOW = datetime.now(UTC)


def _two_old_tickets_sent(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[Path, list[int], dict[int, Path]]:
    """Two tickets closed past the policy, their acknowledgements sent to the maildir:
    the config, the ids, each ticket's copy."""
    config = write_config(
        tmp_path, url=db_url, secret_file=True, extra='[retention]\nclosed_tickets = "730d"\n'
    )
    app = build(load_settings(config), FakeClock(NOW - timedelta(days=800)))
    try:
        ids: list[int] = []
        for n in range(2):
            filed = deliver(app, mail(f"Request {n}", sender=f"p{n}@customer.test", date=NOW))
            assert filed.ticket_id is not None
            ids.append(filed.ticket_id)
        with transaction(app.sessions) as s:
            s.execute(
                update(Ticket)
                .where(Ticket.id.in_(ids))
                .values(
                    state="closed", close_reason="resolved", closed_at=NOW - timedelta(days=731)
                )
            )
    finally:
        app.close()
    assert run(config, "send", capsys=capsys).code == 0
    copies: dict[int, Path] = {}
    for f in (tmp_path / "var" / "outbound" / "new").iterdir():
        for n, tid in enumerate(ids):
            if f"Request {n}".encode() in f.read_bytes():
                copies[tid] = f
    assert sorted(copies) == sorted(ids)
    return config, ids, copies


def _left(config: Path) -> list[int]:
    app = build(load_settings(config))
    try:
        with transaction(app.sessions) as s:
            return sorted(s.scalars(select(Ticket.id)))
    finally:
        app.close()


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_a_folder_under_a_copys_name_is_named_once_and_the_pass_goes_on(
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    kind: str,
) -> None:
    """A folder: its read failed (EISDIR). A FIFO: its open waited for a writer, and
    the pass hung with the write lock held."""
    config, ids, copies = _two_old_tickets_sent(db_url, tmp_path, capsys)
    odd, fine = copies[ids[0]], copies[ids[1]]
    odd.unlink()
    odd.mkdir() if kind == "folder" else os.mkfifo(odd)
    with caplog.at_level(logging.WARNING):
        ran = run(config, "sweep", capsys=capsys)
    assert ran.code == 0, ran.err
    assert "2 closed tickets erased ([retention])" in ran.out
    assert _left(config) == []
    assert not fine.exists() and odd.exists()  # the one it could read went; the odd one stays
    named = [r for r in caplog.records if odd.name in r.getMessage()]
    assert len(named) == 1 and named[0].levelno == logging.WARNING, caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        again = run(config, "sweep", capsys=capsys)
    assert again.code == 0 and "erased" not in again.out
    assert odd.name not in caplog.text  # once: its ticket is gone, nobody looks for it again


def _without_dac_override() -> list[str] | None:
    """A command prefix under which a file without read permission cannot be read: none
    needed for a user, ``setpriv`` dropping root's override; None when neither works."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    prefix = [setpriv, "--bounding-set", "-dac_override,-dac_read_search", "--"]
    probe = subprocess.run([*prefix, "true"], check=False, capture_output=True)
    return prefix if probe.returncode == 0 else None


def test_a_copy_without_read_permission_is_named_and_the_pass_goes_on(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The real thing: ``sweep`` in a process that cannot read a mode-000 file."""
    prefix = _without_dac_override()
    if prefix is None:
        pytest.skip("no way here to run a process that permissions stop")
    config, ids, copies = _two_old_tickets_sent(db_url, tmp_path, capsys)
    locked, fine = copies[ids[0]], copies[ids[1]]
    locked.chmod(0)
    try:
        done = subprocess.run(
            [*prefix, sys.executable, "-m", "gateway", "--config", str(config), "sweep"],
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "LANG": "C.UTF-8"},
        )
    finally:
        locked.chmod(0o600)
    assert done.returncode == 0, done.stderr
    assert "2 closed tickets erased ([retention])" in done.stdout, done.stdout + done.stderr
    assert _left(config) == []
    assert not fine.exists() and locked.exists()
    assert done.stderr.count(locked.name) == 1, done.stderr
