"""A NUL byte where the inbox keeps text does not make a message unstorable.

PostgreSQL's text columns cannot hold NUL (0x00), and SQLite's can, so on PostgreSQL a
message whose Message-ID had a NUL in it, a ``MAIL FROM`` with one, or an ``EHLO`` with
one (kept in ``source_ref``) failed its INSERT with ``DataError``: the listener answered
``451`` at every try until the sender gave up and bounced the mail (DESIGN.md: mail is
never bounced because of our own bug), and the same Message-ID in an IMAP folder or on
the MTA pipe (``ingest -``: 75 for ever) held that door up in the same way. The raw
bytes are kept as they came; the inbox's text columns have the NUL as U+FFFD (it went
missing there, and the README says U+FFFD, as PostgreSQL stores it everywhere else), and
the runner files the message like any other.
"""

from __future__ import annotations

from gateway.config.settings import Settings
from gateway.runtime.app import App
from tests.support.pipeline import inbox_raw, inbox_rows
from tests.support.smtp import listening, raw_session, smtp_settings

MESSAGE = (
    b"From: Alice <alice@customer.test>\r\nTo: support@example.test\r\n"
    b"Subject: printer\r\nMessage-ID: <a\x00b@customer.test>\r\n\r\nThe printer jams.\r\n"
)


def test_nul_in_message_id_envelope_and_helo_is_stored_and_filed(
    app: App, settings: Settings
) -> None:
    with listening(smtp_settings(settings), app.sessions, app.clock) as srv:
        replies = raw_session(
            srv.port,
            b"EHLO client\x00.test\r\nMAIL FROM:<al\x00ice@customer.test>\r\n"
            b"RCPT TO:<support@example.test>\r\nDATA\r\n" + MESSAGE + b".\r\nQUIT\r\n",
        )
    assert b"451" not in replies and b"250 2.0.0 OK: stored as inbox #" in replies, replies
    [row] = inbox_rows(app)
    assert inbox_raw(app, row.id) == MESSAGE  # the bytes as they came
    assert row.message_id == "a\ufffdb@customer.test"
    assert row.envelope_from == "al\ufffdice@customer.test"
    assert "client\ufffd.test" in row.source_ref
    [outcome] = app.runner.process_pending()
    assert outcome.state is not None and outcome.state.value == "done", outcome
