"""DATA is read in blocks of what has arrived (issue #18), so a message must come out
the same wherever the network cut it: a CRLF, the final dot, a stuffed dot or the
longest line allowed split between two reads, and commands a client sent right
after the final dot in the same packet still answered. Raw sockets, each piece
sent on its own after a pause, against the real listener."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from gateway.config.settings import Settings
from gateway.runtime.app import App
from tests.support.databases import sqlite_only
from tests.support.pipeline import inbox_raw, inbox_rows
from tests.support.smtp import listening, smtp_settings

PAUSE = 0.05  # seconds between two pieces, so that the listener reads them apart


class Client:
    """Just enough SMTP over a socket to send pieces and read the replies."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def reply(self) -> bytes:
        """One reply line (multi-line replies: through to the last line)."""
        return self.whole_reply()[-1]

    def whole_reply(self) -> list[bytes]:
        """Every line of one reply."""
        lines: list[bytes] = []
        while True:
            end = self.buffer.find(b"\r\n")
            if end >= 0:
                line, self.buffer = self.buffer[:end], self.buffer[end + 2 :]
                lines.append(line)
                if line[3:4] != b"-":
                    return lines
                continue
            chunk = self.sock.recv(65536)
            assert chunk, "the listener hung up"
            self.buffer += chunk

    def send(self, *pieces: bytes) -> None:
        for piece in pieces:
            self.sock.sendall(piece)
            threading.Event().wait(PAUSE)

    def envelope(self) -> None:
        self.send(b"MAIL FROM:<a@customer.test>\r\n")
        assert self.reply().startswith(b"250")
        self.send(b"RCPT TO:<support@example.test>\r\n")
        assert self.reply().startswith(b"250")
        self.send(b"DATA\r\n")
        assert self.reply().startswith(b"354")


@contextmanager
def client(app: App, settings: Settings) -> Iterator[Client]:
    with (
        listening(smtp_settings(settings), app.sessions, app.clock) as srv,
        socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock,
    ):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        c = Client(sock)
        assert c.reply().startswith(b"220")
        c.send(b"EHLO client.test\r\n")
        assert c.reply().startswith(b"250")
        yield c


def test_a_message_cut_anywhere_is_stored_byte_for_byte(app: App, settings: Settings) -> None:
    longest = b"x" * 999  # with its CRLF the 1001 bytes aiosmtpd allows (line_length_limit)
    with client(app, settings) as c:
        c.envelope()
        c.send(
            b"Subject: cut\r",  # a CRLF split
            b"\n\r\nbody\r\n.",  # a stuffed dot split from the rest of its line
            b".starts with a dot\r\n" + longest + b"\r",  # the longest line, CR | LF
            b"\n..\r\nlast\r\n.\r",  # the final dot split from its CRLF
            b"\n",
        )
        status = c.reply()
    [row] = inbox_rows(app)
    assert status == f"250 2.0.0 OK: stored as inbox #{row.id}".encode()
    expected = (
        b"Subject: cut\r\n\r\nbody\r\n.starts with a dot\r\n" + longest + b"\r\n.\r\nlast\r\n"
    )
    assert inbox_raw(app, row.id) == expected


def test_a_line_one_byte_too_long_is_refused_even_cut_before_its_crlf(
    app: App, settings: Settings
) -> None:
    with client(app, settings) as c:
        c.envelope()
        c.send(b"Subject: long\r\n\r\n" + b"y" * 1000 + b"\r", b"\nend\r\n.\r\n")
        assert c.reply().startswith(b"500 5.5.2")
    assert inbox_rows(app) == []


def test_commands_sent_with_the_final_dot_are_still_answered(app: App, settings: Settings) -> None:
    """A client that does not wait for our 250 (PIPELINING, RFC 2920): what it
    sent after the data is read as commands, not lost with the block."""
    with client(app, settings) as c:
        c.envelope()
        c.send(b"Subject: first\r\n\r\none\r\n.\r\nMAIL FROM:<b@customer.test>\r\nRCPT TO:<sup")
        first = c.reply()
        c.send(b"port@example.test>\r\nDATA\r\n")
        assert c.reply().startswith(b"250")  # MAIL
        assert c.reply().startswith(b"250")  # RCPT
        assert c.reply().startswith(b"354")
        c.send(b"Subject: second\r\n\r\ntwo\r\n.\r\n")
        second = c.reply()
    rows = inbox_rows(app)
    assert [first, second] == [f"250 2.0.0 OK: stored as inbox #{r.id}".encode() for r in rows]
    assert [r.envelope_from for r in rows] == ["a@customer.test", "b@customer.test"]
    assert inbox_raw(app, rows[1].id) == b"Subject: second\r\n\r\ntwo\r\n"


def test_the_dot_added_for_transparency_does_not_count_toward_the_line_limit(
    app: App, settings: Settings
) -> None:
    """RFC 5321 4.5.3.1.6: a line's length does not count the leading dot doubled for
    transparency, so the longest line that starts with a dot is one byte longer on the
    wire, whole or cut before its CRLF; a byte more is still refused."""
    longest = b"." + b"x" * 998  # 999 bytes as stored: the longest line aiosmtpd allows
    for cut in (b"", b"\r"):
        with client(app, settings) as c:
            c.envelope()
            subject = b"Subject: dot cut" if cut else b"Subject: dot whole"  # no bare CR
            c.send(subject + b"\r\n\r\n." + longest + cut, b"\r\n"[len(cut) :])
            c.send(b".\r\n")
            assert c.reply().startswith(b"250 2.0.0"), cut
    for row in inbox_rows(app):
        assert inbox_raw(app, row.id).endswith(b"\r\n" + longest + b"\r\n")
    with client(app, settings) as c:
        c.envelope()
        c.send(b"Subject: dot\r\n\r\n." + longest + b"y\r\n.\r\n")
        assert c.reply().startswith(b"500 5.5.2")


@sqlite_only  # the listener's answers, not the database
@pytest.mark.parametrize("lmtp", [False, True])
def test_pipelining_is_offered_and_a_whole_group_is_answered_in_order(
    app: App, settings: Settings, lmtp: bool
) -> None:
    """RFC 2033 5: an LMTP server MUST offer PIPELINING, and Postfix's LMTP and SMTP
    clients then send MAIL, every RCPT and DATA in one packet instead of a round trip
    each. The listener always answered such a group in order; it now says so."""
    hello = b"LHLO" if lmtp else b"EHLO"
    with (
        listening(smtp_settings(settings, lmtp=lmtp), app.sessions, app.clock) as srv,
        socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock,
    ):
        c = Client(sock)
        assert c.reply().startswith(b"220")
        c.send(hello + b" client.test\r\n")
        assert b"250-PIPELINING" in c.whole_reply()
        c.send(
            b"MAIL FROM:<a@customer.test>\r\nRCPT TO:<support@example.test>\r\n"
            b"RCPT TO:<nobody@example.test>\r\nRCPT TO:<support+x@example.test>\r\nDATA\r\n"
        )
        assert [c.reply()[:3] for _ in range(5)] == [b"250", b"250", b"550", b"250", b"354"]
        c.send(b"Subject: one\r\n\r\nbody\r\n.\r\nRSET\r\nNOOP\r\n")
        stored = [c.reply() for _ in range(2 if lmtp else 1)]
        assert [c.reply(), c.reply()] == [b"250 2.0.0 OK"] * 2  # RSET, NOOP: nothing else
    [row] = inbox_rows(app)
    assert stored == [f"250 2.0.0 OK: stored as inbox #{row.id}".encode()] * len(stored)
    assert row.envelope_to == ["support@example.test", "support+x@example.test"]
