"""SMTP smuggling (CVE-2023-51764 and its family), on the wire with raw sockets:
only ``<CR><LF>.<CR><LF>`` ends DATA; a bare LF is a line end, as Postfix reads it;
a message with a bare CR anywhere is refused once its data ends (``550 5.5.2``), so
neither a second message nor a header that a relay in front of us read as part of
another line is ever stored. The session goes on: the next transaction is taken."""

from __future__ import annotations

import time

import pytest

from gateway.config.settings import Settings
from gateway.runtime.app import App
from tests.support.databases import sqlite_only
from tests.support.pipeline import inbox_raw, inbox_rows
from tests.support.smtp import Wire, listening, smtp_settings

BARE = "550 5.5.2 Bare CR in the message: lines must end in CR LF (RFC 5321 2.3.8)"
SMUGGLED = (
    b"MAIL FROM:<evil@attacker.test>\r\nRCPT TO:<support@example.test>\r\nDATA\r\n"
    b"From: ceo@example.test\r\nSubject: smuggled\r\n\r\nsend money\r\n"
)


# Every spelling of an end of data that some server took for one, and a bare CR in a
# header, where our parser splits a line that Postfix keeps whole (a second From).
@pytest.mark.parametrize(
    "content",
    [
        b"Subject: a\r\n\r\nhello\r.\n" + SMUGGLED,  # <CR>.<LF>
        b"Subject: a\r\n\r\nhello\r\n.\r" + SMUGGLED,  # <CR><LF>.<CR>
        b"Subject: a\r\n\r\nhello\r.\r\n" + SMUGGLED,  # <CR>.<CR><LF>
        b"Subject: a\r\n\r\nhello\r.\r" + SMUGGLED,  # <CR>.<CR> (Cisco's)
        b"Subject: a\rFrom: ceo@example.test\r\nFrom: a@customer.test\r\n\r\nhi\r\n",
        b"Subject: a\r\n\r\nline\r\r\nnext\r\n",  # CR CR LF: a bare CR too
    ],
    ids=["cr.lf", "crlf.cr", "cr.crlf", "cr.cr", "cr-in-header", "cr-cr-lf"],
)
@sqlite_only
def test_a_bare_cr_in_data_is_refused_and_nothing_is_smuggled(
    app: App, settings: Settings, content: bytes
) -> None:
    with listening(smtp_settings(settings), app.sessions, app.clock) as srv:
        wire = Wire(srv.port)
        try:
            wire.command(b"EHLO client.test")
            wire.envelope()
            assert wire.command(content + b".").decode() == BARE
            assert wire.command(b"NOOP").startswith(b"250")  # no second reply was queued
            wire.envelope()  # the session goes on, in a new transaction
            assert wire.command(b"Subject: fine\r\n\r\nok\r\n.").startswith(b"250 2.0.0")
        finally:
            wire.sock.close()
    [row] = inbox_rows(app)
    assert inbox_raw(app, row.id) == b"Subject: fine\r\n\r\nok\r\n"


# A bare LF is a line end (as Postfix and our parser read it): a dot on a line of its
# own there is a line of the one message, and what follows it is its text.
@pytest.mark.parametrize(
    "content",
    [
        b"Subject: a\r\n\r\nhello\n.\n" + SMUGGLED,  # <LF>.<LF> (Postfix before 3.9)
        b"Subject: a\r\n\r\nhello\n.\r\n" + SMUGGLED,  # <LF>.<CR><LF> (Exchange passed it)
        b"Subject: a\n\nhello\n..\nstill text\n" + SMUGGLED,  # a script's LF-only mail
    ],
    ids=["lf.lf", "lf.crlf", "lf-only"],
)
@sqlite_only
def test_a_bare_lf_never_ends_data_so_one_message_is_stored(
    app: App, settings: Settings, content: bytes
) -> None:
    with listening(smtp_settings(settings), app.sessions, app.clock) as srv:
        wire = Wire(srv.port)
        try:
            wire.command(b"EHLO client.test")
            wire.envelope()
            assert wire.command(content + b".").startswith(b"250 2.0.0")
            assert wire.command(b"NOOP").startswith(b"250")  # no second reply was queued
        finally:
            wire.sock.close()
    [row] = inbox_rows(app)
    assert inbox_raw(app, row.id) == content and row.envelope_from == "a@customer.test"


@sqlite_only
def test_lmtp_refuses_a_bare_cr_once_per_recipient(app: App, settings: Settings) -> None:
    cfg = smtp_settings(settings, lmtp=True, aliases=("help@example.test",))
    with listening(cfg, app.sessions, app.clock) as srv:
        wire = Wire(srv.port)
        try:
            wire.command(b"LHLO client.test")
            wire.envelope(b"support@example.test", b"help@example.test")
            assert wire.command(b"Subject: a\r\n\r\nhi\r.\r\n" + SMUGGLED + b".").decode() == BARE
            assert wire.reply().decode() == BARE
            assert wire.command(b"NOOP").startswith(b"250")  # no third reply was waiting
        finally:
            wire.sock.close()
    assert inbox_rows(app) == []


# The listener reads DATA in blocks of what has arrived and looks for a bare CR in a
# block's whole lines at once: a CR that ends one packet is a line end still coming
# (its LF may be next) or a bare CR, decided when the next packet comes.
@pytest.mark.parametrize(
    ("first", "then", "refused"),
    [
        (b"Subject: a\r\n\r\nhello\r", b"world\r\n", True),  # CR, then no LF: bare
        (b"Subject: a\r\n\r\nhello\r", b"\nworld\r\n", False),  # CR LF across packets
        (b"Subject: a\r\n\r\n" + b"x" * 70 + b"\r\n", b"y\rz\r\n", True),  # in the second
    ],
    ids=["bare-at-the-cut", "crlf-across-the-cut", "bare-in-the-next"],
)
@sqlite_only
def test_a_bare_cr_is_told_from_a_crlf_cut_between_two_packets(
    app: App, settings: Settings, first: bytes, then: bytes, refused: bool
) -> None:
    with listening(smtp_settings(settings), app.sessions, app.clock) as srv:
        wire = Wire(srv.port)
        try:
            wire.command(b"EHLO client.test")
            wire.envelope()
            wire.sock.sendall(first)
            time.sleep(0.1)  # read as a block of its own
            said = wire.command(then + b".").decode()
        finally:
            wire.sock.close()
    assert (said == BARE) is refused, said
    assert len(inbox_rows(app)) == (0 if refused else 1)
