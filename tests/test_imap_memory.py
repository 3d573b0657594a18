"""What one big message costs the IMAP poller in memory, fetched from a real Dovecot
and stored in a real database.

A 20 MB message took 67 MB of Python memory to fetch (imaplib formatted a trace line
holding its repr, twice, for a logger at DEBUG that nobody had turned on), and on
SQLite another 40 MB inside SQLite to insert (a bound value is copied, then a record
is built from the copy). Now the fetch holds the message once, and on SQLite it is
written through incremental blob I/O, as a batch ingest writes its big files.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import sqlite3
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest
from imapclient import IMAPClient

from gateway.core.sqlite_url import sqlite_path
from gateway.receive.imap import ImapError, ImapPoller, oversize
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


@sqlite_only
@pytest.mark.parametrize("after", ["move", "flag"])
def test_the_probe_for_a_damaged_message_reads_no_big_message(
    app: App, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch, after: str
) -> None:
    """Before a message that fails alone is called damaged, another message is read to
    show that the server works; that read was the whole message, so a 20 MB one cost
    20 MB and its transfer at every probe. Now only its first byte is read: no FETCH of
    a whole message but the ones that store it, and no pass that stores nothing holds
    a big message. A big message stored earlier (flag mode keeps it in the folder) or
    waiting after the damaged one is the probe's pick, as the newest."""
    user = dovecot.add_user()
    account = dovecot.account(user, after=after)
    raw = _big(SIZE)
    asked: list[tuple[list[int], list[str]]] = []
    fetch = IMAPClient.fetch

    def recorded(client: IMAPClient, uids: Any, items: Any, *args: Any, **kw: Any) -> Any:
        asked.append((list(uids), [str(i) for i in items]))
        return fetch(client, uids, items, *args, **kw)

    monkeypatch.setattr(IMAPClient, "fetch", recorded)
    p = ImapPoller(account, app.settings, app.sessions, app.clock)
    with dovecot.client(user) as c:
        c.append("INBOX", raw if after == "flag" else mail("first"))  # uid 1
        assert p.poll_once() == 1  # stored before the damaged one comes
        c.append("INBOX", mail("damaged"))  # uid 2
        if after == "move":
            c.append("INBOX", raw)  # uid 3, waiting behind the damaged one
    dovecot.message_file(user, 2).chmod(0)
    asked.clear()
    peaks = []
    for _ in range(10):
        if b"$GatewayUnreadable" in _flags(dovecot, user, 2):
            break
        before = len(inbox_rows(app))
        tracemalloc.start()
        try:
            with contextlib.suppress(ImapError):
                p.poll_once()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        if len(inbox_rows(app)) == before:  # a pass that stored nothing
            peaks.append(peak)
    p.close()
    assert b"$GatewayUnreadable" in _flags(dovecot, user, 2)
    # the content as it is stored: its first max_message_size + 1 bytes (``oversize``)
    content = oversize.whole(app.settings.smtp.max_message_size)
    whole = [uids for uids, items in asked if content in items]
    big_uid = 1 if after == "flag" else 3
    assert sum(big_uid in uids for uids in whole) == (0 if after == "flag" else 1)
    assert peaks and max(peaks) < SIZE / 20, (
        f"a pass storing nothing held {max(peaks) / 1e6:.1f} MB"
    )


def _flags(server: Dovecot, user: str, uid: int) -> set[bytes]:
    with server.client(user) as c:
        c.select_folder("INBOX", readonly=True)
        return set(c.fetch([uid], ["FLAGS"]).get(uid, {}).get(b"FLAGS", ()))
