"""A mailbox over its quota, on a real Dovecot with its quota plugin: the support box
whose ``processed_folder`` nobody ever empties.

Dovecot's MOVE costs no quota, but a server without MOVE copies first, and that COPY
is refused with ``NO [OVERQUOTA]``. What was stored stays stored once, the refusal is
no outage (nothing is stored again, nothing copied twice), and once a person has made
room (the old processed mail deleted) the next try moves it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from gateway.core.clock import FakeClock
from gateway.receive.imap.refused import RETRY_FIRST
from gateway.runtime.app import App
from tests.support.databases import sqlite_only
from tests.support.dovecot import LEGACY_CAPABILITY, PASSWORD, Certs, Dovecot
from tests.support.mails import mail
from tests.support.pipeline import inbox_rows
from tests.test_imap_trouble import poller

USER = "over-quota"
QUOTA = "userdb_mail_plugins=quota userdb_quota=maildir:User userdb_quota_rule=*:messages={n}"


def users(server: Dovecot, most: int) -> None:
    """The passwd-file with the over-quota user allowed ``most`` messages in all (Dovecot
    reads the file again when it changes)."""
    line = f"{USER}:{{PLAIN}}{PASSWORD}::::::{QUOTA.format(n=most)} {LEGACY_CAPABILITY}\n"
    lines = (server.root / "passwd").read_text().splitlines(keepends=True)
    kept = [x for x in lines if not x.startswith(f"{USER}:")]
    (server.root / "passwd").write_text("".join(kept) + line)


@pytest.fixture
def server(dovecot_certs: Certs) -> Iterator[Dovecot]:
    server = Dovecot(dovecot_certs)
    users(server, 4)
    server.start()
    yield server
    server.destroy()


def uids(server: Dovecot, folder: str) -> list[int]:
    with server.client(USER) as c:
        c.select_folder(folder, readonly=True)
        return list(c.search("ALL"))


@sqlite_only
def test_a_copy_refused_over_quota_is_tried_again_and_moved_once_there_is_room(
    app: App, server: Dovecot, caplog: pytest.LogCaptureFixture
) -> None:
    clock: FakeClock = app.clock  # type: ignore[assignment]
    with server.client(USER) as c:
        c.create_folder("Processed")
        c.append("Processed", mail("done long ago"))
        c.append("Processed", mail("done long ago too"))
        c.append("INBOX", mail("first"))
        c.append("INBOX", mail("second"))  # the quota is full now
    account = server.account(USER, after="move")
    p = poller(app, account)
    with caplog.at_level(logging.WARNING, logger="gateway.imap"):
        assert p.poll_once() == 2
        assert p.poll_once() == 0  # not due yet: nothing copied, nothing stored again
    assert p.status.last_problem is None and p.status.failures == 0
    said = [r.getMessage() for r in caplog.records]
    assert any("[OVERQUOTA]" in line for line in said), said
    assert uids(server, "INBOX") == [1, 2] and uids(server, "Processed") == [1, 2]

    with server.client(USER) as c:  # a person makes room
        c.select_folder("Processed")
        c.delete_messages([1, 2])
        c.expunge()
    clock.advance(RETRY_FIRST)
    assert p.poll_once() == 0
    p.close()
    assert uids(server, "INBOX") == [] and len(uids(server, "Processed")) == 2
    assert len(inbox_rows(app)) == 2
