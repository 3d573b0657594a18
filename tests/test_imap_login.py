"""A mailbox password that is not ASCII logs in, as it does in any mail client.

imaplib sends LOGIN's arguments as ASCII and raises ``UnicodeEncodeError`` for anything
else, so a mailbox whose password held ``ä``, ``€`` or a Japanese character could never
be read: the poller logged "unexpected UnicodeEncodeError" with a traceback at every
retry. Such a password goes by ``AUTHENTICATE PLAIN``, which carries UTF-8 (RFC 4616).
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from imapclient import IMAPClient

from gateway.receive.imap import ImapError, ImapPoller
from gateway.runtime.app import App
from tests.support.databases import sqlite_only
from tests.support.dovecot import Certs, Dovecot
from tests.support.mails import mail
from tests.support.pipeline import inbox_rows

USER, SECRET = "utf8-password-user", "Pässwört€日本語 2026"


@pytest.fixture
def server(dovecot_certs: Certs) -> Iterator[Dovecot]:
    """A server of this test's own, with one user whose password is not ASCII."""
    server = Dovecot(dovecot_certs)
    with (server.root / "passwd").open("a", encoding="utf-8") as users:
        users.write(f"{USER}:{{PLAIN}}{SECRET}::::::\n")
    server.start()
    yield server
    server.destroy()


@sqlite_only
def test_a_password_that_is_not_ascii_logs_in(app: App, server: Dovecot, tmp_path: Path) -> None:
    context = ssl.create_default_context(cafile=str(server.certs.ca))
    with IMAPClient("127.0.0.1", server.imaps_port, ssl=True, ssl_context=context) as person:
        person.plain_login(USER, SECRET)  # the user's own mail client
        person.append("INBOX", mail("über den Drucker"))
    secret = tmp_path / "password"
    secret.write_text(SECRET + "\n", encoding="utf-8")
    account = server.account(USER, password_file=secret)
    with ImapPoller(account, app.settings, app.sessions, app.clock) as p:
        assert p.poll_once() == 1
    assert len(inbox_rows(app)) == 1


@sqlite_only
def test_a_password_file_saved_by_notepad_logs_in(
    app: App, server: Dovecot, tmp_path: Path
) -> None:
    """A leading UTF-8 byte-order mark (Windows Notepad) is not part of the password."""
    context = ssl.create_default_context(cafile=str(server.certs.ca))
    with IMAPClient("127.0.0.1", server.imaps_port, ssl=True, ssl_context=context) as person:
        person.plain_login(USER, SECRET)
        person.append("INBOX", mail("über den Drucker"))
    secret = tmp_path / "password"
    secret.write_bytes(b"\xef\xbb\xbf" + SECRET.encode() + b"\r\n")
    account = server.account(USER, password_file=secret)
    with ImapPoller(account, app.settings, app.sessions, app.clock) as p:
        assert p.poll_once() == 1


@sqlite_only
def test_a_wrong_password_that_is_not_ascii_is_a_refused_login(
    app: App, server: Dovecot, tmp_path: Path
) -> None:
    wrong = tmp_path / "wrong"
    wrong.write_text("Pässwort falsch\n", encoding="utf-8")
    with pytest.raises(ImapError, match=rf"login as '{USER}' refused by 127\.0\.0\.1:\d+"):
        ImapPoller(
            server.account(USER, password_file=wrong), app.settings, app.sessions, app.clock
        ).poll_once()
