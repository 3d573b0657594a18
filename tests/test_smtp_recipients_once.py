"""One recipient named twice in one SMTP/LMTP transaction is one recipient.

``RCPT TO:<Support@Example.test>`` and ``RCPT TO:<support@example.test>`` (or the
domain with its final dot, ``example.test.``, as a resolver writes a name that is
absolute) are the same mailbox, as the gateway compares addresses (lower case, the
domain in its IDNA form: :mod:`gateway.config.addresses`). The inbox row's
``envelope_to`` held both, so everything that reads it saw two recipients. LMTP
still answers each accepted RCPT (RFC 2033 4.2), however many are the same.
Against a real aiosmtpd listener and ``smtplib``.
"""

from __future__ import annotations

import smtplib

import pytest

from gateway.config.settings import Settings
from gateway.receive.smtp.policy import distinct_recipients
from gateway.runtime.app import App
from tests.support.mails import mail
from tests.support.pipeline import inbox_rows
from tests.support.smtp import listening, smtp_settings


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        (["Support@Example.test", "support@example.test"], ["Support@Example.test"]),
        (["support@example.test", "support@EXAMPLE.TEST"], ["support@example.test"]),
        (["support@example.test.", "support@example.test"], ["support@example.test."]),
        (["support@example.test", "support@example.test."], ["support@example.test"]),
        (
            ["help@example.test", "support@example.test"],
            ["help@example.test", "support@example.test"],
        ),
        (["support@例え.jp", "SUPPORT@xn--r8jz45g.jp"], ["support@例え.jp"]),  # IDNA
        (["postmaster", "POSTMASTER"], ["postmaster"]),
        (
            ["support+1-0123456789abcdef@example.test", "support@example.test"],
            ["support+1-0123456789abcdef@example.test", "support@example.test"],
        ),
    ],
)
def test_distinct_recipients(given: list[str], kept: list[str]) -> None:
    assert list(distinct_recipients(given)) == kept


def test_the_same_recipient_twice_is_stored_once(app: App, settings: Settings) -> None:
    cfg = smtp_settings(settings, aliases=("help@example.test",))
    with (
        listening(cfg, app.sessions, app.clock) as srv,
        smtplib.SMTP("127.0.0.1", srv.port) as client,
    ):
        client.ehlo("client.test")
        client.mail("alice@customer.test")
        for rcpt in (
            "Support@Example.test",
            "support@example.test",
            "help@example.test",
            "HELP@EXAMPLE.test",
        ):
            assert client.rcpt(rcpt)[0] == 250, rcpt
        assert client.data(mail())[0] == 250
    [row] = inbox_rows(app)
    assert row.envelope_to == ["Support@Example.test", "help@example.test"]
    [outcome] = app.runner.process_pending()
    assert outcome.ticket_id is not None


def test_a_final_dot_never_makes_a_second_form(app: App, settings: Settings) -> None:
    """aiosmtpd refuses ``support@example.test.`` as a malformed path (RFC 5321's Domain
    has no final dot): it never reaches the row beside ``support@example.test``."""
    with (
        listening(smtp_settings(settings), app.sessions, app.clock) as srv,
        smtplib.SMTP("127.0.0.1", srv.port) as client,
    ):
        client.ehlo("client.test")
        client.mail("alice@customer.test")
        assert client.rcpt("support@example.test")[0] == 250
        assert client.rcpt("support@example.test.")[0] == 553
        assert client.data(mail())[0] == 250
    [row] = inbox_rows(app)
    assert row.envelope_to == ["support@example.test"]


def test_lmtp_answers_each_rcpt_and_stores_the_recipient_once(app: App, settings: Settings) -> None:
    cfg = smtp_settings(settings, lmtp=True)
    with listening(cfg, app.sessions, app.clock) as srv:
        client = smtplib.LMTP("127.0.0.1", srv.port)
        try:
            client.ehlo_or_helo_if_needed()
            client.mail("a@customer.test")
            assert client.rcpt("Support@X.test")[0] == 550  # not ours: no reply at DATA
            assert client.rcpt("Support@Example.test")[0] == 250
            assert client.rcpt("support@example.test")[0] == 250
            first = client.data(mail())
            second = client.getreply()
            assert first[0] == second[0] == 250
            assert client.noop() == (250, b"2.0.0 OK")  # no third reply was waiting
        finally:
            client.quit()
    [row] = inbox_rows(app)
    assert row.envelope_to == ["Support@Example.test"]


IDN = "例え.jp"
IDN_ASCII = "xn--r8jz45g.jp"  # how the config keeps it (gateway.config.addresses)


def test_an_alias_at_an_idn_domain_is_ours_in_either_form(app: App, settings: Settings) -> None:
    """With SMTPUTF8 a client may write the domain as its owner reads it (``例え.jp``);
    the config keeps its IDNA form, and the site compares addresses so: the same
    mailbox, accepted, stored once, in the form every other part of the gateway reads."""
    cfg = smtp_settings(settings, aliases=(f"help@{IDN_ASCII}",))
    with (
        listening(cfg, app.sessions, app.clock) as srv,
        smtplib.SMTP("127.0.0.1", srv.port) as client,
    ):
        client.ehlo("client.test")
        assert client.mail("alice@customer.test", ["SMTPUTF8"])[0] == 250
        assert client.rcpt(f"help@{IDN}")[0] == 250
        assert client.rcpt(f"Help@{IDN_ASCII}")[0] == 250
        assert client.rcpt(f"postmaster@{IDN}")[0] == 250
        assert client.rcpt(f"nobody@{IDN}")[0] == 550
        assert client.data(mail())[0] == 250
    [row] = inbox_rows(app)
    assert row.envelope_to == [f"help@{IDN_ASCII}", f"postmaster@{IDN_ASCII}"]
