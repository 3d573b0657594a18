"""An address that is not ASCII in the envelope needs SMTPUTF8 (RFC 6531 3.4): the
client must say ``SMTPUTF8`` on ``MAIL FROM``. The listener advertises it; with it such
a sender or recipient is taken as any other, without it ``553 5.6.7`` (RFC 6531 3.5,
RFC 5248), and the session goes on. It once took ``MAIL FROM:<田中@例え.jp>`` without
the parameter, as if the client had said it.

The message itself is not judged here: an 8-bit header without SMTPUTF8 or 8BITMIME
(a raw Shift_JIS subject) is people's mail, stored byte for byte as ever.
"""

from __future__ import annotations

import smtplib

import pytest

from gateway.config.settings import Settings
from gateway.runtime.app import App
from tests.support.databases import sqlite_only
from tests.support.mails import mail
from tests.support.pipeline import inbox_raw, inbox_rows
from tests.support.smtp import crlf, listening, raw_session, smtp_settings

NON_ASCII_SENDER = "田中@例え.jp"
NON_ASCII_OURS = "support+日本@example.test"  # a `+` variant of the gateway address: ours


def _codes(replies: bytes) -> list[bytes]:
    """The final reply line of each command, code and text (continuations dropped)."""
    return [line for line in replies.split(b"\r\n") if line and line[3:4] != b"-"]


@sqlite_only  # the listener's answer, not the database
@pytest.mark.parametrize("lmtp", [False, True])
def test_smtputf8_and_8bitmime_are_advertised(app: App, settings: Settings, lmtp: bool) -> None:
    with listening(smtp_settings(settings, lmtp=lmtp), app.sessions, app.clock) as srv:
        hello = b"LHLO" if lmtp else b"EHLO"
        replies = raw_session(srv.port, hello + b" client.test\r\nQUIT\r\n")
    assert b"250-SMTPUTF8" in replies or b"250 SMTPUTF8" in replies, replies
    assert b"8BITMIME" in replies, replies


@sqlite_only
@pytest.mark.parametrize("lmtp", [False, True])
def test_a_non_ascii_sender_without_smtputf8_gets_553_5_6_7_and_the_session_goes_on(
    app: App, settings: Settings, lmtp: bool
) -> None:
    hello = b"LHLO" if lmtp else b"EHLO"
    with listening(smtp_settings(settings, lmtp=lmtp), app.sessions, app.clock) as srv:
        replies = raw_session(
            srv.port,
            hello + b" client.test\r\n"
            b"MAIL FROM:<" + NON_ASCII_SENDER.encode() + b">\r\n"
            b"MAIL FROM:<alice@customer.test>\r\n"
            b"RSET\r\nQUIT\r\n",
        )
    lines = _codes(replies)
    assert [line[:3] for line in lines] == [b"220", b"250", b"553", b"250", b"250", b"221"]
    refusal = lines[2].decode()
    assert refusal.startswith("553 5.6.7 ") and "SMTPUTF8" in refusal, refusal
    assert not inbox_rows(app)


@sqlite_only
def test_a_non_ascii_recipient_without_smtputf8_gets_553_5_6_7_the_others_are_taken(
    app: App, settings: Settings
) -> None:
    with listening(smtp_settings(settings), app.sessions, app.clock) as srv:
        replies = raw_session(
            srv.port,
            b"EHLO client.test\r\n"
            b"MAIL FROM:<alice@customer.test>\r\n"
            b"RCPT TO:<" + NON_ASCII_OURS.encode() + b">\r\n"
            b"RCPT TO:<support@example.test>\r\n"
            b"DATA\r\n" + crlf(mail(subject="VPN")) + b".\r\n"
            b"QUIT\r\n",
        )
    lines = _codes(replies)
    assert [line[:3] for line in lines] == [
        b"220",
        b"250",
        b"250",
        b"553",
        b"250",
        b"354",
        b"250",
        b"221",
    ], replies
    assert lines[3].startswith(b"553 5.6.7 ") and b"SMTPUTF8" in lines[3]
    [row] = inbox_rows(app)
    assert row.envelope_to == ["support@example.test"]


def test_with_smtputf8_a_non_ascii_sender_and_recipient_are_taken_as_today(
    app: App, settings: Settings
) -> None:
    raw = crlf(mail(subject="VPN"))
    with (
        listening(smtp_settings(settings), app.sessions, app.clock) as srv,
        smtplib.SMTP("127.0.0.1", srv.port) as client,
    ):
        client.ehlo("client.test")
        assert client.has_extn("smtputf8")
        assert client.mail(NON_ASCII_SENDER, ["SMTPUTF8"])[0] == 250
        assert client.rcpt(NON_ASCII_OURS)[0] == 250
        code, _ = client.data(raw)
    assert code == 250
    [row] = inbox_rows(app)
    assert row.envelope_from == NON_ASCII_SENDER
    assert row.envelope_to == [NON_ASCII_OURS]
    assert inbox_raw(app, row.id) == raw


@sqlite_only
def test_smtputf8_holds_for_one_transaction_only(app: App, settings: Settings) -> None:
    """After RSET (or a message) a new MAIL without the parameter has not said it."""
    with listening(smtp_settings(settings), app.sessions, app.clock) as srv:
        replies = raw_session(
            srv.port,
            b"EHLO client.test\r\n"
            b"MAIL FROM:<alice@customer.test> SMTPUTF8\r\n"
            b"RSET\r\n"
            b"MAIL FROM:<alice@customer.test>\r\n"
            b"RCPT TO:<" + NON_ASCII_OURS.encode() + b">\r\n"
            b"QUIT\r\n",
        )
    assert [line[:3] for line in _codes(replies)] == [
        b"220",
        b"250",
        b"250",
        b"250",
        b"250",
        b"553",
        b"221",
    ], replies


def test_an_8bit_header_without_smtputf8_or_8bitmime_is_stored_byte_for_byte(
    app: App, settings: Settings
) -> None:
    """A raw Shift_JIS subject from an old client: people's mail, kept as it came."""
    raw = (
        b"From: alice@customer.test\r\nTo: support@example.test\r\n"
        b"Subject: " + "VPNが繋がりません".encode("shift_jis") + b"\r\n"
        b"Message-ID: <sjis-1@customer.test>\r\n\r\n"
        + "接続できません。".encode("shift_jis")
        + b"\r\n"
    )
    with listening(smtp_settings(settings), app.sessions, app.clock) as srv:
        replies = raw_session(
            srv.port,
            b"EHLO client.test\r\nMAIL FROM:<alice@customer.test>\r\n"
            b"RCPT TO:<support@example.test>\r\nDATA\r\n" + raw + b".\r\nQUIT\r\n",
        )
    assert [line[:3] for line in _codes(replies)] == [
        b"220",
        b"250",
        b"250",
        b"250",
        b"354",
        b"250",
        b"221",
    ], replies
    [row] = inbox_rows(app)
    assert inbox_raw(app, row.id) == raw
