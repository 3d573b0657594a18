"""The Slack member map (``[chat.slack.members]``) is re-read on SIGHUP, like the catalog:
an operator who links a colleague's Slack account reloads the daemon, not restarts it. A
config file that no longer loads is refused whole and the map in use kept; a link taken
out stops working at once (no cached lookup keeps someone a member).

The real daemon in a process of its own (SIGHUP is a signal to the process), Slack the
local fake; a press of the card's "assign to me" tells who is a member."""

from __future__ import annotations

import json
import signal
import smtplib
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gateway.runtime import daemon
from tests.support import chat as c
from tests.support.app import MEMBERS
from tests.support.config import SECRET_ENV, members_toml, write_config
from tests.support.daemon import clean_env, console_script, wait_for_port
from tests.support.mails import mail
from tests.support.ports import free_port
from tests.support.slack_fake import FakeSlack
from tests.support.waiting import PATIENCE, eventually

NEWCOMER = "U0NEW0001"  # Slack shows a private address for them, no member's


def _config(tmp_path: Path, port: int, fake: FakeSlack, mapped: str) -> Path:
    chat = (
        '[chat]\ntimeout = "2s"\n'
        f'[chat.slack]\napi_url = "{fake.api_url}"\nchannel = "{c.NOTICES}"\n'
        f"[chat.slack.members]\n{mapped}"
    )
    return write_config(tmp_path, port=port, locale="en", extra=members_toml(MEMBERS) + chat)


def test_sighup_takes_a_changed_slack_member_map(tmp_path: Path) -> None:
    fake = FakeSlack()
    fake.add_user(NEWCOMER, "newcomer@personal.test", "New Comer", "en-US")
    fake.start()
    port = free_port()
    config = _config(tmp_path, port, fake, "")
    env = clean_env(**SECRET_ENV, SLACK_BOT_TOKEN=c.BOT_TOKEN, SLACK_APP_TOKEN=c.APP_TOKEN)
    log = tmp_path / "daemon.log"

    def show() -> dict[str, Any]:
        out = subprocess.run(
            [console_script(), "--config", str(config), "tickets", "show", "1", "--json"],
            env=env,
            capture_output=True,
            check=True,
        ).stdout
        return dict(json.loads(out))

    def reload(mapped: str, said: bytes, times: int) -> None:
        _config(tmp_path, port, fake, mapped)
        proc.send_signal(signal.SIGHUP)
        assert eventually(lambda: log.read_bytes().count(said) >= times), log.read_text()

    def press(count: int) -> None:
        fake.envelope("interactive", c.press("ticket_assign_me", 1, NEWCOMER))
        fake.wait_for("chat.postEphemeral", count, timeout=PATIENCE)

    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [console_script(), "--config", str(config), "run"], env=env, stderr=sink
        )
        try:
            wait_for_port(port, proc)
            assert eventually(fake.connected), "Socket Mode did not connect"
            with smtplib.SMTP("127.0.0.1", port) as client:
                fresh = mail("printer jammed", date=datetime.now(UTC))
                client.sendmail("alice@customer.test", ["support@example.test"], fresh)
            assert eventually(lambda: b'"id": 1' in subprocess.run(
                [console_script(), "--config", str(config), "tickets", "list", "--json"],
                env=env, capture_output=True, check=False,
            ).stdout, PATIENCE)  # fmt: skip
            press(1)  # not linked: refused
            assert "not linked" in fake.of("chat.postEphemeral")[-1]["text"]
            reload(f'{NEWCOMER} = "ops2@example.test"\n', b"slack member map reloaded", 1)
            fake.envelope("interactive", c.press("ticket_assign_me", 1, NEWCOMER))
            assert eventually(lambda: show()["assignee"] == "ops2@example.test")
            # a file that does not load: refused whole, the link in use kept
            reload(f'{NEWCOMER} = "nobody@example.test"\n', b"configuration reload refused", 1)
            assert b"chat.slack.members" in log.read_bytes()  # the key named
            press(1 + 1)  # a member still: "already yours"
            assert "already yours" in fake.of("chat.postEphemeral")[-1]["text"]
            reload("", b"slack member map reloaded", 2)  # the link taken out
            press(3)
            assert "not linked" in fake.of("chat.postEphemeral")[-1]["text"]
            assert b"at the next start" not in log.read_bytes()  # nothing else changed
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(daemon.STOP_BOUND + PATIENCE) == 0
        finally:
            proc.kill()
            proc.wait()
            fake.stop()
