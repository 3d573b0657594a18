"""Messages the poller cannot have must not hold back the rest of the mailbox.

A real Dovecot (tests/support/dovecot.py) serves these tests, with a message file
made unreadable to it where a damaged message is needed; the one server quirk
Dovecot cannot produce (a FETCH answered without the message's content) is played
by a tiny fake server of our own, said so where it is used.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Any

import pytest

from gateway.config.settings import ImapSettings
from gateway.receive.imap import ImapError, ImapPoller
from gateway.receive.imap.damaged import NO_CONTENT_TRIES
from gateway.runtime.app import App
from store import sources
from store.db import transaction
from tests.support.databases import sqlite_only
from tests.support.dovecot import Dovecot
from tests.support.imap_quirks import Message, QuirkyImap
from tests.support.mails import mail
from tests.support.pipeline import inbox_raw, inbox_rows
from tests.support.polling import running
from tests.support.waiting import eventually

UNREADABLE = b"$GatewayUnreadable"


def poller(app: App, account: ImapSettings, **kwargs: Any) -> ImapPoller:
    return ImapPoller(account, app.settings, app.sessions, app.clock, **kwargs)


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
        assert eventually(lambda: len(inbox_rows(app)) == 3)  # "three"
        with dovecot.client(user) as c:
            c.append("Support", mail("four"))
        assert eventually(lambda: len(inbox_rows(app)) == 4)
    said = [r.getMessage() for r in caplog.records if "cannot be read" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith(f"imap {account.key}: uid 2 cannot be read")
    with transaction(app.sessions) as s:
        mark = sources.bookmark(s, account.source)
    assert (mark.uidvalidity, mark.last_uid) == (uidvalidity, 5)
    marks = keywords(dovecot, user, "Support")
    assert {uid for uid, f in marks.items() if UNREADABLE in f} == {2}
    assert {uid for uid, f in marks.items() if b"$Processed" in f} == {1, 3, 4, 5}


@sqlite_only
def test_a_damaged_newest_message_does_not_hold_back_the_one_before_it(
    app: App, dovecot: Dovecot
) -> None:
    """The damaged-message steps read the newest message to show that the server works
    before they call a message damaged; when the newest was damaged too, that read
    failed at every pass and the mail between the two was held back until new mail came.
    Now another message is read instead, and both damaged ones are marked, without
    waiting for new mail."""
    user = dovecot.add_user()
    with dovecot.client(user) as c:
        for raw in (mail("first"), mail("damaged"), mail("third"), mail("damaged too")):
            c.append("INBOX", raw)
    for uid in (2, 4):
        dovecot.message_file(user, uid).chmod(0)
    account = dovecot.account(user, after="flag")

    def marked() -> set[int]:
        return {uid for uid, f in keywords(dovecot, user, "INBOX").items() if UNREADABLE in f}

    with running(poller(app, account)):
        assert eventually(lambda: len(inbox_rows(app)) == 2)  # "first" and "third"
        assert eventually(lambda: marked() == {2, 4})
        with dovecot.client(user) as c:
            c.append("INBOX", mail("fifth"))
        assert eventually(lambda: len(inbox_rows(app)) == 3)
    assert marked() == {2, 4}


# -- a server that answers without the content (a fake: Dovecot never does this) -----


def stored_subjects(app: App) -> list[str]:
    return [
        line.split(b": ", 1)[1].decode()
        for r in inbox_rows(app)
        for line in inbox_raw(app, r.id).splitlines()
        if line.startswith(b"Subject: ")
    ]


QUIRKS = [
    pytest.param(Message(b"", "nil"), id="BODY[] NIL"),
    pytest.param(Message(b"", "omitted"), id="BODY[] left out"),
    pytest.param(Message(b"", "nil", size_nil=True), id="RFC822.SIZE NIL too"),
]


@sqlite_only
@pytest.mark.parametrize("quirk", QUIRKS)
def test_a_message_answered_without_content_is_asked_for_again(
    app: App,
    quirky: QuirkyImap,
    tls_files: tuple[Path, Path],
    quirk: Message,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Exchange answers some FETCHes with ``BODY[] NIL`` or leaves ``BODY[]`` out; Dovecot
    cannot be made to, so a fake server plays it (tests/support/imap_quirks.py). NIL
    stopped every pass with a TypeError (the mailbox was never read again); a left-out
    body was skipped and the bookmark moved past it, so the message was never read and
    nobody was told. Now the mail around it is stored, it stays untouched in the folder
    with the bookmark before it, a warning says so, and the next pass gets it."""
    quirky.add(Message(mail("first")))
    uid = quirky.add(Message(mail("second"), quirk.answer, quirk.size_nil))
    quirky.add(Message(mail("third")))
    account = quirky.account(tls_files[0])
    p = poller(app, account)
    with caplog.at_level(logging.WARNING, logger="gateway.imap"):
        assert p.poll_once() == 2
    assert sorted(stored_subjects(app)) == ["first", "third"]
    assert quirky.messages[uid].flags == set()  # neither processed, nor \Seen, nor deleted
    assert {u for u, m in quirky.messages.items() if "$Processed" in m.flags} == {1, 3}
    assert [r.getMessage() for r in caplog.records] == [
        f"imap {account.key}: uid 2 came without its content (the server answered BODY[] "
        "NIL or left it out); it stays in the folder and is asked for again at the next "
        "pass (1 of 5 tries)"
    ]
    with transaction(app.sessions) as s:
        assert sources.bookmark(s, account.source).last_uid == 1

    quirky.messages[uid].answer = "body"  # the server hands it out after all
    assert p.poll_once() == 1
    p.close()
    assert sorted(stored_subjects(app)) == ["first", "second", "third"]
    assert {u for u, m in quirky.messages.items() if "$Processed" in m.flags} == {1, 2, 3}
    with transaction(app.sessions) as s:
        assert sources.bookmark(s, account.source).last_uid == 3


@sqlite_only
def test_a_message_never_answered_with_content_is_marked_after_a_few_passes(
    app: App, quirky: QuirkyImap, tls_files: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    """The retries are bounded: after NO_CONTENT_TRIES passes without content the message
    gets the keyword $GatewayUnreadable (never \\Seen, never moved or deleted), one error
    is logged, and the bookmark steps over it, also for a restarted poller."""
    quirky.add(Message(mail("first")))
    quirky.add(Message(b"", "nil"))
    account = quirky.account(tls_files[0])
    p = poller(app, account)
    with caplog.at_level(logging.ERROR, logger="gateway.imap"):
        assert [p.poll_once() for _ in range(NO_CONTENT_TRIES)] == [1] + [0] * (
            NO_CONTENT_TRIES - 1
        )
    assert quirky.messages[2].fetched == NO_CONTENT_TRIES
    assert quirky.messages[2].flags == {"$GatewayUnreadable"}
    assert [r.getMessage() for r in caplog.records] == [
        f"imap {account.key}: uid 2 came without its content 5 times; it stays in the "
        "folder with the keyword $GatewayUnreadable, and the mail after it is read on"
    ]
    quirky.add(Message(mail("third")))
    assert p.poll_once() == 1
    p.close()
    restarted = poller(app, account)
    assert restarted.poll_once() == 0
    restarted.close()
    assert quirky.messages[2].fetched == NO_CONTENT_TRIES
    assert sorted(stored_subjects(app)) == ["first", "third"]
    with transaction(app.sessions) as s:
        assert sources.bookmark(s, account.source).last_uid == 3


@sqlite_only
def test_a_rescan_waits_for_a_message_answered_without_content(
    app: App, quirky: QuirkyImap, tls_files: tuple[Path, Path]
) -> None:
    """In a rescan after a UIDVALIDITY change, a message without content keeps the rescan
    going (the bookmark keeps the old UIDVALIDITY, so a Message-ID stored before stays a
    duplicate) until it is read; the mail after it is stored meanwhile."""
    first, second = mail("first"), mail("second", message_id="<second@customer.test>")
    quirky.add(Message(first))
    quirky.add(Message(second))
    account = quirky.account(tls_files[0])
    p = poller(app, account)
    assert p.poll_once() == 2

    quirky.uidvalidity = 8  # the folder is rebuilt: new UIDs, the same mail and more
    quirky.messages, quirky.uidnext = {}, 1  # UIDs begin again under the new UIDVALIDITY
    quirky.add(Message(first))
    quirky.add(Message(mail("new"), "nil"))
    quirky.add(Message(b"X-Migrated: yes\r\n" + second))  # same Message-ID, other bytes
    quirky.add(Message(mail("newer")))
    assert p.poll_once() == 1  # "newer"
    with transaction(app.sessions) as s:
        assert sources.bookmark(s, account.source).uidvalidity == 7
    quirky.messages[2].answer = "body"
    assert p.poll_once() == 1  # "new"; the rewritten "second" is still a duplicate
    assert p.poll_once() == 0
    p.close()
    assert sorted(stored_subjects(app)) == ["first", "new", "newer", "second"]
    with transaction(app.sessions) as s:
        mark = sources.bookmark(s, account.source)
    assert (mark.uidvalidity, mark.last_uid) == (8, 4)


# -- a damaged message with no mail after it -----------------------------------------


def passes_until_marked(p: ImapPoller, server: Dovecot, user: str, uid: int, most: int) -> int:
    """How many passes (a failed one counts: it is the run loop's next retry) until
    ``uid`` carries the keyword; ``most`` + 1 when it never did within ``most``."""
    for n in range(1, most + 1):
        with contextlib.suppress(ImapError):
            p.poll_once()
        if UNREADABLE in keywords(server, user, "INBOX").get(uid, set()):
            return n
    return most + 1


@sqlite_only
@pytest.mark.parametrize("after", ["move", "flag"])
def test_a_damaged_newest_message_is_marked_without_waiting_for_newer_mail(
    app: App, dovecot: Dovecot, after: str
) -> None:
    """Before calling a message damaged the poller read a newer one to show that the
    server works; the newest message of the folder had none, so when it was the damaged
    one it failed at every pass and was marked only once new mail came. Now it is marked
    after as many passes as a damaged message with newer mail behind it, and the mail
    before it is stored meanwhile."""
    counted = {}
    for newer in (0, 2):
        user = dovecot.add_user()
        with dovecot.client(user) as c:
            for raw in [mail("first"), mail("second"), mail("damaged")]:
                c.append("INBOX", raw)
            for n in range(newer):
                c.append("INBOX", mail(f"newer {n}"))
        dovecot.message_file(user, 3).chmod(0)
        account = dovecot.account(user, after=after)
        p = poller(app, account)
        counted[newer] = passes_until_marked(p, dovecot, user, 3, most=10)
        p.close()
        assert counted[newer] <= 10, f"uid 3 not marked in 10 passes ({newer} after it)"
        with transaction(app.sessions) as s:
            assert sources.bookmark(s, account.source).last_uid == 3 + newer
    assert counted[0] == counted[2]
    assert len(inbox_rows(app)) == 2 + 2 + 2  # "first" and "second" twice, "newer" 0 and 1
