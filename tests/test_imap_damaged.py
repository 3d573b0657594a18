"""Messages the poller cannot have must not hold back the rest of the mailbox.

A real Dovecot (tests/support/dovecot.py) serves these tests, with a message file
made unreadable to it where a damaged message is needed; the one server quirk
Dovecot cannot produce (a FETCH answered without the message's content) is played
by a tiny fake server of our own, said so where it is used.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from gateway.config.settings import ImapSettings
from gateway.receive.imap import ImapPoller
from gateway.runtime.app import App
from store import sources
from store.db import transaction
from tests.support.databases import sqlite_only
from tests.support.dovecot import Dovecot
from tests.support.mails import mail
from tests.support.pipeline import inbox_rows
from tests.support.waiting import eventually

UNREADABLE = b"$GatewayUnreadable"


def poller(app: App, account: ImapSettings, **kwargs: Any) -> ImapPoller:
    return ImapPoller(account, app.settings, app.sessions, app.clock, **kwargs)


@contextmanager
def running(p: ImapPoller) -> Iterator[threading.Event]:
    """run() in a thread, as the daemon does."""
    stop = threading.Event()
    thread = threading.Thread(target=p.run, args=(stop,), name="imap-test")
    thread.start()
    try:
        yield stop
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()


def keywords(server: Dovecot, user: str, folder: str) -> dict[int, set[bytes]]:
    with server.client(user) as c:
        c.select_folder(folder, readonly=True)
        fetched = c.fetch(c.search("ALL"), ["FLAGS"])
        return {uid: set(data[b"FLAGS"]) for uid, data in fetched.items()}


@sqlite_only
def test_a_damaged_message_does_not_stop_a_rescan(
    app: App, dovecot: Dovecot, caplog: pytest.LogCaptureFixture
) -> None:
    """After a UIDVALIDITY change the rescan skipped the damaged-message steps, so a
    message the server could not read failed every rescan, at the same place, for ever:
    nothing after it was read again. Now it is marked and stepped over as in a normal
    pass, once, and the rescan ends and records the new UIDVALIDITY."""
    user = dovecot.add_user()
    one, two = mail("one", message_id="<one@customer.test>"), mail("two")
    with dovecot.client(user) as c:
        c.create_folder("Support")
        c.append("Support", one)
        c.append("Support", two)
    account = dovecot.account(user, folder="Support", after="flag")
    p = poller(app, account)
    assert p.poll_once() == 2
    p.close()

    with dovecot.client(user) as c:  # the folder is rebuilt, as after a server migration
        c.delete_folder("Support")
        c.create_folder("Support")
        for raw in (one, mail("damaged"), two, mail("three")):
            c.append("Support", raw)
        uidvalidity = c.select_folder("Support")[b"UIDVALIDITY"]
    dovecot.message_file(user, 2, "Support").chmod(0)

    with caplog.at_level(logging.ERROR, logger="gateway.imap"), running(poller(app, account)):
        assert eventually(lambda: len(inbox_rows(app)) == 3, 15)  # "three"
        with dovecot.client(user) as c:
            c.append("Support", mail("four"))
        assert eventually(lambda: len(inbox_rows(app)) == 4, 15)
    said = [r.getMessage() for r in caplog.records if "cannot be read" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith(f"imap {account.key}: uid 2 cannot be read")
    with transaction(app.sessions) as s:
        mark = sources.bookmark(s, account.source)
    assert (mark.uidvalidity, mark.last_uid) == (uidvalidity, 5)
    marks = keywords(dovecot, user, "Support")
    assert {uid for uid, f in marks.items() if UNREADABLE in f} == {2}
    assert {uid for uid, f in marks.items() if b"$Processed" in f} == {1, 3, 4, 5}
