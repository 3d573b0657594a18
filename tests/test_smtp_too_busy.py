"""More sessions than ``max_sessions``, on the wire against the real listener: the one
turned away is told the system is busy (``421 4.3.2``, RFC 3463's "not accepting
network messages"), and loses nothing when it comes back."""

from __future__ import annotations

import smtplib

import pytest

from gateway.config.settings import Settings
from gateway.runtime.app import App
from tests.support.databases import sqlite_only
from tests.support.pipeline import inbox_rows
from tests.support.smtp import listening, smtp_settings


@sqlite_only
def test_one_session_too_many_is_told_421_4_3_2_and_loses_nothing_when_it_retries(
    app: App, settings: Settings
) -> None:
    with listening(smtp_settings(settings, max_sessions=2), app.sessions, app.clock) as srv:
        held = [smtplib.SMTP("127.0.0.1", srv.port) for _ in range(2)]
        for client in held:
            client.ehlo("client.test")
            client.mail("a@customer.test")
            client.rcpt("support@example.test")
        with pytest.raises(smtplib.SMTPConnectError) as refused:
            smtplib.SMTP("127.0.0.1", srv.port)
        assert (refused.value.smtp_code, refused.value.smtp_error) == (
            421,
            b"4.3.2 Too many connections, try again later",
        )
        for n, client in enumerate(held):
            assert client.data(f"Subject: held {n}\r\n\r\nx\r\n".encode())[0] == 250
            client.quit()
        with smtplib.SMTP("127.0.0.1", srv.port) as again:  # the sender's retry
            again.sendmail("a@customer.test", ["support@example.test"], b"Subject: late\r\n\r\n")
    assert len(inbox_rows(app)) == 3
