"""The database's folder moved away (``mv``) or removed under a running daemon, before
the listener's first message: the answer was right (``451``, the sender keeps the
mail), but the log said ``ERROR … SMTP session error: FileNotFoundError`` with a
traceback, as for a bug of ours, where every other part says the database file was
removed or replaced. It is now a warning saying that, and no traceback."""

from __future__ import annotations

import logging
import smtplib
from pathlib import Path

import pytest

from tests.support.config import SECRET_ENV, write_config
from tests.support.daemon import daemon_thread
from tests.support.mails import mail
from tests.support.ports import free_port


def test_a_database_folder_gone_under_the_listener_is_a_451_said_as_such(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    (tmp_path / "db").mkdir()
    port = free_port()
    config = write_config(tmp_path, url=f"sqlite:///{tmp_path / 'db' / 'gateway.db'}", port=port)
    with daemon_thread(config) as (ready, _stop, _result):
        assert ready.wait(60)
        (tmp_path / "db").rename(tmp_path / "db.moved")  # an admin's mv, daemon running
        with (
            caplog.at_level(logging.INFO),
            smtplib.SMTP("127.0.0.1", port) as client,
            pytest.raises(smtplib.SMTPDataError) as refused,
        ):
            client.sendmail("a@customer.test", ["support@example.test"], mail())
        assert refused.value.smtp_code == 451
        (tmp_path / "db.moved").rename(tmp_path / "db")  # back, so the daemon stops cleanly
    smtp = [r for r in caplog.records if r.name.startswith("gateway.receive.smtp")]
    assert not [r for r in smtp if r.levelno >= logging.ERROR or r.exc_info], [
        r.getMessage() for r in smtp
    ]
    said = [r.getMessage() for r in smtp if "451" in r.getMessage()]
    assert said and "removed or replaced" in said[0], [r.getMessage() for r in smtp]
