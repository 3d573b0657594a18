"""The TLS mode that does not fit the port, the commonest slip when a mailbox is set
up (a provider's page lists 143 and 993 side by side), against the real Dovecot.

``tls = "implicit"`` on the STARTTLS port was said as "TLS with …:143 failed: the TLS
handshake failed (WRONG_VERSION_NUMBER)", and ``tls = "starttls"`` on the port of
implicit TLS as "…:993 did not answer within 30s": neither said which setting to
change. Both now do; nothing is sent in plain text either way.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from gateway.core.i18n import translate
from gateway.receive.imap import ImapError, ImapPoller
from gateway.runtime.app import App
from tests.support.databases import sqlite_only
from tests.support.dovecot import Dovecot


def refusal(app: App, dovecot: Dovecot, tls: str, port: int) -> ImapError:
    account = dovecot.account(dovecot.add_user(), tls=tls, port=port, timeout=timedelta(seconds=1))
    with pytest.raises(ImapError) as refused:
        ImapPoller(account, app.settings, app.sessions, app.clock).poll_once()
    return refused.value


@sqlite_only
def test_implicit_tls_on_a_starttls_port_says_to_set_starttls(app: App, dovecot: Dovecot) -> None:
    error = refusal(app, dovecot, "implicit", dovecot.imap_port)
    where = f"127.0.0.1:{dovecot.imap_port}"
    assert str(error) == (
        f"{where} answered in plain text, not TLS: it is a port for STARTTLS (as 143); "
        'set tls = "starttls", or port to the server\'s port of implicit TLS (as 993)'
    )
    assert 'tls = "starttls"' in translate(error.message, "ja")


@sqlite_only
def test_starttls_on_an_implicit_tls_port_says_to_set_implicit(app: App, dovecot: Dovecot) -> None:
    error = refusal(app, dovecot, "starttls", dovecot.imaps_port)
    where = f"127.0.0.1:{dovecot.imaps_port}"
    assert str(error) == (
        f"{where} sent no greeting within 1s: if it is a port of implicit TLS (as 993), "
        'set tls = "implicit", or port to the server\'s port for STARTTLS (as 143)'
    )
    assert 'tls = "implicit"' in translate(error.message, "ja")
