"""Envelope inputs a sender may try, on the wire against the real listener: an address
with a control character (a NUL was stored with the NUL taken out, so the row named
a sender nobody wrote), and more sessions than ``max_sessions``, where the one turned
away is told the system is busy (``421 4.3.2``, RFC 3463's "not accepting network
messages") and loses nothing when it comes back."""

from __future__ import annotations

import smtplib

import pytest

from gateway.config.settings import Settings
from gateway.receive.smtp.policy import has_control_character
from gateway.runtime.app import App
from tests.support.databases import sqlite_only
from tests.support.pipeline import inbox_rows
from tests.support.smtp import listening, raw_session, smtp_settings


@pytest.mark.parametrize(
    ("address", "bad"),
    [
        ("a@b\x00.test", True),
        ("a\x01b@customer.test", True),
        ("a@customer.test\x7f", True),
        ("a\tb@customer.test", True),
        ('"john doe"@customer.test', False),
        ("田中@例え.jp", False),
        ("<>", False),
    ],
)
def test_has_control_character(address: str, bad: bool) -> None:
    assert has_control_character(address) is bad


@sqlite_only
def test_an_address_with_a_control_character_is_refused_and_the_session_goes_on(
    app: App, settings: Settings
) -> None:
    wire = (
        b"EHLO client.test\r\n"
        b"MAIL FROM:<a@b\x00.test>\r\n"
        b"MAIL FROM:<a@customer.test>\r\n"
        b"RCPT TO:<support\x00@example.test>\r\n"
        b"RCPT TO:<support@example.test>\r\n"
        b"DATA\r\nSubject: x\r\n\r\nhi\r\n.\r\n"
        b"QUIT\r\n"
    )
    with listening(smtp_settings(settings), app.sessions, app.clock) as srv:
        replies = raw_session(srv.port, wire).decode().splitlines()
    answers = [r for r in replies if not r.startswith(("220 ", "250-", "250 HELP"))]
    assert answers[:4] == [
        "501 5.1.7 Bad sender address syntax",
        "250 2.1.0 OK",
        "501 5.1.3 Bad recipient address syntax",
        "250 2.1.5 OK",
    ]
    [row] = inbox_rows(app)
    assert (row.envelope_from, row.envelope_to) == ("a@customer.test", ["support@example.test"])


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
