"""Every refusal the listener answers for good is a line in the log. A customer says
"my mail to support bounced" and forwards the bounce (``550 5.1.1``, ``552 5.3.4``): the
administrator searched the journal for the sender and found nothing, since only a
``451`` was logged. A 5xx given to a recipient, a sender or a message is now logged at
INFO with the peer, the envelope sender and the recipient; syntax errors of scanners
(``500``-``504``) stay quiet."""

from __future__ import annotations

import logging
import smtplib

import pytest

from gateway.config.settings import Settings
from gateway.runtime.app import App
from tests.support.mails import mail
from tests.support.smtp import listening, smtp_settings


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith("gateway.receive.smtp")]


def test_a_recipient_refused_and_a_message_too_big_are_logged(
    app: App, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    small = smtp_settings(settings, max_message_size=2000)
    with (
        listening(small, app.sessions, app.clock) as srv,
        caplog.at_level(logging.INFO, logger="gateway.receive.smtp"),
        smtplib.SMTP("127.0.0.1", srv.port) as client,
    ):
        client.ehlo("mx.customer.test")
        client.mail("yamada@customer.test")
        code, _ = client.rcpt("sales@example.test")
        assert code == 550
        client.rset()
        client.mail("suzuki@customer.test")
        client.rcpt("support@example.test")
        code, _ = client.data(mail(body="x" * 5000))
        assert code == 552
        client.rset()
        client.docmd("FROBNICATE")  # a scanner's noise: 500, not logged
    lines = _lines(caplog)
    # by the reply the line starts with: a client's port may hold "550" or "552" too
    [rcpt] = [line for line in lines if line.startswith("refused 550")]
    assert "yamada@customer.test" in rcpt and "sales@example.test" in rcpt, lines
    assert "mx.customer.test" in rcpt and "127.0.0.1" in rcpt, rcpt
    [big] = [line for line in lines if line.startswith("refused 552")]
    assert "suzuki@customer.test" in big and "support@example.test" in big, lines
    assert not [line for line in lines if " 500 " in line or line.startswith("500")], lines


def test_a_size_refused_on_mail_from_names_its_sender(
    app: App, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """An MTA that reads ``SIZE`` in the EHLO answer (Postfix, Exchange, every big one)
    declares the size on ``MAIL FROM``, and aiosmtpd refuses it there, before the sender
    is in the envelope: the line said ``from=-``, and the journal held nothing to find
    the bounce a customer forwarded by."""
    small = smtp_settings(settings, max_message_size=2000)
    with (
        listening(small, app.sessions, app.clock) as srv,
        caplog.at_level(logging.INFO, logger="gateway.receive.smtp"),
        smtplib.SMTP("127.0.0.1", srv.port) as client,
    ):
        client.ehlo("mx.customer.test")
        code, _ = client.mail("tanaka@customer.test", ["SIZE=5000"])
        assert code == 552
        code, _ = client.mail("ito@customer.test", ["SIZE=100"])  # the next try is its own
        assert code == 250
        client.rset()
        code, _ = client.mail("<>", ["SIZE=5000"])  # a bounce's null sender
        assert code == 552
    [first, bounce] = [line for line in _lines(caplog) if line.startswith("refused 552")]
    assert "from=tanaka@customer.test " in first and "to=-" in first, first
    assert "from=- " in bounce or "from=<> " in bounce, bounce
