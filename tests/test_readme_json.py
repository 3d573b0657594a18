"""The README's paragraph on ``tickets list --json`` and ``tickets show ID --json`` (end
of "The command line's language") names the keys scripts read: it names every key the
commands give, at every level (the ticket, its messages and their attachments, its
events and SLA deadlines), and every name it shows in backticks is one of them or one of
the values it lists. A key added, renamed or dropped without the paragraph fails here.
"""

from __future__ import annotations

import json
import re
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from gateway.config.load import load_settings
from gateway.core.clock import FakeClock
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.paths import REPO
from tests.support.pipeline import deliver
from tests.support.scheduling import make_app

README = (REPO / "README.md").read_text(encoding="utf-8")
START = "JSON of `tickets list --json`: a list of objects with"
END = "## Receiving mail: the SMTP/LMTP listener"

# the values the paragraph lists beside the keys (priorities, directions, a deadline's
# target and state) and what else it quotes (the two commands, the header it names)
VALUES = {"low", "normal", "high", "urgent", "in", "out", "first_response", "resolve"}
VALUES |= {"ok", "due-soon", "overdue", "Date", "show"}
VALUES |= {"tickets list --json", "tickets show ID --json", "detail.name", "detail.text"}


def paragraph() -> set[str]:
    text = README[README.index(START) : README.index(END)]
    return set(re.findall(r"`([^`]+)`", text))


def _keys(shown: dict[str, Any]) -> set[str]:
    """The keys of a ticket's JSON and of the objects in its lists, one level deep each
    (a field's name, an event's detail and an action run are their own subjects)."""
    keys = set(shown)
    for message in shown.get("messages", []):
        keys |= set(message)
        for attachment in message["attachments"]:
            keys |= set(attachment)
    for name in ("events", "deadlines"):
        for item in shown.get(name, []):
            keys |= set(item)
    return keys


def _with_a_file() -> bytes:
    msg = EmailMessage()
    msg["From"] = "Ito Hanako <ito@customer.test>"
    msg["To"] = "support@example.test"
    msg["Subject"] = "VPN does not connect"
    msg["Message-ID"] = "<json-1@customer.test>"
    msg.set_content("The VPN client fails since this morning.\nOS: windows\n")
    msg.add_attachment(b"log line\n", maintype="text", subtype="plain", filename="vpn.log")
    return msg.as_bytes()


def test_the_json_paragraph_names_every_key_and_only_keys(
    db_url: str, tmp_path: Path, capsys: Any
) -> None:
    config = write_config(tmp_path, url=db_url, secret_file=True)
    app = make_app(load_settings(config), FakeClock())
    try:
        ticket = deliver(app, _with_a_file()).ticket_id  # the example catalog's vpn: an SLA
    finally:
        app.close()
    listed = json.loads(run(config, "tickets", "list", "--json", capsys=capsys).out)
    shown = json.loads(run(config, "tickets", "show", str(ticket), "--json", capsys=capsys).out)
    assert shown["messages"][0]["attachments"] and shown["events"] and shown["deadlines"]
    given = set(listed[0]) | _keys(shown)
    named = paragraph()
    assert sorted(given - named) == []  # a key the README does not name
    assert sorted(named - given - VALUES) == []  # a name that is no key (any more)
