"""The search finds a ticket by who wrote in (the From's address or display name, as the
list's requester column and the ticket's messages show them) and by an attachment's
file name, not only by subject and text; on SQLite and PostgreSQL, through an index
that follows every write (SQLite triggers; PostgreSQL's trigram indexes on the tables)."""

from __future__ import annotations

from email.message import EmailMessage

from sqlalchemy import text

from gateway.runtime.app import App
from store import search
from store.db import transaction
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.test_query_plans import _plan, _record, _scans


def _find(app: App, query: str) -> list[int] | None:
    with transaction(app.sessions) as s:
        return search.matching_tickets(s, query)


def _with_file(sender: str, subject: str, filename: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "support@example.test"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{abs(hash(filename))}@customer.test>"
    msg["Date"] = "Mon, 02 Mar 2026 09:00:00 +0900"
    msg.set_content("添付をご確認ください。\n")
    msg.add_attachment(b"%PDF-1.4\n", maintype="application", subtype="pdf", filename=filename)
    return bytes(msg)


def test_a_ticket_is_found_by_who_wrote_it(app: App) -> None:
    kenji = deliver(
        app,
        mail(subject="見積の件", body="よろしく\n", sender="株式会社山田 <kenji@customer.test>"),
    ).ticket_id
    other = deliver(app, mail(subject="別件", sender="Alice Example <alice@customer.test>"))
    assert _find(app, "kenji@customer.test") == [kenji]
    assert _find(app, "kenji") == [kenji]  # a part of the address
    assert _find(app, "株式会社山田") == [kenji]
    assert _find(app, "㈱山田") == [kenji]  # the legal form written as the subject's words are
    assert _find(app, "KENJI@CUSTOMER.TEST") == [kenji]  # case-insensitive
    assert _find(app, "alice example") == [other.ticket_id]  # every term, in one sender
    assert _find(app, "customer.test") == sorted([kenji, other.ticket_id], reverse=True)
    assert _find(app, "kenji alice") == []


def test_a_ticket_is_found_by_an_attachments_file_name(app: App) -> None:
    filed = deliver(app, _with_file("a@customer.test", "書類", "見積書_2026-03.pdf")).ticket_id
    deliver(app, _with_file("b@customer.test", "書類", "invoice.pdf"))
    assert _find(app, "見積書") == [filed]
    assert _find(app, "2026-03.pdf") == [filed]
    assert _find(app, "見積書 pdf") == [filed]  # every term, in one file's name
    assert _find(app, "見積書 invoice") == []


def test_the_people_and_files_index_follows_updates_and_deletes(app: App) -> None:
    t = deliver(app, _with_file("Taro <kenji@customer.test>", "書類", "report.pdf")).ticket_id
    with transaction(app.sessions) as s:
        s.execute(text("UPDATE messages SET from_name = 'Hanako' WHERE ticket_id = :t"), {"t": t})
        s.execute(text("UPDATE attachments SET filename = 'summary.pdf'"))
    assert _find(app, "kenji@") == [t]
    assert _find(app, "Hanako") == [t] and _find(app, "Taro") == []
    assert _find(app, "summary.pdf") == [t] and _find(app, "report.pdf") == []
    with transaction(app.sessions) as s:
        s.execute(text("DELETE FROM attachments"))
        s.execute(text("DELETE FROM messages WHERE ticket_id = :t"), {"t": t})
    assert _find(app, "summary.pdf") == [] and _find(app, "Hanako") == []


def test_the_search_by_sender_and_file_reads_an_index(app: App) -> None:
    """No statement of a search by sender or file name (terms of three characters or
    more) reads a growing table whole (tests/test_query_plans.py's rule)."""
    deliver(app, _with_file("株式会社山田 <kenji@customer.test>", "書類", "見積書.pdf"))
    recorder = _record([app.engine])
    seen = next(recorder)
    for query in ("kenji@customer.test", "株式会社山田", "見積書.pdf", "kenji 見積書"):
        _find(app, query)
    next(recorder, None)
    assert seen
    for statement, params in seen:
        assert _scans(app.engine, _plan(app.engine, statement, params)) == [], statement
