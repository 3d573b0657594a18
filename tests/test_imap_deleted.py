"""A message flagged ``\\Deleted`` and not yet expunged is not filed as a ticket.

Another client (a person in their mail client, which marks and expunges later) deleted
it; Zammad and Thunderbird skip such messages. The poller fetched and filed it, and
moved or flagged it like any other. Now it is left where it is, untouched, said once
at INFO (not at every pass), and read after all if a person takes the ``\\Deleted``
back. One flagged ``\\Deleted`` after it was fetched, before its move, is stored once.
Real Dovecot throughout.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from gateway.config.settings import ImapSettings
from gateway.receive.imap import ImapPoller
from gateway.runtime.app import App
from tests.support.databases import sqlite_only
from tests.support.dovecot import Dovecot
from tests.support.mails import mail
from tests.support.pipeline import inbox_raw, inbox_rows

DELETED = b"\\Deleted"


def poller(app: App, account: ImapSettings, **kwargs: Any) -> ImapPoller:
    return ImapPoller(account, app.settings, app.sessions, app.clock, **kwargs)


def subjects(app: App) -> list[str]:
    return sorted(
        line.split(b": ", 1)[1].decode()
        for r in inbox_rows(app)
        for line in inbox_raw(app, r.id).splitlines()
        if line.startswith(b"Subject: ")
    )


def flags(server: Dovecot, user: str, folder: str = "INBOX") -> dict[int, set[bytes]]:
    with server.client(user) as c:
        c.select_folder(folder, readonly=True)
        fetched = c.fetch(c.search("ALL"), ["FLAGS"])
        return {uid: set(data[b"FLAGS"]) for uid, data in fetched.items()}


@sqlite_only
@pytest.mark.parametrize("after", ["move", "flag"])
def test_a_message_flagged_deleted_is_skipped_left_alone_and_said_once(
    app: App, dovecot: Dovecot, caplog: pytest.LogCaptureFixture, after: str
) -> None:
    user = dovecot.add_user()
    with dovecot.client(user) as c:
        for subject in ("first", "deleted by a person", "third", "deleted too"):
            c.append("INBOX", mail(subject))
        c.select_folder("INBOX")
        c.add_flags([2, 4], [DELETED])
    account = dovecot.account(user, after=after)
    with caplog.at_level(logging.INFO, logger="gateway.imap"):
        p = poller(app, account)
        assert p.poll_once() == 2
        assert p.poll_once() == 0
        p.close()
        restarted = poller(app, account)  # a restart neither files nor moves them
        assert restarted.poll_once() == 0
        restarted.close()
    assert subjects(app) == ["first", "third"]
    inbox = flags(dovecot, user)
    if after == "move":
        assert sorted(inbox) == [2, 4]
    for uid in (2, 4):
        assert inbox[uid] == {DELETED}, inbox  # no keyword of ours, not flagged processed
    said = [r for r in caplog.records if "flagged \\Deleted" in r.getMessage()]
    # once per message, not at each pass, nor again after a restart (kept in the database)
    assert [r.levelno for r in said] == [logging.INFO] * 2, [r.getMessage() for r in said]
    assert said[0].getMessage().startswith(f"imap {account.key}: uid 2 is flagged \\Deleted")


@sqlite_only
def test_a_deleted_message_taken_back_by_a_person_is_read_after_all(
    app: App, dovecot: Dovecot
) -> None:
    """The mail after it moved the bookmark past it; taken back (undo in the mail
    client), it must not be moved unstored as something "stored, not yet moved"."""
    user = dovecot.add_user()
    with dovecot.client(user) as c:
        for subject in ("first", "deleted, then taken back", "third"):
            c.append("INBOX", mail(subject))
        c.select_folder("INBOX")
        c.add_flags([2], [DELETED])
    account = dovecot.account(user)
    p = poller(app, account)
    assert p.poll_once() == 2
    with dovecot.client(user) as c:
        c.select_folder("INBOX")
        c.remove_flags([2], [DELETED])
    assert p.poll_once() == 1
    assert p.poll_once() == 0
    p.close()
    assert subjects(app) == ["deleted, then taken back", "first", "third"]
    assert flags(dovecot, user) == {}
    assert len(flags(dovecot, user, "Processed")) == 3


@sqlite_only
@pytest.mark.parametrize("after", ["move", "flag"])
def test_a_message_deleted_after_its_fetch_is_stored_once_and_not_lost(
    app: App, dovecot: Dovecot, after: str
) -> None:
    """A person deletes it between the FETCH (and the commit) and the move: it is a
    ticket already, so it is not lost; it is never filed a second time."""
    user = dovecot.add_user()
    with dovecot.client(user) as c:
        c.append("INBOX", mail("deleted while we stored it"))

    def delete_it() -> None:
        with dovecot.client(user) as c:
            c.select_folder("INBOX")
            c.add_flags([1], [DELETED])

    account = dovecot.account(user, after=after)
    p = poller(app, account, on_stored=delete_it)
    assert p.poll_once() == 1
    assert p.poll_once() == 0
    p.close()
    restarted = poller(app, account)
    assert restarted.poll_once() == 0
    restarted.close()
    assert subjects(app) == ["deleted while we stored it"]
    held = [*flags(dovecot, user).values()]
    if after == "move":
        held += flags(dovecot, user, "Processed").values()
    assert len(held) == 1  # in one place, once: the person's client expunges it


@sqlite_only
@pytest.mark.parametrize("after", ["move", "flag"])
def test_a_deleted_message_taken_back_while_the_daemon_was_stopped_is_read(
    app: App, dovecot: Dovecot, after: str
) -> None:
    """What was skipped is kept in the database with the rest the poller holds: without
    it, the first pass after a restart took the message (below the bookmark, its flag
    taken back) for one stored and not yet moved, and moved or flagged it unstored."""
    user = dovecot.add_user()
    with dovecot.client(user) as c:
        for subject in ("first", "deleted, then taken back", "third"):
            c.append("INBOX", mail(subject))
        c.select_folder("INBOX")
        c.add_flags([2], [DELETED])
    account = dovecot.account(user, after=after)
    p = poller(app, account)
    assert p.poll_once() == 2
    p.close()
    with dovecot.client(user) as c:
        c.select_folder("INBOX")
        c.remove_flags([2], [DELETED])
    restarted = poller(app, account)
    assert restarted.poll_once() == 1
    assert restarted.poll_once() == 0
    restarted.close()
    assert subjects(app) == ["deleted, then taken back", "first", "third"]
