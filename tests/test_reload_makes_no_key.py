"""A daemon's reload (SIGHUP) reads its configuration file again for the team and the
Slack member map; it read it as a start does, making what was missing. A data folder
whose generated key (``<data_dir>/secret``) was removed while the daemon ran got a new
one at the reload: not the key the daemon signs with (it keeps the one it started
with), and the one the next start reads, so every reply address the daemon sent until
then stopped verifying, silently. On PostgreSQL, not even a database holding tickets
refused it. A reload makes nothing; the start says what is missing."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.runtime.app import build
from gateway.runtime.daemon import _reload_on_hangup
from tests.support.config import write_config


def test_a_reload_makes_no_key(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TICKET_GATEWAY_SECRET", raising=False)
    config = write_config(tmp_path, url=db_url)
    settings = load_settings(config)  # the start: the key generated
    key = settings.gateway.data_dir / "secret"
    assert key.is_file()
    app = build(settings)
    try:
        with _reload_on_hangup(app):
            key.unlink()  # removed while the daemon runs (a cleanup, a restore)
            os.kill(os.getpid(), signal.SIGHUP)
    finally:
        app.close()
    assert not os.path.lexists(key)
