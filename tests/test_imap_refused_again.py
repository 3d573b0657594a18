"""A refused password is not sent again and again: a directory would lock the account.

The support mailbox is often an account of the company's directory (Active Directory
behind Exchange, an ISP's LDAP), which locks an account after a few failed logins
(5 in 30 minutes is a common policy) for every client, people included. The poller
retried a refused login with its backoff (2 s, doubling up to 5 minutes): 6 refused
logins in its first minute, and the support mailbox locked for everyone. Now the
secret that was refused is read again at each try but sent again only once it has
changed (a rotated password, a fresh token) or after an hour; the problem stays said.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.core.clock import FakeClock
from gateway.receive.imap import ImapPoller
from gateway.receive.imap.refused_login import SAME_SECRET_AGAIN, lasting
from gateway.runtime.app import App
from tests.support.databases import sqlite_only
from tests.support.dovecot import PASSWORD, Certs, Dovecot
from tests.support.mails import mail
from tests.support.pipeline import inbox_rows
from tests.support.polling import running
from tests.support.waiting import eventually


@pytest.fixture
def server(dovecot_certs: Certs) -> Iterator[Dovecot]:
    """A server of this test's own: Dovecot slows down logins from an IP after a failure."""
    server = Dovecot(dovecot_certs)
    server.start()
    yield server
    server.destroy()


def refused_logins(server: Dovecot, user: str) -> int:
    """The logins the server refused for ``user``, as its log says them."""
    return len(re.findall(rf"auth failed, \d+ attempts.*user=<{re.escape(user)}>", server.log))


@sqlite_only
def test_a_refused_password_is_sent_again_only_once_changed_or_after_an_hour(
    app: App, server: Dovecot, tmp_path: Path
) -> None:
    clock: FakeClock = app.clock  # type: ignore[assignment]
    user = server.add_user()
    with server.client(user) as c:
        c.append("INBOX", mail("waiting"))
    secret = tmp_path / "password"
    secret.write_text("the old password\n")
    account = server.account(user, password_file=secret)
    p = ImapPoller(account, app.settings, app.sessions, app.clock)
    with running(p):
        assert eventually(lambda: p.status.failures >= 6)
        assert eventually(lambda: refused_logins(server, user) == 1)
        assert str(p.status.last_problem).startswith(f"login as '{user}' refused by ")
        clock.advance(SAME_SECRET_AGAIN - timedelta(seconds=1))
        failures = p.status.failures
        assert eventually(lambda: p.status.failures >= failures + 2)
        assert refused_logins(server, user) == 1
        clock.advance(timedelta(seconds=1))  # an hour on: tried again, once
        assert eventually(lambda: refused_logins(server, user) == 2)
        failures = p.status.failures
        assert eventually(lambda: p.status.failures >= failures + 3)
        assert refused_logins(server, user) == 2
        secret.write_text(PASSWORD + "\n")  # the password rotated in the file
        assert eventually(lambda: len(inbox_rows(app)) == 1, 30)
    assert refused_logins(server, user) == 2


@pytest.mark.parametrize(
    ("said", "verdict"),
    [
        ("[AUTHENTICATIONFAILED] Authentication failed.", True),  # Dovecot, Gmail
        ("AUTHENTICATE failed.", True),  # Microsoft 365: no code
        ("[UNAVAILABLE] Temporary authentication failure.", False),  # its directory down
        ("[INUSE] Mailbox in use", False),
    ],
)
def test_only_a_verdict_on_the_secret_holds_it_back(said: str, verdict: bool) -> None:
    """A server that cannot check the secret now (RFC 5530's UNAVAILABLE, INUSE) said
    nothing about it: the login is tried again with the backoff, not an hour later."""
    assert lasting(said) is verdict
