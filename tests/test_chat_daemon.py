"""The daemon with chat on: the Slack app connects in Socket Mode, and while Slack's
Web API is down, mail still comes in and goes out; the chat posts wait and then arrive."""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support import chat as c
from tests.support.config import SECRET_ENV, write_config
from tests.support.daemon import daemon_thread
from tests.support.mails import mail
from tests.support.ports import free_port
from tests.support.slack_fake import FakeSlack
from tests.support.waiting import eventually


def test_mail_flows_while_slack_is_down_and_chat_catches_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in {
        **SECRET_ENV,
        "SLACK_BOT_TOKEN": c.BOT_TOKEN,
        "SLACK_APP_TOKEN": c.APP_TOKEN,
    }.items():
        monkeypatch.setenv(key, value)
    fake = FakeSlack()
    fake.start()
    fake.down = "500"  # chat.* methods fail; Socket Mode still connects
    port = free_port()
    chat = (
        '[chat]\ntimeout = "1s"\nretry_initial = "1s"\nretry_max = "2s"\n'
        f'[chat.slack]\napi_url = "{fake.api_url}"\nchannel = "{c.NOTICES}"\n'
    )
    config = write_config(tmp_path, port=port, locale="en", extra=chat)
    try:
        with daemon_thread(config) as (ready, _stop, _result):
            assert ready.wait(30)
            assert eventually(fake.connected), "Socket Mode did not connect"
            fresh = mail(date=datetime.now(UTC))  # answered: not an archive being imported
            with smtplib.SMTP("127.0.0.1", port) as client:
                client.sendmail("alice@customer.test", ["support@example.test"], fresh)
            outbound = tmp_path / "var" / "outbound" / "new"
            assert eventually(lambda: outbound.is_dir() and any(outbound.iterdir()))
            assert eventually(lambda: fake.of("chat.postMessage!failed"))
            assert fake.of("chat.postMessage") == []
            fake.down = ""
            [notice] = fake.wait_for("chat.postMessage", timeout=20)
            assert notice["channel"] == c.NOTICES and "[#1]" in notice["text"]
    finally:
        fake.stop()
    assert len(fake.of("chat.postMessage")) == 1  # posted once
