"""``ticket-gateway send``: the outbox's due mail, sent from the command line.

Without the daemon (an MTA pipe, imports, cron) mail that commands queue (a
``tickets answer``, the sweeps' reminders, a retry after the relay was down) has no
sender running: ``send`` is what cron runs for it. Here a request's acknowledgement
goes out through the real console entry point, to a maildir and to a relay that is
down, on both databases.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.runtime.app import build
from gateway.runtime.cli.main import main
from store import outbox
from store.db import transaction
from tests.support.config import SECRET_ENV, write_config
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.ports import free_port


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)


def _queue_an_acknowledgement(config: Path) -> None:
    app = build(load_settings(config))
    try:
        deliver(app, mail(subject="Printer on fire", date=datetime.now(UTC)))
    finally:
        app.close()


def _states(config: Path) -> list[tuple[str, int]]:
    app = build(load_settings(config))
    try:
        with transaction(app.sessions) as s:
            return [(r.state, r.attempts) for r in outbox.rows(s)]
    finally:
        app.close()


def test_send_delivers_what_is_due(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, url=db_url)
    _queue_an_acknowledgement(config)
    assert _states(config) == [("pending", 0)]
    assert main(["--config", str(config), "send"]) == 0
    assert capsys.readouterr().out == "1 mail sent, 0 to retry later, 0 failed for good\n"
    [written] = (tmp_path / "var" / "outbound" / "new").iterdir()
    assert b"Subject: [#1] " in written.read_bytes()
    assert _states(config) == [("sent", 1)]  # one attempt, the one that delivered it
    assert main(["--config", str(config), "send"]) == 0  # nothing left: nothing sent twice
    assert capsys.readouterr().out.startswith("0 mails sent")


def test_send_says_75_while_the_relay_is_down(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    relay = f'[outbound]\nmode = "smtp"\nhost = "127.0.0.1"\nport = {free_port()}\ntls = "none"\n'
    config = write_config(tmp_path, url=db_url, extra=relay)
    _queue_an_acknowledgement(config)
    assert main(["--config", str(config), "send"]) == 75  # cron's mail says so
    assert capsys.readouterr().out == "0 mails sent, 1 to retry later, 0 failed for good\n"
    assert _states(config) == [("pending", 1)]  # kept, with its retry scheduled


def test_send_says_75_again_while_the_mail_waits_for_its_retry(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """README "Reminders": ``send`` "exits 75 while some of it waits for a relay that is
    down". Run again before the retry is due (cron every 5 minutes, the admin by hand
    after fixing the relay), it said "0 to retry later" and 0, as if nothing waited."""
    relay = f'[outbound]\nmode = "smtp"\nhost = "127.0.0.1"\nport = {free_port()}\ntls = "none"\n'
    config = write_config(tmp_path, url=db_url, extra=relay)
    _queue_an_acknowledgement(config)
    assert main(["--config", str(config), "send"]) == 75
    capsys.readouterr()
    assert main(["--config", str(config), "send"]) == 75  # not due yet: still waiting
    assert capsys.readouterr().out == "0 mails sent, 1 to retry later, 0 failed for good\n"
    assert _states(config) == [("pending", 1)]  # not tried again before its time


def test_send_speaks_the_readers_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    config = write_config(tmp_path)
    _queue_an_acknowledgement(config)
    assert main(["--config", str(config), "send"]) == 0
    assert capsys.readouterr().out == "1 通を送信、0 通は後で再送、0 通は送信できませんでした\n"
