"""The listener keeps answering while another process's accept holds the turnstile.

An SMTP session reaching ``DATA`` took the SQLite turnstile (store.turnstile) with a
blocking ``flock`` on the listener's one event loop. While another process held it —
``ingest -`` from the MTA, or a bulk ``ingest`` storing a chunk, on the same database —
that ``flock`` waited, and with it every session: no ``354``, no greeting for a new
client, for as long as the other process kept the turnstile. The hold at ``DATA`` is
only a hint to the runner (which already waits while anyone holds the turnstile), so it
is now taken only when free; the commit itself still waits its turn, off the loop.
"""

from __future__ import annotations

import smtplib
import socket
import subprocess
import sys

from gateway.config.settings import Settings
from gateway.runtime.app import App
from store.accept.sqlite import SqliteInbox
from store.turnstile import SUFFIX
from tests.support.databases import sqlite_only
from tests.support.pipeline import inbox_rows
from tests.support.smtp import listening, smtp_settings
from tests.support.waiting import PATIENCE

HOLDER = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.read()  # until the test lets go
"""


def _replies(reader: socket.SocketIO | object, count: int) -> list[bytes]:
    assert hasattr(reader, "readline")
    lines = []
    while len(lines) < count:
        line = reader.readline()
        if not line:
            break
        if line[3:4] != b"-":
            lines.append(line.rstrip(b"\r\n"))
    return lines


@sqlite_only
def test_a_session_at_data_does_not_stall_the_others_while_another_process_accepts(
    app: App, settings: Settings
) -> None:
    path = settings.database.url.split("///", 1)[1]
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, path + SUFFIX],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
        with (
            listening(smtp_settings(settings), app.sessions, app.clock, SqliteInbox(path)) as srv,
            socket.create_connection(("127.0.0.1", srv.port), timeout=10) as first,
        ):
            reader = first.makefile("rb")
            first.sendall(
                b"EHLO c.test\r\nMAIL FROM:<a@customer.test>\r\n"
                b"RCPT TO:<support@example.test>\r\nDATA\r\n"
            )
            assert [r[:3] for r in _replies(reader, 5)] == [b"220", b"250", b"250", b"250", b"354"]
            # answered while the holder still holds (it lets go only below): a listener
            # stalled behind the hold would leave this client waiting until it timed out
            with smtplib.SMTP("127.0.0.1", srv.port, timeout=PATIENCE) as other:
                assert other.ehlo()[0] == 250 and other.noop()[0] == 250
            first.sendall(b"Subject: printer\r\n\r\nThe printer jams.\r\n.\r\n")
            holder.communicate(b"", timeout=10)  # the other process commits and lets go
            [stored] = _replies(reader, 1)
        assert stored.startswith(b"250 2.0.0 OK: stored as inbox #"), stored
        assert len(inbox_rows(app)) == 1
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
