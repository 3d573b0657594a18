"""A mail server with a self-signed certificate (a small office's own server, an
appliance), against a private Dovecot serving one.

It is refused unless configured: no setting turns verification off. The refusal said
"set ca_file to the CA that signed it", but a self-signed certificate has no CA
apart from itself: the operator is told to set ca_file to a copy of that certificate
(checked with the server's administrator), and with it the mailbox is read.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.core.i18n import translate
from gateway.receive.imap import ImapError, ImapPoller
from gateway.runtime.app import App
from tests.support.databases import sqlite_only
from tests.support.dovecot import Certs, Dovecot
from tests.support.mails import mail
from tests.support.pipeline import inbox_rows


@pytest.fixture
def self_signed(tmp_path: Path) -> Iterator[Dovecot]:
    """A Dovecot whose certificate signed itself (CA:FALSE, as appliances make them)."""
    cert, key = tmp_path / "self.crt", tmp_path / "self.key"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt"),
            *("ec_paramgen_curve:prime256v1", "-nodes", "-days", "3"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=mail.office.test"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
            *("-addext", "basicConstraints=critical,CA:FALSE"),
        ],
        check=True,
        capture_output=True,
    )
    server = Dovecot(Certs(cert, cert, cert, key))
    server.start()
    yield server
    server.destroy()


@sqlite_only
def test_a_self_signed_certificate_is_refused_with_what_to_set_then_read(
    app: App, self_signed: Dovecot
) -> None:
    user = self_signed.add_user()
    with self_signed.client(user) as c:
        c.append("INBOX", mail("from the office server"))
    refused_account = self_signed.account(user, ca_file=None)
    with pytest.raises(ImapError) as refused:
        ImapPoller(refused_account, app.settings, app.sessions, app.clock).poll_once()
    where = f"127.0.0.1:{refused_account.port}"
    assert str(refused.value) == (
        f"TLS certificate of {where} is self-signed and not trusted; set ca_file to a copy "
        "of that certificate (check its fingerprint with the server's administrator)"
    )
    assert "ca_file" in translate(refused.value.message, "ja")
    assert inbox_rows(app) == []

    trusted = self_signed.account(user, ca_file=self_signed.certs.cert)
    with ImapPoller(trusted, app.settings, app.sessions, app.clock) as p:
        assert p.poll_once() == 1
