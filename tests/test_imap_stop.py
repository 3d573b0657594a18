"""A stop reaches a poller between two batches, not only when the folder is read.

A first pass over a mailbox of thousands of messages (or a backlog after an outage)
is one long pass; the poller used to look at its stop event only when the pass was
over. A daemon asked to stop then waited for the whole folder (and was killed at its
deadline), and on PostgreSQL an instance whose mailbox lock was lost went on polling
while the instance that took the lock over polled the same folder: both moved the
same messages (Dovecot then held some twice in the processed folder) and each logged
the other's moves as messages "deleted by another client". Against the real Dovecot
of the other IMAP tests (tests/support/dovecot.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from gateway.config.settings import ImapSettings
from gateway.receive.imap import ImapPoller
from gateway.runtime.app import App
from store import sources
from store.db import transaction
from tests.support.databases import sqlite_only
from tests.support.dovecot import Dovecot
from tests.support.mails import mail
from tests.support.pipeline import inbox_rows


def poller(app: App, account: ImapSettings, on_stored: Callable[[], None]) -> ImapPoller:
    return ImapPoller(account, app.settings, app.sessions, app.clock, on_stored=on_stored)


def append(server: Dovecot, user: str, raws: list[bytes], folder: str = "INBOX") -> None:
    with server.client(user) as c:
        for raw in raws:
            c.append(folder, raw)


def count(server: Dovecot, user: str, folder: str) -> int:
    with server.client(user) as c:
        c.select_folder(folder, readonly=True)
        return len(c.search("ALL"))


@sqlite_only
def test_a_stop_ends_a_long_pass_after_the_batch_in_hand(app: App, dovecot: Dovecot) -> None:
    """Stopped once its first batch is stored: that batch is stored and moved, the
    rest stays in the folder, and the next start stores it, each message once."""
    user = dovecot.add_user()
    append(dovecot, user, [mail(f"backlog {n}") for n in range(30)])
    account = dovecot.account(user, batch_size=5)
    stop = threading.Event()
    poller(app, account, on_stored=stop.set).run(stop)  # returns once it has stopped

    assert len(inbox_rows(app)) == 5
    assert (count(dovecot, user, "INBOX"), count(dovecot, user, "Processed")) == (25, 5)
    with transaction(app.sessions) as s:
        assert sources.bookmark(s, account.source).last_uid == 5

    again = poller(app, account, on_stored=lambda: None)
    assert again.poll_once() == 25
    again.close()
    assert len(inbox_rows(app)) == 30
    assert (count(dovecot, user, "INBOX"), count(dovecot, user, "Processed")) == (0, 30)


@sqlite_only
def test_a_rescan_stopped_half_way_is_still_a_rescan_when_it_goes_on(
    app: App, dovecot: Dovecot
) -> None:
    """The folder rebuilt with rewritten bytes (a new UIDVALIDITY): a rescan stopped
    after its first batch must not end there, or what follows it would be read as new
    mail by content alone, and the rewritten copies of stored mail stored again."""
    user = dovecot.add_user()
    with dovecot.client(user) as c:
        c.create_folder("Support")
    old = [mail(f"stored before {n}") for n in range(8)]
    append(dovecot, user, old, folder="Support")
    account = dovecot.account(user, folder="Support", after="flag", batch_size=3)
    first = poller(app, account, on_stored=lambda: None)
    assert first.poll_once() == 8
    first.close()

    with dovecot.client(user) as c:  # rebuilt: new UIDs, each old message rewritten
        c.delete_folder("Support")
        c.create_folder("Support")
    rewritten = [b"X-Rebuilt: by the provider\r\n" + raw for raw in old]
    append(dovecot, user, [mail("new since"), *rewritten], folder="Support")
    stop = threading.Event()
    p = poller(app, account, on_stored=stop.set)
    p.run(stop)
    assert len(inbox_rows(app)) == 9  # the new one, and the old ones recognised

    p.poll_once()  # the rescan goes on where it stopped
    p.close()
    assert len(inbox_rows(app)) == 9
    with dovecot.client(user) as c:
        uidvalidity = c.select_folder("Support")[b"UIDVALIDITY"]
    with transaction(app.sessions) as s:
        mark = sources.bookmark(s, account.source)
    assert (mark.uidvalidity, mark.last_uid) == (uidvalidity, 9)
