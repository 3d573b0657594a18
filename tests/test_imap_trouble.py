"""What one message or the server can do to a mailbox in the middle of a pass, tried
against the real Dovecot the other IMAP tests use (tests/support/dovecot.py): mail
deleted by another client after the SEARCH, the connection cut during a FETCH, a folder
that does not exist, a login refused. None of them may lose a message, stall the
mailbox, or fail without one clear log line naming the mailbox.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from imapclient import IMAPClient

from gateway.config.settings import ImapSettings
from gateway.receive.imap import ImapPoller
from gateway.runtime.app import App
from store import sources
from store.db import transaction
from tests.support.databases import sqlite_only
from tests.support.dovecot import Certs, Dovecot
from tests.support.mails import mail
from tests.support.pipeline import inbox_rows


@pytest.fixture
def own_dovecot(dovecot_certs: Certs) -> Iterator[Dovecot]:
    """A server of this test's own, to stop and start again."""
    server = Dovecot(dovecot_certs)
    server.start()
    yield server
    server.destroy()


def poller(app: App, account: ImapSettings) -> ImapPoller:
    return ImapPoller(account, app.settings, app.sessions, app.clock)


def append(server: Dovecot, user: str, *raws: bytes, folder: str = "INBOX") -> None:
    with server.client(user) as c:
        for raw in raws:
            c.append(folder, raw)


def folder_flags(server: Dovecot, user: str, folder: str = "INBOX") -> dict[int, set[bytes]]:
    with server.client(user) as c:
        c.select_folder(folder, readonly=True)
        fetched = c.fetch(c.search("ALL"), ["FLAGS"])
        return {uid: set(data[b"FLAGS"]) for uid, data in fetched.items()}


def last_uid(app: App, account: ImapSettings) -> int:
    with transaction(app.sessions) as s:
        return sources.bookmark(s, account.source).last_uid


def after_the_poller(
    monkeypatch: pytest.MonkeyPatch, p: ImapPoller, name: str, then: Callable[[Any], None]
) -> None:
    """Call ``then`` with the answer of the poller's first ``name`` command (search,
    fetch) that names UID 2, before the poller sees the answer; other clients' are
    left alone."""
    real = getattr(IMAPClient, name)
    done: list[bool] = []

    def hooked(client: IMAPClient, *args: Any, **kwargs: Any) -> Any:
        if client is not p._client or done:
            return real(client, *args, **kwargs)
        answer = real(client, *args, **kwargs)
        if 2 in answer:
            done.append(True)
            then(answer)
        return answer

    monkeypatch.setattr(IMAPClient, name, hooked)


# -- a message deleted by another client between SEARCH and FETCH --------------------


@sqlite_only
@pytest.mark.parametrize("batch_size", [1, 50])
@pytest.mark.parametrize("after", ["move", "flag"])
def test_a_message_deleted_after_the_search_is_said_so_and_holds_nothing_back(
    app: App,
    dovecot: Dovecot,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    after: str,
    batch_size: int,
) -> None:
    """A person deleted a message after the poller's SEARCH found it: the FETCH answered
    without it, and the poller took it for a message the server would not hand out: a
    warning that it 'stays in the folder and is asked for again', and the bookmark held
    before it. Now it is said to be gone, and the pass goes on past it."""
    user = dovecot.add_user()
    append(dovecot, user, mail("first"), mail("deleted"), mail("third"))
    account = dovecot.account(user, after=after, batch_size=batch_size)
    p = poller(app, account)

    def delete(_found: Any) -> None:
        with dovecot.client(user) as person:
            person.select_folder("INBOX")
            person.delete_messages([2])
            person.expunge()

    after_the_poller(monkeypatch, p, "search", delete)
    with caplog.at_level(logging.WARNING, logger="gateway.imap"):
        assert p.poll_once() == 2
        assert p.poll_once() == 0
    p.close()
    assert [r.getMessage() for r in caplog.records] == [
        f"imap {account.key}: uid 2 was deleted from the folder (by another client) "
        "before it could be read; there is nothing to store"
    ]
    assert last_uid(app, account) == 3
    assert len(inbox_rows(app)) == 2
