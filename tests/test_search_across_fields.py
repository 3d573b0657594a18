"""Each word of a search may stand anywhere in the ticket: a manager types ``田中 VPN``
for Tanaka's VPN ticket, the name in the sender, VPN in the subject. Every word was
looked for in one field (a message's subject and text, one sender, one file's name), so
that ticket was not found. Still every word must be in the ticket, and every statement
reads an index (tests/test_query_plans.py's rule), on SQLite and PostgreSQL."""

from __future__ import annotations

from email.message import EmailMessage

from gateway.runtime.app import App
from store import search
from store.db import transaction
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.test_query_plans import _plan, _record, _scans


def _find(app: App, query: str) -> list[int] | None:
    with transaction(app.sessions) as s:
        return search.matching_tickets(s, query)


def _with_file(sender: str, subject: str, filename: str, message_id: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "support@example.test"
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    msg["Date"] = "Mon, 02 Mar 2026 09:00:00 +0900"
    msg.set_content("添付をご確認ください。\n")
    msg.add_attachment(b"%PDF-1.4\n", maintype="application", subtype="pdf", filename=filename)
    return bytes(msg)


def test_the_words_of_a_search_may_stand_in_different_fields(app: App) -> None:
    tanaka = "田中 太郎 <tanaka@customer.test>"
    vpn = deliver(app, mail(subject="VPNが繋がりません", body="朝から。\n", sender=tanaka))
    printer = deliver(app, mail(subject="プリンタ故障", body="至急。\n", sender=tanaka))
    other = deliver(app, mail(subject="VPN遅い", sender="鈴木 <suzuki@customer.test>"))
    quote = deliver(app, _with_file(tanaka, "お願い", "見積書.pdf", "<q1@customer.test>"))
    assert _find(app, "田中 VPN") == [vpn.ticket_id]  # a name of two: no trigram
    assert _find(app, "tanaka vpn") == [vpn.ticket_id]
    assert _find(app, "VPN 田中") == [vpn.ticket_id]  # in any order
    assert _find(app, "田中 太郎 プリンタ") == [printer.ticket_id]
    assert _find(app, "見積書 tanaka") == [quote.ticket_id]  # a file's name and a sender
    assert _find(app, "見積書 お願い") == [quote.ticket_id]  # a file's name and a subject
    assert _find(app, "鈴木 プリンタ") == []  # still every word, somewhere in the ticket
    assert _find(app, "VPN") == sorted([vpn.ticket_id, other.ticket_id], reverse=True)


def test_the_words_may_stand_in_different_messages_of_the_ticket(app: App) -> None:
    first = mail(
        subject="VPN down",
        body="Since this morning.\n",
        sender="Tanaka <tanaka@customer.test>",
        message_id="<v1@customer.test>",
    )
    t = deliver(app, first).ticket_id
    reply = mail(
        subject="Re: VPN down",
        body="Rebooting the router did not help.\n",
        sender="Sato <sato@customer.test>",
        message_id="<v2@customer.test>",
        in_reply_to="<v1@customer.test>",
    )
    assert deliver(app, reply).ticket_id == t
    assert _find(app, "tanaka router") == [t]
    assert _find(app, "sato morning") == [t]
    assert _find(app, "tanaka printer") == []


def test_a_search_across_fields_reads_an_index(app: App) -> None:
    """Every statement of a search whose words stand in different fields (one of them
    of two characters, below a trigram) is answered by an index, not a table read whole."""
    sender = "田中 太郎 <tanaka@customer.test>"
    deliver(app, _with_file(sender, "VPNの件", "見積書.pdf", "<p1@customer.test>"))
    recorder = _record([app.engine])
    seen = next(recorder)
    for query in ("田中 VPN", "tanaka 見積書 VPN", "見積書 至急", "VPN の"):
        _find(app, query)
    next(recorder, None)
    assert seen
    for statement, params in seen:
        assert _scans(app.engine, _plan(app.engine, statement, params)) == [], statement
