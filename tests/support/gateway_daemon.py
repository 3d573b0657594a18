"""A running daemon as the daemon scenario tests drive it: mail in over SMTP, the
mails it wrote to its outbound maildir out, and the CLI beside it (``tickets show``).

The fixture that starts it stays with each test module (each has its own catalog and
configuration); this is what they share once it runs.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from gateway.runtime.cli import main as cli
from tests.support.unwrap import unwrapped
from tests.support.waiting import eventually


@dataclass
class Gateway:
    config: Path
    port: int
    outbound: Path
    capsys: pytest.CaptureFixture[str]

    def send(
        self, mail: bytes | EmailMessage, sender: str = "", to: str = "support@example.test"
    ) -> None:
        """A raw message (with its envelope) or a built one (envelope from its headers)."""
        with smtplib.SMTP("127.0.0.1", self.port) as client:
            if isinstance(mail, EmailMessage):
                client.send_message(mail)
            else:
                client.sendmail(sender or "someone@customer.test", [to], mail)

    def mails(self) -> list[EmailMessage]:
        """Everything the gateway sent so far, oldest first: in the order the mails were
        queued (the outbox row in the name's ``Q<row>``), not by the files' times, which
        the file system keeps to a few milliseconds (two mails written in one tick tie),
        nor by the name as text (``M99999`` sorts after ``M100000``)."""
        files = sorted(self.outbound.glob("new/*"), key=_queued)
        found = []
        for f in files:
            msg = email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
            assert isinstance(msg, EmailMessage)
            found.append(msg)
        return found

    def to(self, who: str, kind: str | None = None) -> list[EmailMessage]:
        return [
            m
            for m in self.mails()
            if m["To"].addresses[0].addr_spec == who and (kind is None or kind_of(m) == kind)
        ]

    def wait_for(self, who: str, kind: str, count: int = 1) -> list[EmailMessage]:
        found = eventually(lambda: got if len(got := self.to(who, kind)) >= count else [])
        assert len(found) >= count, f"{count} {kind} to {who}: {[kind_of(m) for m in self.mails()]}"
        return found

    def cli(self, *args: str) -> Any:
        self.capsys.readouterr()
        code = cli.main(["--config", str(self.config), *args])
        out = self.capsys.readouterr().out
        assert code == 0, out
        return json.loads(out) if "--json" in args else out

    def ticket(self, ticket_id: int) -> dict[str, Any]:
        found: dict[str, Any] = self.cli("tickets", "show", str(ticket_id), "--json")
        return found


def _queued(path: Path) -> tuple[int, int]:
    """The outbox row a maildir file was written for (gateway.outbound.maildir.unique_name),
    with the file's time for a name without one."""
    row = re.search(r"Q(\d+)R", path.name)
    return (int(row.group(1)) if row else 0, path.stat().st_mtime_ns)


def kind_of(msg: EmailMessage) -> str:
    """Which of our mails it is (the X-Ticket-Gateway header's first word)."""
    return str(msg["X-Ticket-Gateway"]).split(";")[0].strip()


def text_of(msg: EmailMessage) -> str:
    body = msg.get_body(preferencelist=("plain",))
    assert isinstance(body, EmailMessage)
    return str(body.get_content())


def words_of(msg: EmailMessage) -> str:
    """The plain-text body with our wrapped paragraphs joined back into one line each
    (:mod:`tests.support.unwrap`): what to look for a sentence of ours in."""
    return unwrapped(text_of(msg))
