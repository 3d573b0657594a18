"""What one message or the server can do to a mailbox in the middle of a pass, tried
against the real Dovecot the other IMAP tests use (tests/support/dovecot.py): mail
deleted by another client after the SEARCH, the connection cut during a FETCH, a folder
that does not exist, a login refused. None of them may lose a message, stall the
mailbox, or fail without one clear log line naming the mailbox.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from imapclient import IMAPClient

from gateway.config.settings import ImapSettings
from gateway.receive.imap import ImapError, ImapPoller
from gateway.runtime.app import App
from store import sources
from store.db import transaction
from tests.support.databases import sqlite_only
from tests.support.dovecot import PASSWORD, Certs, Dovecot
from tests.support.mails import mail
from tests.support.pipeline import inbox_rows
from tests.support.polling import running
from tests.support.waiting import eventually


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


# -- the server drops the connection in the middle of a FETCH ------------------------


@sqlite_only
@pytest.mark.parametrize("after", ["move", "flag"])
def test_a_connection_cut_in_the_middle_of_a_fetch_loses_nothing_and_marks_nothing(
    app: App,
    own_dovecot: Dovecot,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    after: str,
) -> None:
    """The server goes down while it sends a batch of messages: nothing of the batch is
    stored or acknowledged, the cut is logged once naming the mailbox, and once the
    server is back every message is stored once, none taken for a damaged one."""
    user = own_dovecot.add_user()
    # a first message too big to be in the socket's buffers when the server goes
    big = mail("first").replace(b"\n", b"\r\n") + (b"A" * 76 + b"\r\n") * 150_000
    append(own_dovecot, user, big, mail("second"), mail("third"))
    account = own_dovecot.account(user, after=after)
    p = poller(app, account)
    read = imaplib.IMAP4.read
    cut: list[bool] = []

    def cut_midway(imap: imaplib.IMAP4, size: int) -> bytes:
        """The first message's size was announced, and the server goes."""
        if not cut and p._client is not None and imap is p._client._imap:
            cut.append(True)
            own_dovecot.stop()
        return read(imap, size)

    monkeypatch.setattr(imaplib.IMAP4, "read", cut_midway)
    with caplog.at_level(logging.INFO, logger="gateway.imap"), running(p):
        assert eventually(lambda: p.status.failures >= 2)
        assert inbox_rows(app) == []
        own_dovecot.start()
        assert eventually(lambda: len(inbox_rows(app)) == 3, 40)
    assert cut
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors[0].startswith(f"imap {account.key}: connection to 127.0.0.1:")
    assert not [m for m in errors if "cannot be read" in m or "without its content" in m]
    assert last_uid(app, account) == 3
    flags = folder_flags(own_dovecot, user)
    if after == "move":
        assert flags == {}
    else:
        assert {uid: b"$Processed" in f for uid, f in flags.items()} == {1: True, 2: True, 3: True}


# -- a folder that does not exist, a login refused -----------------------------------


@sqlite_only
def test_a_folder_that_does_not_exist_is_said_once_and_read_once_it_does(
    app: App, dovecot: Dovecot, caplog: pytest.LogCaptureFixture
) -> None:
    """A folder misspelt or not made yet: one error naming the mailbox and the folder,
    retried with backoff (no busy loop, no crash), and read as soon as it exists."""
    user = dovecot.add_user()
    account = dovecot.account(user, folder="Support")
    p = poller(app, account)
    with caplog.at_level(logging.INFO, logger="gateway.imap"), running(p):
        assert eventually(lambda: p.status.failures >= 3)
        with dovecot.client(user) as c:
            c.create_folder("Support")
            c.append("Support", mail("now it exists"))
        assert eventually(lambda: len(inbox_rows(app)) == 1)
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"imap {account.key}: ") and account.key.endswith("/Support")
    assert "Mailbox doesn't exist: Support." in errors[0]
    assert any("working again" in r.getMessage() for r in caplog.records)


@sqlite_only
@pytest.mark.parametrize("after", ["move", "flag"])
def test_a_read_only_folder_is_said_so_and_read_once_it_may_be_changed(
    app: App, dovecot: Dovecot, after: str
) -> None:
    """A folder the account may read but not change (a shared folder with read rights
    only; here its Maildir is not writable for the server): imaplib raises "is not
    writable" at the SELECT as an *abort*, and the poller said "connection to … lost:
    b'"Support"' is not writable", dropped the connection and said it again at every
    retry. Now it says that the folder is read-only for the account and what to do; the
    mail waits on the server, unread, and is read once the rights are given."""
    user = dovecot.add_user()
    with dovecot.client(user) as c:
        c.create_folder("Support")
        c.append("Support", mail("waits"))
    maildir = dovecot.message_file(user, 1, "Support").parent.parent
    parts = (maildir, maildir / "cur", maildir / "new", maildir / "tmp")
    for part in parts:
        part.chmod(0o555)
    account = dovecot.account(user, folder="Support", after=after)
    p = poller(app, account)
    with pytest.raises(ImapError) as refused:
        p.poll_once()
    assert str(refused.value) == (
        f"the folder Support on 127.0.0.1:{account.port} is read-only for the account "
        f"'{user}': the gateway cannot move or "
        "flag what it stores there, so it reads nothing; give the account the right to "
        "change the folder (IMAP ACL rights w, s, t and e), or poll another folder; "
        "messages stay on the server until then"
    )
    assert p._client is None  # dropped: imaplib refuses every later command
    assert inbox_rows(app) == []
    for part in parts:
        part.chmod(0o755)
    assert p.poll_once() == 1
    p.close()
    assert folder_flags(dovecot, user, "Support") == (
        {} if after == "move" else {1: {b"$Processed"}}
    )


@sqlite_only
def test_a_refused_login_is_said_once_retried_and_gets_in_with_the_new_password(
    app: App, own_dovecot: Dovecot, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """On a server of its own (Dovecot slows down logins from an IP after a failure)."""
    user = own_dovecot.add_user()
    append(own_dovecot, user, mail("waiting"))
    secret = tmp_path / "password"
    secret.write_text("not the password\n")
    account = own_dovecot.account(user, password_file=secret)
    p = poller(app, account)
    with caplog.at_level(logging.INFO, logger="gateway.imap"), running(p):
        assert eventually(lambda: p.status.failures >= 2)
        assert inbox_rows(app) == []
        secret.write_text(PASSWORD + "\n")  # the password is read at every login
        assert eventually(lambda: len(inbox_rows(app)) == 1, 30)
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"imap {account.key}: login as '{user}' refused by 127.0.0.1:")


# -- the folder rebuilt (UIDVALIDITY changed) while the poller reads it --------------


@sqlite_only
@pytest.mark.parametrize("after", ["move", "flag"])
def test_a_folder_rebuilt_between_search_and_fetch_is_rescanned_without_loss(
    app: App,
    dovecot: Dovecot,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    after: str,
) -> None:
    """The provider rebuilds the folder (new UIDVALIDITY, new UIDs) right after the
    poller's SEARCH: whatever the old session answers for the old UIDs (Dovecot may
    still hand out a message it has open), the next pass rescans the new folder, every
    message is stored once (none lost, none twice), and the bookmark takes the new
    UIDVALIDITY."""
    user = dovecot.add_user()
    first, second = mail("first"), mail("second")
    with dovecot.client(user) as c:
        c.create_folder("Support")
        c.append("Support", first)
    account = dovecot.account(user, folder="Support", after=after)
    p = poller(app, account)
    assert p.poll_once() == 1
    append(dovecot, user, second, folder="Support")

    def rebuild(_found: Any) -> None:
        with dovecot.client(user) as c:
            c.delete_folder("Support")
            c.create_folder("Support")
            for raw in ([] if after == "move" else [first]) + [second, mail("third")]:
                c.append("Support", raw)

    after_the_poller(monkeypatch, p, "search", rebuild)
    with caplog.at_level(logging.INFO, logger="gateway.imap"):
        for _ in range(4):
            with contextlib.suppress(ImapError):
                p.poll_once()
    p.close()
    assert len(inbox_rows(app)) == 3
    with dovecot.client(user) as c:
        uidvalidity = c.select_folder("Support")[b"UIDVALIDITY"]
    with transaction(app.sessions) as s:
        mark = sources.bookmark(s, account.source)
    assert mark.uidvalidity == uidvalidity
    assert any("UIDVALIDITY changed" in r.getMessage() for r in caplog.records)


# -- the processed folder deleted by a person while the poller works -----------------


@sqlite_only
def test_a_processed_folder_deleted_meanwhile_is_made_again_and_nothing_is_lost(
    app: App, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A person deletes ``processed_folder`` after the poller fetched a batch and before
    it moves it: the MOVE is refused, and the poller makes the folder again and moves
    the stored mail in the same pass (nothing lost, nothing stored twice, no error)."""
    user = dovecot.add_user()
    append(dovecot, user, mail("first"), mail("second"))
    account = dovecot.account(user, after="move")
    p = poller(app, account)

    def delete_processed(_found: Any) -> None:
        with dovecot.client(user) as c:
            c.delete_folder(account.processed_folder)

    after_the_poller(monkeypatch, p, "fetch", delete_processed)
    assert p.poll_once() == 2
    assert p.poll_once() == 0
    p.close()
    assert len(inbox_rows(app)) == 2
    assert folder_flags(dovecot, user) == {}
    assert sorted(folder_flags(dovecot, user, account.processed_folder)) == [1, 2]


# -- the server says goodbye (BYE) while the poller waits in IDLE ---------------------


@sqlite_only
def test_a_bye_heard_in_idle_is_said_with_the_servers_reason(
    app: App, dovecot: Dovecot, caplog: pytest.LogCaptureFixture
) -> None:
    """A person deletes the watched folder while the poller idles in it: Dovecot ends
    the session with a ``* BYE`` that says why (``Selected mailbox was deleted, have
    to disconnect.``, or that the session's state is inconsistent). The
    log and ``status`` said only "connection lost: socket error: EOF" (the BYE was
    read in IDLE and dropped); they say the server's reason now, then that the folder
    does not exist, and the mail of a folder made again is read."""
    user = dovecot.add_user()
    with dovecot.client(user) as c:
        c.create_folder("Support")
    account = dovecot.account(user, folder="Support")
    p = poller(app, account)
    with caplog.at_level(logging.INFO, logger="gateway.imap"), running(p):
        assert eventually(lambda: p.status.idles >= 1)
        with dovecot.client(user) as c:
            c.delete_folder("Support")
        assert eventually(lambda: p.status.failures >= 2)
        with dovecot.client(user) as c:
            c.create_folder("Support")
            c.append("Support", mail("after the folder came back"))
        assert eventually(lambda: len(inbox_rows(app)) == 1)
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert re.fullmatch(  # Dovecot says one or the other, as the deletion reaches it
        rf"imap {re.escape(account.key)}: connection to 127\.0\.0\.1:{account.port} lost: "
        r"(Selected mailbox was deleted, have to disconnect\.|IMAP session state is "
        r"inconsistent, please relogin\.); retrying with backoff \(next try in [\d.]+s\)",
        errors[0],
    ), errors
    assert "Mailbox doesn't exist: Support." in errors[1]
