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


_AS_THE_DAEMON_LOGS = """
import argparse, logging, sys
from aiosmtpd.smtp import log as library
from gateway.runtime.cli import main, run
main._configure_logging(argparse.Namespace(verbose=sys.argv[1] == "1", handler=run.cmd_run))
library.warning("%r unrecognised: %s", ("192.0.2.7", 40112), "GET")
library.warning("%r too many bogus commands", ("192.0.2.7", 40112))
logging.getLogger("gateway.receive.smtp").info("refused 550 5.1.1 …: from=a@b.test")
library.error("%r SMTP session exception", ("192.0.2.7", 40112))
"""


@pytest.mark.parametrize("verbose", [False, True])
def test_the_daemons_log_has_no_line_for_a_scanners_noise(verbose: bool) -> None:
    """aiosmtpd says each unknown command (an HTTP probe's ``GET``, a scan's garbage) as
    a WARNING of its own logger, which the daemon let through: a scan filled the
    journal, where the README says a scanner's garbled commands are not logged.
    Refusals of someone's mail, and a session's exception, still are; ``--verbose``
    shows everything."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _AS_THE_DAEMON_LOGS, "1" if verbose else "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    said = done.stderr
    assert "refused 550" in said and "SMTP session exception" in said, said
    assert ("unrecognised: GET" in said) is verbose, said
    assert ("too many bogus commands" in said) is verbose, said
