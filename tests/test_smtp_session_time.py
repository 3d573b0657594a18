"""A slow trickle cannot hold an SMTP session for ever: ``[smtp] max_session_time``.

``session_timeout`` closes an *idle* session, and aiosmtpd restarts its timer with
every command (and we with every block of DATA, so a slow upload is not cut off:
tests/test_smtp_slow_data.py). A client that sends a NOOP, or one byte of DATA, just
inside that timer held its session without end: 5 clients at 20 sessions each held all
100. A session now ends after ``max_session_time`` whatever it does, with a ``421``;
a message not finished by then is not stored (its sender tries again). The other
caps (size, line length, sessions, per client, recipients, idle time) have their
tests beside the listener's; every one is a row of ``gateway.receive.smtp.limits``.
"""

from __future__ import annotations

import socket
import threading
import time
from datetime import timedelta
from pathlib import Path

from gateway.config.settings import Settings
from gateway.receive.smtp.limits import session_limits
from gateway.runtime.app import App
from tests.support.config import load_toml
from tests.support.databases import sqlite_only
from tests.support.pipeline import inbox_rows
from tests.support.smtp import listening, raw_session, smtp_settings
from tests.support.waiting import PATIENCE

IDLE = timedelta(seconds=2)
WHOLE = timedelta(seconds=1.5)
STEP = 0.25  # the trickle: well inside the idle timer


def _trickle(sock: socket.socket, data: bytes) -> bytes:
    """Send ``data`` a piece at a time until the server speaks or hangs up; what it said."""
    sock.settimeout(STEP)
    said = b""
    started = time.monotonic()
    while time.monotonic() - started < PATIENCE:
        try:
            sock.sendall(data)
        except OSError:
            break
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            continue
        if not chunk:
            break
        said += chunk
        if b"421" in said:
            break
    return said


@sqlite_only  # the session's timers, not the database
def test_a_session_that_trickles_commands_ends_after_max_session_time(
    app: App, settings: Settings
) -> None:
    cfg = smtp_settings(settings, session_timeout=IDLE, max_session_time=WHOLE)
    with (
        listening(cfg, app.sessions, app.clock) as srv,
        socket.create_connection(("127.0.0.1", srv.port), timeout=PATIENCE) as sock,
    ):
        assert sock.recv(1024).startswith(b"220")
        started = time.monotonic()
        said = _trickle(sock, b"NOOP\r\n")
        took = time.monotonic() - started
    assert b"421 4.4.2" in said
    assert WHOLE.total_seconds() - STEP <= took < PATIENCE


@sqlite_only
def test_a_message_trickled_past_max_session_time_is_cut_off_and_not_stored(
    app: App, settings: Settings
) -> None:
    cfg = smtp_settings(settings, session_timeout=IDLE, max_session_time=WHOLE)
    with (
        listening(cfg, app.sessions, app.clock) as srv,
        socket.create_connection(("127.0.0.1", srv.port), timeout=PATIENCE) as sock,
    ):
        sock.sendall(
            b"EHLO client.test\r\nMAIL FROM:<a@customer.test>\r\n"
            b"RCPT TO:<support@example.test>\r\nDATA\r\nSubject: slow\r\n\r\n"
        )
        threading.Event().wait(STEP)
        said = _trickle(sock, b"x")
    assert b"354" in said and b"421 4.4.2" in said
    assert inbox_rows(app) == []


def test_max_session_time_is_a_setting_and_a_row_of_the_limits(tmp_path: Path) -> None:
    gateway = '[gateway]\ndata_dir = "var"'
    settings = load_toml(tmp_path, gateway, '[smtp]\nmax_session_time = "20m"')
    assert settings.smtp.max_session_time == timedelta(minutes=20)
    assert load_toml(tmp_path, gateway).smtp.max_session_time == timedelta(minutes=30)
    rows = session_limits(settings.smtp)
    assert rows["session_time"] == 20 * 60
    assert rows["data_size_limit"] == settings.smtp.max_message_size


@sqlite_only
def test_a_command_line_longer_than_rfc_5321_allows_is_refused_and_the_session_goes_on(
    app: App, settings: Settings
) -> None:
    """RFC 5321 4.5.3.1.4: 512 octets a command line (aiosmtpd's limit, with room for
    the SIZE and SMTPUTF8 parameters); a longer one is refused, and the session goes on."""
    with listening(smtp_settings(settings), app.sessions, app.clock) as srv:
        replies = raw_session(
            srv.port,
            b"EHLO client.test\r\nMAIL FROM:<" + b"a" * 2000 + b"@customer.test>\r\n"
            b"NOOP\r\nQUIT\r\n",
        )
    lines = [line[:3] for line in replies.split(b"\r\n") if line and line[3:4] != b"-"]
    assert lines == [b"220", b"250", b"500", b"250", b"221"], replies
