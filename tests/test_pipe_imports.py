"""``ingest -`` stores a piped mail with the standard library alone (issue #18, README
"Speed": the cold pipe): SQLAlchemy costs a piped mail's process about 140 ms of its
80. It came in once by a side door (the turnstile's "database gone" error, defined
beside SQLAlchemy's connection hooks), and the pipe took 250 ms a message for a day."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.config.settings import Settings
from gateway.receive import pipe
from gateway.runtime.app import App
from tests.support.mails import mail


def _piped(settings: Settings, tmp_path: Path, daemon: bool) -> list[str]:
    """The modules a piped mail's process imported (``-X importtime``), checked stored."""
    cfg = tmp_path / "gateway.toml"
    (tmp_path / "secret.key").write_text("k" * 43)
    cfg.write_text(
        f'[gateway]\nsecret_file = "secret.key"\ndata_dir = "{settings.gateway.data_dir}"\n'
        f'[database]\nurl = "{settings.database.url}"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("TICKET_GATEWAY_")}
    held = pipe.hold_daemon_lock(settings.gateway.data_dir) if daemon else None
    command = [sys.executable, "-X", "importtime", "-m", "gateway", "--config", str(cfg)]
    try:
        done = subprocess.run(
            [*command, "ingest", "-"],
            input=mail(subject=f"piped {daemon}"),
            capture_output=True,
            env=env,
            timeout=60,
            check=False,
        )
    finally:
        if held is not None:
            held.close()
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert b"stored as inbox" in done.stdout or b"queued" in done.stdout, done.stdout
    return [
        line.rsplit("|", 1)[-1].strip()
        for line in done.stderr.decode().splitlines()
        if line.startswith("import time:")
    ]


def test_a_piped_mail_imports_no_sqlalchemy(
    app: App, settings: Settings, db_url: str, tmp_path: Path
) -> None:
    if pipe.sqlite_path(db_url) is None:
        pytest.skip("the pipe's light path is for SQLite")
    for daemon in (False, True):  # stored for the drainer, and queued for the daemon
        imported = _piped(settings, tmp_path, daemon)
        assert "gateway.receive.pipe" in imported  # the light path was taken
        heavy = [m for m in imported if m.split(".")[0] in ("sqlalchemy", "alembic", "jinja2")]
        assert heavy == [], (daemon, heavy[:5])
