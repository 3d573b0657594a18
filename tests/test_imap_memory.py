"""What one big message costs the IMAP poller in memory, fetched from a real Dovecot
and stored in a real database.

A 20 MB message took 67 MB of Python memory to fetch (imaplib formatted a trace line
holding its repr, twice, for a logger at DEBUG that nobody had turned on), and on
SQLite another 40 MB inside SQLite to insert (a bound value is copied, then a record
is built from the copy). Now the fetch holds the message once, and on SQLite it is
written through incremental blob I/O, as a batch ingest writes its big files.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sqlite3
import tracemalloc
from collections.abc import Callable

import pytest

from gateway.core.sqlite_url import sqlite_path
from gateway.receive.imap import ImapPoller
from gateway.runtime.app import App
from tests.support.databases import sqlite_only
from tests.support.dovecot import Dovecot
from tests.support.mails import mail
from tests.support.pipeline import inbox_raw, inbox_rows

SIZE = 20_000_000


def _big(size: int) -> bytes:
    """A message of about ``size`` bytes (lines of 76, as base64 would be)."""
    line = b"A" * 76 + b"\r\n"
    return mail("scan").replace(b"\n", b"\r\n") + line * (size // len(line))


def _sqlite_heap() -> Callable[[], int] | None:
    """SQLite's own allocations, which tracemalloc never sees: the peak since the last
    call (sqlite3_memory_highwater, reset), when the library Python uses can be found."""
    name = ctypes.util.find_library("sqlite3")
    if name is None:
        return None
    lib = ctypes.CDLL(name)
    lib.sqlite3_libversion.restype = ctypes.c_char_p
    if lib.sqlite3_libversion().decode() != sqlite3.sqlite_version:
        return None  # not the library this Python's sqlite3 module runs on
    lib.sqlite3_memory_highwater.restype = ctypes.c_int64
    lib.sqlite3_memory_highwater.argtypes = [ctypes.c_int]
    return lambda: int(lib.sqlite3_memory_highwater(1))


def test_one_big_message_is_held_about_once(app: App, dovecot: Dovecot) -> None:
    user = dovecot.add_user()
    p = ImapPoller(dovecot.account(user), app.settings, app.sessions, app.clock)
    assert p.poll_once() == 0  # connected, the processed folder made: only the mail is measured
    raw = _big(SIZE)
    with dovecot.client(user) as c:
        c.append("INBOX", raw)
    heap = _sqlite_heap() if sqlite_path(app.settings.database.url) else None
    if heap is not None:
        heap()
    tracemalloc.start()
    try:
        assert p.poll_once() == 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    in_sqlite = heap() if heap is not None else 0
    p.close()
    [row] = inbox_rows(app)
    assert inbox_raw(app, row.id) == raw
    size = len(raw)
    print(f"\npython peak {peak / size:.2f}x, sqlite heap peak {in_sqlite / size:.2f}x")
    assert peak < 1.3 * size, f"peak {peak / 1e6:.1f} MB for a {size / 1e6:.0f} MB message"
    assert in_sqlite < 0.3 * size, f"SQLite took {in_sqlite / 1e6:.1f} MB to store it"


@sqlite_only
def test_the_imaplib_trace_is_there_for_whoever_turns_it_on(
    app: App, dovecot: Dovecot, caplog: pytest.LogCaptureFixture
) -> None:
    """The trace that cost two copies of every message is off by default, and back when
    the ``imapclient.imaplib`` logger is set to DEBUG (to see a server's answers)."""
    user = dovecot.add_user()
    account = dovecot.account(user)
    for debug in (False, True):
        with dovecot.client(user) as c:
            c.append("INBOX", mail(f"traced: {debug}"))
        caplog.clear()
        level = logging.DEBUG if debug else logging.INFO
        with caplog.at_level(level, logger="imapclient.imaplib"):
            p = ImapPoller(account, app.settings, app.sessions, app.clock)
            assert p.poll_once() == 1
            p.close()
        traced = [r for r in caplog.records if "untagged_responses[FETCH]" in r.getMessage()]
        assert bool(traced) is debug
