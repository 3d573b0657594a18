"""winmail.dat is how Outlook wrote the mail (rich text), not a file its writer sent:
the files inside it are listed on their own (tests/test_winmail_files.py). So a
requester's 「ありがとうございました」 from Outlook in rich text, which carries a
winmail.dat with nothing but the formatting, is thanks and keeps the closed ticket
closed (it reopened it, put the work back on a member's desk and sent the requester a
status mail about their own thanks); one with a file inside reopens it as any file
does. And a member's rich-text answer sends the requester their words (and the files),
never the winmail.dat only Outlook opens."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

from gateway.core.model import TicketState
from gateway.runtime.app import App
from gateway.tickets import changes
from store import tickets
from store.db import transaction
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, parsed, show, text_of
from tests.support.tnef import TnefFile, winmail

ALICE = "alice@customer.test"
OPS = "ops@example.test"


def _rich(app: App, tid: int, who: str, words: str, files: list[TnefFile]) -> bytes:
    """A mail from Outlook in rich text: the words, and winmail.dat (with ``files``)."""
    msg = EmailMessage()
    msg["From"] = who
    msg["To"] = reply_address(app, tid, who)
    msg["Subject"] = f"RE: [#{tid}] VPN down"
    msg["Message-ID"] = make_msgid(domain="outlook.test")
    msg.set_content(words)
    msg.add_attachment(
        winmail(files), maintype="application", subtype="ms-tnef", filename="winmail.dat"
    )
    return bytes(msg)


def _closed(app: App) -> int:
    tid = deliver(app, mail(subject="VPN down", message_id="<r-1@customer.test>")).ticket_id
    assert tid is not None
    with transaction(app.sessions) as s:
        ticket = tickets.get(s, tid)
        assert ticket is not None
        changes.change_state(
            s, ticket, TicketState.CLOSED, app.clock.now(), actor="cli:root", channel="cli"
        )
    return tid


def test_rich_text_thanks_keeps_the_ticket_closed(team: App) -> None:
    tid = _closed(team)
    deliver(team, _rich(team, tid, ALICE, "ありがとうございました。\n", []))
    t = show(team, tid)
    assert t["state"] == "closed"
    assert [e["kind"] for e in t["events"]].count("thanks") == 1
    assert [a["filename"] for a in t["messages"][-1]["attachments"]] == ["winmail.dat"]


def test_rich_text_thanks_with_a_file_inside_reopens(team: App) -> None:
    tid = _closed(team)
    pdf = TnefFile("MITSUM~1.PDF", b"%PDF-1.7\n", long_name="見積書.pdf")
    deliver(team, _rich(team, tid, ALICE, "ありがとうございました。\n", [pdf]))
    assert show(team, tid)["state"] == "open"


def test_a_members_rich_text_answer_sends_no_winmail_dat(team: App) -> None:
    tid = deliver(team, mail(subject="VPN down", message_id="<r-1@customer.test>")).ticket_id
    assert tid is not None
    deliver(team, _rich(team, tid, OPS, "Please restart the client.\n", []))
    [answer] = outbox(team, "ops_reply")
    assert text_of(answer).startswith("Please restart the client.")
    assert list(parsed(answer).iter_attachments()) == []
