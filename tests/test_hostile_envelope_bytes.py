"""Bytes that are not UTF-8 in EHLO, MAIL FROM or RCPT TO do not make a message unstorable.

aiosmtpd decodes a command line with ``surrogateescape``, so a byte such as 0xFF in
the EHLO name (kept in ``source_ref``) or in an envelope address reached the inbox
as a lone surrogate, which neither SQLite's nor PostgreSQL's driver can encode: the
INSERT raised ``UnicodeEncodeError`` at every try, the listener answered ``451``
each time, and the sender bounced the mail days later (DESIGN.md: mail is never
bounced because of our own bug). The raw bytes are kept as they came; the inbox's
text columns hold the undecodable bytes as U+FFFD, and the runner files the message.
"""

from __future__ import annotations

import pytest

from gateway.config.settings import Settings
from gateway.runtime.app import App
from tests.support.pipeline import inbox_raw, inbox_rows
from tests.support.smtp import listening, raw_session, smtp_settings

MESSAGE = b"From: alice@customer.test\r\nSubject: printer\r\n\r\nThe printer jams.\r\n"


@pytest.mark.parametrize(
    ("helo", "sender", "recipient"),
    [
        (b"client\xfe.test", b"a@customer.test", b"support@example.test"),
        (b"client.test", b"al\xffice@customer.test", b"support@example.test"),
        (b"client.test", b"a@customer.test", b"support+\xe9\xff@example.test"),
    ],
    ids=["ehlo", "mail-from", "rcpt-to"],
)
def test_undecodable_envelope_bytes_are_stored_and_filed(
    app: App, settings: Settings, helo: bytes, sender: bytes, recipient: bytes
) -> None:
    with listening(smtp_settings(settings), app.sessions, app.clock) as srv:
        replies = raw_session(
            srv.port,
            b"EHLO "
            + helo
            + b"\r\nMAIL FROM:<"
            + sender
            # 8-bit addresses need SMTPUTF8 (RFC 6531; without it: 553 5.6.7, the test below)
            + b"> SMTPUTF8\r\nRCPT TO:<"
            + recipient
            + b">\r\nDATA\r\n"
            + MESSAGE
            + b".\r\nQUIT\r\n",
        )
    assert b"451" not in replies and b"250 2.0.0 OK: stored as inbox #" in replies, replies
    [row] = inbox_rows(app)
    assert inbox_raw(app, row.id) == MESSAGE
    texts = [row.source_ref, row.envelope_from or "", *row.envelope_to]
    for text in texts:
        text.encode("utf-8")  # no lone surrogate left: what every driver can store
    assert any("\ufffd" in t for t in texts)  # the undecodable byte is marked, not dropped
    [outcome] = app.runner.process_pending()
    assert outcome.state is not None and outcome.state.value == "done", outcome


@pytest.mark.parametrize(
    ("sender", "recipient"),
    [
        (b"al\xffice@customer.test", b"support@example.test"),
        (b"a@customer.test", b"support+\xe9\xff@example.test"),
    ],
    ids=["mail-from", "rcpt-to"],
)
def test_undecodable_envelope_bytes_without_smtputf8_are_refused_for_good(
    app: App, settings: Settings, sender: bytes, recipient: bytes
) -> None:
    """Without SMTPUTF8 an 8-bit address is the client's error, said at once (553), never
    a 451 the sender retries for days; nothing is stored."""
    with listening(smtp_settings(settings), app.sessions, app.clock) as srv:
        replies = raw_session(
            srv.port,
            b"EHLO client.test\r\nMAIL FROM:<"
            + sender
            + b">\r\nRCPT TO:<"
            + recipient
            + b">\r\nDATA\r\n"
            + MESSAGE
            + b".\r\nQUIT\r\n",
        )
    assert b"553 5.6.7" in replies and b"451" not in replies, replies
    assert b"stored as inbox" not in replies, replies
    assert inbox_rows(app) == []
