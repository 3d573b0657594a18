"""``session_timeout`` closes an *idle* session (README), not a message still coming in.

aiosmtpd starts its timer at each command and nothing restarts it while DATA is read,
so a message whose transfer took longer than ``session_timeout`` (5 minutes: 25 MB
over a link of 600 kbit/s) was cut off mid-DATA, the sending MTA retried and was
cut off again, and the mail bounced days later. The timer now restarts with every
block of data that arrives; a sender that goes quiet mid-DATA is still cut off.

An idle session is told why before it is closed (``421 4.4.2``, RFC 5321 3.8, as
Postfix does): aiosmtpd only closed the socket, and the sending MTA logged a lost
connection where it could have logged our timeout.
"""

from __future__ import annotations

import socket
import threading
import time
from datetime import timedelta

from gateway.config.settings import Settings
from gateway.runtime.app import App
from tests.support.databases import sqlite_only
from tests.support.pipeline import inbox_rows
from tests.support.smtp import listening, smtp_settings
from tests.support.waiting import PATIENCE

TIMEOUT = timedelta(seconds=1)
IDLE_REPLY = b"421 4.4.2 gateway.test Error: timeout exceeded\r\n"


def _replies(sock: socket.socket, count: int) -> list[bytes]:
    """``count`` reply lines (the last line of each multi-line reply)."""
    got: list[bytes] = []
    buffer = b""
    while len(got) < count:
        chunk = sock.recv(65536)
        if not chunk:
            break
        buffer += chunk
        *lines, buffer = buffer.split(b"\r\n")
        got += [line for line in lines if line[3:4] != b"-"]
    return got


def _start_data(sock: socket.socket) -> None:
    sock.sendall(
        b"EHLO client.test\r\nMAIL FROM:<a@customer.test>\r\n"
        b"RCPT TO:<support@example.test>\r\nDATA\r\n"
    )
    assert [r[:3] for r in _replies(sock, 5)] == [b"220", b"250", b"250", b"250", b"354"]


@sqlite_only  # the session's timer, not the database
def test_a_transfer_longer_than_the_timeout_that_keeps_coming_is_stored(
    app: App, settings: Settings
) -> None:
    cfg = smtp_settings(settings, session_timeout=TIMEOUT)
    with (
        listening(cfg, app.sessions, app.clock) as srv,
        socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock,
    ):
        _start_data(sock)
        sock.sendall(b"Subject: a big scan over a slow line\r\n\r\n")
        started = time.monotonic()
        while time.monotonic() - started < 3 * TIMEOUT.total_seconds():
            sock.sendall(b"x" * 76 + b"\r\n")  # still coming, never idle for long
            # a tenth of the idle timeout apart: a loaded machine (pytest -n 4 on two
            # cores) late by most of a second still sends in time
            threading.Event().wait(TIMEOUT.total_seconds() / 10)
        sock.sendall(b".\r\n")
        [stored] = _replies(sock, 1)
    assert stored.startswith(b"250 2.0.0 OK: stored as inbox #"), stored
    assert len(inbox_rows(app)) == 1


@sqlite_only
def test_a_sender_that_goes_quiet_mid_data_is_still_cut_off(app: App, settings: Settings) -> None:
    cfg = smtp_settings(settings, session_timeout=TIMEOUT)
    with (
        listening(cfg, app.sessions, app.clock) as srv,
        # a listener that waited on would leave recv to time out (PATIENCE): no wall-clock
        # bound near the session timeout, which a loaded machine overruns
        socket.create_connection(("127.0.0.1", srv.port), timeout=PATIENCE) as sock,
    ):
        _start_data(sock)
        sock.sendall(b"Subject: and then nothing\r\n\r\nhalf")
        assert _to_the_end(sock) == IDLE_REPLY  # told why, then hung up on
    assert inbox_rows(app) == []


@sqlite_only
def test_an_idle_session_is_told_421_before_it_is_closed(app: App, settings: Settings) -> None:
    cfg = smtp_settings(settings, session_timeout=TIMEOUT)
    with (
        listening(cfg, app.sessions, app.clock) as srv,
        socket.create_connection(("127.0.0.1", srv.port), timeout=PATIENCE) as sock,
    ):
        sock.sendall(b"EHLO client.test\r\nMAIL FROM:<a@customer.test>\r\n")
        assert [r[:3] for r in _replies(sock, 3)] == [b"220", b"250", b"250"]
        assert _to_the_end(sock) == IDLE_REPLY  # then nothing more: the session is over


def _to_the_end(sock: socket.socket) -> bytes:
    """All the server says until it hangs up."""
    said = b""
    while chunk := sock.recv(65536):
        said += chunk
    return said
