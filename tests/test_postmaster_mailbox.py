"""Mail to ``postmaster`` that reaches the support mailbox by an alias, read without an
envelope (the IMAP poller, ``ingest``): kept for the administrator, as over SMTP.

A site whose mail system delivers ``postmaster@`` into the support mailbox (an alias)
hands the poller, or the MTA's pipe to ``ingest``, no envelope: only the delivering
server's note of it is left, ``X-Original-To: postmaster@…`` (Postfix, before the
alias), ``Envelope-To`` (Exim), ``Delivered-To`` (Dovecot's LMTP, when postmaster is
the mailbox's own address). The mailbox's own address beside it (``Delivered-To:
support@…``, where the alias led) says where it went, not to whom it was sent. Sent to
the support address as well (To or Cc names it), it is a request, as ever.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.runner.early import POSTMASTER_KEPT
from gateway.runtime.app import App
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.databases import sqlite_only
from tests.support.dovecot import Dovecot
from tests.support.mails import mail
from tests.support.pipeline import all_tickets, deliver, inbox_rows, outbox
from tests.test_imap_trouble import append, poller

# the headers the delivering server wrote: (name, value) from the top
ALIASED = (("Delivered-To", "support@example.test"), ("X-Original-To", "postmaster@example.test"))
NOTES: dict[str, tuple[tuple[str, str], ...]] = {
    "postfix alias": ALIASED,  # Postfix, postmaster@ an alias of the support mailbox
    "exim": (("Envelope-To", "postmaster@example.test"),),  # Exim's envelope_to_add
    "lmtp": (("Delivered-To", "Postmaster@Example.test"),),  # Dovecot LMTP, as given
}


def _note(notes: tuple[tuple[str, str], ...], *, to: str = "postmaster@example.test") -> bytes:
    """Another site's administrator writing to our postmaster, as the mailbox holds it
    (a person's mail: a ticket, were it not for postmaster)."""
    raw = mail(
        subject="Your server sends us spam",
        body="Hello,\nsince this morning your server sends us spam.\n",
        sender="Bob Admin <hostmaster@other.test>",
        to=to,
    )
    head = "".join(f"{name}: {value}\r\n" for name, value in notes).encode()
    return head + raw


@pytest.mark.parametrize("source", ["imap", "ingest"])
@pytest.mark.parametrize("notes", sorted(NOTES))
def test_mail_to_postmaster_in_the_mailbox_is_kept_never_a_ticket(
    app: App, source: str, notes: str
) -> None:
    outcome = deliver(app, _note(NOTES[notes]), source=source)
    assert outcome.ticket_id is None and outcome.state is not None
    assert outcome.state.value == "ignored" and "to postmaster" in outcome.reason
    assert all_tickets(app) == [] and outbox(app) == []


@pytest.mark.parametrize("source", ["imap", "ingest"])
def test_mail_to_postmaster_and_the_support_address_is_a_request(app: App, source: str) -> None:
    raw = _note(ALIASED, to="support@example.test, postmaster@example.test")
    outcome = deliver(app, raw, source=source)
    assert outcome.ticket_id is not None


@pytest.mark.parametrize("source", ["imap", "ingest"])
def test_mail_to_the_support_address_alone_is_a_request(app: App, source: str) -> None:
    notes = (("Delivered-To", "support@example.test"), ("X-Original-To", "support@example.test"))
    raw = mail(headers=dict(notes))
    assert deliver(app, raw, source=source).ticket_id is not None


def test_ingest_keeps_mail_to_postmaster_for_the_administrator(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The MTA's pipe, through the command itself."""
    config = write_config(tmp_path, url=db_url, secret_file=True)
    (tmp_path / "bounce.eml").write_bytes(_note(ALIASED))
    code, out, _ = run(config, "ingest", str(tmp_path / "bounce.eml"), capsys=capsys)
    assert code == 0, out
    assert "to postmaster" in out
    code, listing, _ = run(config, "tickets", "list", "--json", capsys=capsys)
    assert listing.strip() == "[]"


@sqlite_only
def test_the_imap_poller_keeps_mail_to_postmaster_and_files_the_request(
    app: App, dovecot: Dovecot
) -> None:
    """Over a real Dovecot: the aliased postmaster mail and a customer's request in the
    same mailbox, fetched with no envelope."""
    user = dovecot.add_user()
    request = mail(headers={"Delivered-To": "support@example.test"})
    append(dovecot, user, _note(ALIASED), request)
    with poller(app, dovecot.account(user)) as p:
        assert p.poll_once() == 2
    outcomes = app.runner.process_pending()
    assert [o.ticket_id is not None for o in outcomes] == [False, True]
    rows = inbox_rows(app)
    assert [(r.source, r.envelope_to, r.state) for r in rows] == [
        ("imap", [], "ignored"),
        ("imap", [], "done"),
    ]
    assert rows[0].reason == POSTMASTER_KEPT
    assert [t["requester"] for t in all_tickets(app)] == ["alice@customer.test"]
