"""A stored message put back into the folder under a new UID after each move (a
server-side filter or sync tool copying it back) is kept in the folder after
``returns.MOVES_BACK`` moves. ``status`` counted it with what the server keeps though it
answered OK (``kept_by_server``), in words about Gmail's All Mail that send a person
to the wrong cause: it has a count and words of its own (``copied_back``).

The fake server of tests/support/imap_quirks.py plays the copying back, as Dovecot's
test in test_imap_stepped_over does without ``status``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.core.clock import SystemClock
from gateway.receive.imap.returns import MOVES_BACK
from gateway.runtime.app import build
from gateway.runtime.cli import main as cli
from tests.support.config import SECRET_ENV, write_config
from tests.support.imap_quirks import Message, QuirkyImap
from tests.support.mails import mail
from tests.support.refused_acks import poller


def test_status_counts_what_came_back_too_often_apart_from_what_the_server_keeps(
    quirky: QuirkyImap,
    tls_files: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    config = write_config(tmp_path, extra=quirky.status_sections(tls_files[0]))
    settings = load_settings(config)
    app = build(settings, SystemClock())
    try:
        with poller(app, settings.imap[0]) as p:
            quirky.add(Message(raw := mail("back again")))
            assert p.poll_once() == 1
            for _ in range(MOVES_BACK + 1):
                quirky.add(Message(raw))  # copied back after its move
                assert p.poll_once() == 0
        with poller(app, settings.imap[0]) as restarted:  # taken up as it was written
            assert restarted.poll_once() == 0
    finally:
        app.close()
    assert len(quirky.messages) == 1  # kept in the folder

    def status(lang: str, *json_: str) -> str:
        monkeypatch.setenv("LANG", lang)
        assert cli.main(["--config", str(config), "status", *json_]) == 0  # not a problem
        return capsys.readouterr().out

    en = status("en_US.UTF-8")
    assert "1 stored message stays in the folder: it was moved and came back under a new UID" in en
    assert "Gmail" not in en
    ja = status("ja_JP.UTF-8")
    assert "1 通" in ja and "UID" in ja and "stored" not in ja and "Gmail" not in ja
    [mailbox] = json.loads(status("en_US.UTF-8", "--json"))["mailboxes"]
    assert (mailbox["copied_back"], mailbox["kept_by_server"]) == (1, 0)
