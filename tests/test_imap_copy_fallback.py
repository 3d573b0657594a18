"""On a server without MOVE a stored message is copied to the processed folder, then
flagged ``\\Deleted`` and expunged: a cut line or a stop between the COPY and the end
of the pass must not put a second copy there.

What was copied is written to the database right after each COPY (not at the end of
the pass), so a restart does not copy it again. A COPY whose answer was lost (the
line cut after the server carried it out, or before) may or may not have made a
copy: before copying again, the poller looks in the processed folder for the
message's Message-ID. The fake server (tests/support/imap_quirks.py) cuts the line at
the chosen command, before carrying it out or just after; the real Dovecot answers
the search.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from imapclient import IMAPClient
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from gateway.core.clock import FakeClock
from gateway.core.errors import TransientError
from gateway.receive.imap import ImapError, ImapPoller
from gateway.runtime.app import App
from store import sources
from store.db import transaction
from store.sources import Held
from tests.support.databases import sqlite_only
from tests.support.dovecot import Dovecot
from tests.support.imap_quirks import Message, QuirkyImap
from tests.support.mails import mail
from tests.support.pipeline import inbox_rows
from tests.support.refused_acks import acknowledged, poller, setup

SEARCHED = "UID SEARCH HEADER MESSAGE-ID"


def copies(quirky: QuirkyImap) -> int:
    return sum(1 for c in quirky.commands if c.upper().startswith("UID COPY"))


def searches(quirky: QuirkyImap) -> int:
    return sum(1 for c in quirky.commands if c.upper().startswith(SEARCHED))


def without_message_id(raw: bytes) -> bytes:
    return re.sub(rb"(?im)^message-id:.*\r?\n", b"", raw, count=1)


@contextmanager
def acks_written(app: App) -> Iterator[list[str]]:
    """The statements that write ``source_state.acks`` while in the block."""
    seen: list[str] = []

    def record(*args: object) -> None:
        statement = str(args[2])
        if "acks" in statement and statement.lstrip().upper().startswith(("UPDATE", "INSERT")):
            seen.append(statement)

    event.listen(app.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(app.engine, "before_cursor_execute", record)


def cut(p: ImapPoller) -> None:
    with pytest.raises(ImapError, match=r"connection to|network error"):
        p.poll_once()


@sqlite_only
@pytest.mark.parametrize("batch_size", [1, 50])
@pytest.mark.parametrize("at", ["UID STORE", "UID EXPUNGE"])
def test_a_restart_after_a_cut_that_followed_the_copy_does_not_copy_again(
    app: App, quirky: QuirkyImap, tls_files: tuple[Path, Path], at: str, batch_size: int
) -> None:
    """The copies were written to the database only when a pass ended: a line cut
    after the COPY (at the ``\\Deleted`` STORE, at the EXPUNGE), then a stop, and the
    restarted daemon copied every message again."""
    raws = [mail("first"), mail("second"), mail("third")]
    for raw in raws:
        quirky.add(Message(raw))
    account = setup(quirky, tls_files, "copy", batch_size=batch_size)
    quirky.hang_up = (at,)
    cut(poller(app, account))
    copied = copies(quirky)
    assert copied >= 1 and sorted(acknowledged(quirky, account)) == sorted(raws[:batch_size])
    quirky.hang_up = ()
    restarted = poller(app, account)
    restarted.poll_once()
    restarted.close()
    assert quirky.messages == {}
    assert sorted(acknowledged(quirky, account)) == sorted(raws)  # each once
    assert len(inbox_rows(app)) == 3
    assert searches(quirky) == 0  # a COPY that was answered needs no looking


@sqlite_only
@pytest.mark.parametrize("restart", [False, True], ids=["same poller", "restarted"])
@pytest.mark.parametrize("batch_size", [1, 50])
def test_a_copy_whose_answer_was_lost_is_looked_for_before_copying_again(
    app: App, quirky: QuirkyImap, tls_files: tuple[Path, Path], batch_size: int, restart: bool
) -> None:
    """The server made the copies, then the line was cut before its answer: the next
    pass copied them again. Now it finds them in the processed folder by Message-ID,
    only flags and expunges them, and what was never copied is copied once."""
    raws = [mail("first"), mail("second"), mail("third")]
    for raw in raws:
        quirky.add(Message(raw))
    account = setup(quirky, tls_files, "copy", batch_size=batch_size)
    quirky.hang_up_after = ("UID COPY",)
    p = poller(app, account)
    cut(p)
    quirky.hang_up_after = ()
    assert sorted(acknowledged(quirky, account)) == sorted(raws[:batch_size])
    assert len(quirky.messages) == 3  # copied, but still here
    if restart:
        p.close()
        p = poller(app, account)
    p.poll_once()
    p.close()
    assert quirky.messages == {}
    assert sorted(acknowledged(quirky, account)) == sorted(raws)  # each once
    assert searches(quirky) == min(batch_size, 3)  # the unsure ones only


@sqlite_only
@pytest.mark.parametrize("restart", [False, True], ids=["same poller", "restarted"])
def test_a_copy_cut_before_the_server_made_it_is_made_once(
    app: App, quirky: QuirkyImap, tls_files: tuple[Path, Path], restart: bool
) -> None:
    """The line was cut before the server carried out the COPY: the search finds no
    copy, and the message is copied, not stepped over."""
    raws = [mail("first"), mail("second")]
    for raw in raws:
        quirky.add(Message(raw))
    account = setup(quirky, tls_files, "copy")
    quirky.hang_up = ("UID COPY",)
    p = poller(app, account)
    cut(p)
    quirky.hang_up = ()
    assert acknowledged(quirky, account) == []
    if restart:
        p.close()
        p = poller(app, account)
    p.poll_once()
    p.close()
    assert quirky.messages == {}
    assert sorted(acknowledged(quirky, account)) == sorted(raws)
    assert searches(quirky) == 2


@sqlite_only
def test_a_lost_copy_without_message_id_is_copied_again_and_never_lost(
    app: App, quirky: QuirkyImap, tls_files: tuple[Path, Path]
) -> None:
    """Nothing names a message without Message-ID in the processed folder: it is
    copied again (a possible duplicate there), rather than risk removing its only copy."""
    raw = without_message_id(mail("no id"))
    quirky.add(Message(raw))
    account = setup(quirky, tls_files, "copy")
    quirky.hang_up_after = ("UID COPY",)
    cut(poller(app, account))
    quirky.hang_up_after = ()
    restarted = poller(app, account)
    restarted.poll_once()
    restarted.close()
    assert quirky.messages == {}
    assert acknowledged(quirky, account) == [raw, raw]
    assert searches(quirky) == 0


@sqlite_only
@pytest.mark.parametrize("restart", [False, True], ids=["same poller", "restarted"])
@pytest.mark.parametrize("how", ["copied", "unsure"])
def test_a_changed_uidvalidity_forgets_what_was_copied(
    app: App,
    quirky: QuirkyImap,
    tls_files: tuple[Path, Path],
    how: str,
    restart: bool,
) -> None:
    """The copies are named by UID, and a new UIDVALIDITY gives the same UIDs to other
    messages: one taken for copied would be flagged and expunged without a copy."""
    clock: FakeClock = app.clock  # type: ignore[assignment]
    old = mail("old")
    refuse = "NO Message is locked" if how == "copied" else ""
    quirky.add(Message(old, refuse=refuse, refused_by=("UID STORE",)))
    account = setup(quirky, tls_files, "copy")
    p = poller(app, account)
    if how == "copied":
        p.poll_once()  # copied, its \Deleted refused: remembered as copied
    else:
        quirky.hang_up_after = ("UID COPY",)
        cut(p)
        quirky.hang_up_after = ()
    with transaction(app.sessions) as s:
        kept = sources.held(s, account.source)
    assert kept is not None and (kept.copied or kept.unsure) == (1,)
    new = mail("new")
    quirky.messages = {1: Message(new)}  # the server rebuilt its index: UID 1 is another
    quirky.uidvalidity += 1
    if restart:
        p.close()
        p = poller(app, account)
    clock.advance(timedelta(days=1))
    p.poll_once()
    p.close()
    assert quirky.messages == {}
    assert new in acknowledged(quirky, account)
    with transaction(app.sessions) as s:
        assert sources.held(s, account.source) is None


@sqlite_only
@pytest.mark.parametrize("restart", [False, True], ids=["same poller", "restarted"])
def test_a_copy_whose_answer_was_lost_in_a_rescan_is_looked_for_at_the_next_pass(
    app: App, quirky: QuirkyImap, tls_files: tuple[Path, Path], restart: bool
) -> None:
    """In a rescan after a UIDVALIDITY change the next pass read on past the message
    whose COPY answer was lost: it stayed in the folder until a pass after the rescan's
    end looked for it, and a poller restarted in the rescan read the folder from the
    start and copied it again without looking. Now every pass, a rescan's too, looks
    for it first and finishes it."""
    account = setup(quirky, tls_files, "copy", batch_size=1)
    before = mail("before the rebuild")
    quirky.add(Message(before))
    p = poller(app, account)
    assert p.poll_once() == 1
    quirky.uidvalidity += 1  # the folder is rebuilt: UIDs begin again
    quirky.messages, quirky.uidnext = {}, 1
    raws = [mail("first"), mail("second")]
    for raw in raws:
        quirky.add(Message(raw))
    quirky.hang_up_after = ("UID COPY",)
    cut(p)  # the rescan stored the first, its COPY was made and the answer lost
    quirky.hang_up_after = ()
    assert len(quirky.messages) == 2
    if restart:
        p.close()
        p = poller(app, account)
    p.poll_once()
    assert quirky.messages == {}  # the first one too, in this pass
    p.close()
    assert sorted(acknowledged(quirky, account)) == sorted([before, *raws])  # each once
    assert searches(quirky) == 1
    assert len(inbox_rows(app)) == 3


@sqlite_only
@pytest.mark.parametrize("how", ["copied", "unsure"])
def test_a_copy_after_a_message_without_content_is_not_copied_again(
    app: App, quirky: QuirkyImap, tls_files: tuple[Path, Path], how: str
) -> None:
    """A message without content keeps the bookmark before it while the mail after it
    is stored and copied. The next pass forgot the copies above the bookmark (they
    were not among the stored messages still in the folder it searched), read them
    again and copied them a second time."""
    clock: FakeClock = app.clock  # type: ignore[assignment]
    first, after = mail("first"), mail("after the hole")
    quirky.add(Message(first))
    quirky.add(Message(mail("no content"), answer="nil"))
    refuse = "NO Message is locked" if how == "copied" else ""
    quirky.add(Message(after, refuse=refuse, refused_by=("UID STORE",)))
    account = setup(quirky, tls_files, "copy", batch_size=1)
    p = poller(app, account)
    if how == "copied":
        p.poll_once()  # copied, its \Deleted refused: remembered as copied
    else:
        quirky.hang_up_after = ("UID COPY 3",)
        cut(p)
        quirky.hang_up_after = ()
    with transaction(app.sessions) as s:
        assert sources.bookmark(s, account.source).last_uid == 1  # before the hole
        kept = sources.held(s, account.source)
    assert kept is not None and (kept.copied or kept.unsure) == (3,)
    for _ in range(2):
        clock.advance(timedelta(days=1))
        p.poll_once()
    p.close()
    assert acknowledged(quirky, account).count(after) == 1
    assert acknowledged(quirky, account).count(first) == 1


@sqlite_only
@pytest.mark.parametrize("batch_size", [1, 50])
def test_the_copies_cost_two_writes_per_copy_command(
    app: App, quirky: QuirkyImap, tls_files: tuple[Path, Path], batch_size: int
) -> None:
    """Written at each COPY command, not at each message: before it is sent (the
    intent, which a kill waiting for the answer leaves) and once it is answered; plus
    one at the end of the pass (the copies are gone from the folder: nothing kept)."""
    for n in range(5):
        quirky.add(Message(mail(f"m{n}")))
    account = setup(quirky, tls_files, "copy", batch_size=batch_size)
    with acks_written(app) as writes, poller(app, account) as p:
        assert p.poll_once() == 5
    assert quirky.messages == {} and len(acknowledged(quirky, account)) == 5
    assert len(writes) == 2 * copies(quirky) + 1


@sqlite_only
def test_a_copy_whose_intent_cannot_be_written_is_not_sent(
    app: App, quirky: QuirkyImap, tls_files: tuple[Path, Path]
) -> None:
    """The database is out when the intent is to be written: the COPY is not sent (a
    kill waiting for its answer would leave nothing to look for), the pass fails as a
    database outage, and the next one copies each message once, with nothing to look for."""
    raws = [mail("first"), mail("second")]
    for raw in raws:
        quirky.add(Message(raw))
    account = setup(quirky, tls_files, "copy")
    p = poller(app, account)

    def locked(*args: object) -> None:
        if "UPDATE source_state SET acks" in str(args[2]):
            raise OperationalError(str(args[2]), {}, Exception("database is locked"))

    event.listen(app.engine, "before_cursor_execute", locked)
    try:
        with pytest.raises(TransientError):
            p.poll_once()
    finally:
        event.remove(app.engine, "before_cursor_execute", locked)
    assert copies(quirky) == 0 and len(quirky.messages) == 2
    assert p.poll_once() == 0  # stored already
    p.close()
    assert quirky.messages == {}
    assert sorted(acknowledged(quirky, account)) == sorted(raws)
    assert searches(quirky) == 0


# -- the real Dovecot: the search in the processed folder ------------------------------


@sqlite_only
@pytest.mark.parametrize("there", [True, False], ids=["copy made", "copy not made"])
def test_dovecot_finds_the_copy_whose_answer_was_lost(
    app: App, dovecot: Dovecot, there: bool
) -> None:
    """An old server (no MOVE, no UIDPLUS): a message stored and noted as copied with its
    answer lost is looked for by Message-ID in the processed folder; it is copied only
    if it is not there, and the poller reads its own folder on after the search."""
    user = dovecot.add_user(legacy=True)
    account = dovecot.account(user, processed_folder="Done")
    lost = mail("lost answer", message_id="<lost-1@customer.test>")
    with dovecot.client(user) as c:
        c.create_folder("Done")
        c.append("Done", mail("someone else", message_id="<other@customer.test>"))
        if there:
            c.append("Done", lost)
        c.append("INBOX", lost)
        uidvalidity = int(c.select_folder("INBOX")[b"UIDVALIDITY"])
        c.append("INBOX", mail("after it"))
    now = app.clock.now()
    with transaction(app.sessions) as s:  # stored, its COPY sent, the answer lost
        sources.advance(s, account.source, uidvalidity=uidvalidity, last_uid=1, now=now)
        sources.keep_held(s, account.source, Held(uidvalidity, unsure=(1,)), now=now)
    p = poller(app, account)
    assert p.poll_once() == 1  # the mail after it is read from INBOX, not from Done
    p.close()
    with dovecot.client(user) as c:
        c.select_folder("INBOX", readonly=True)
        assert c.search("ALL") == []
        c.select_folder("Done", readonly=True)
        assert len(c.search(["HEADER", "Message-ID", "<lost-1@customer.test>"])) == 1
        assert len(c.search("ALL")) == 3


class Killed(BaseException):
    """The process killed (SIGKILL, a power cut): no handler of the poller sees it."""


@sqlite_only
@pytest.mark.parametrize("made", [True, False], ids=["copy made", "copy not made"])
def test_dovecot_a_kill_between_the_copy_and_its_answer_copies_once_after_a_restart(
    app: App, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch, made: bool
) -> None:
    """The process was killed after sending its COPY and before reading the answer:
    nothing was written, and the restarted poller copied the messages a second time.
    Now the intent (the UIDs about to be copied) is written before the COPY is sent,
    and the restart looks for each one's Message-ID in the processed folder first.
    The kill comes after the server carried out the COPY, or before it got it."""
    user = dovecot.add_user(legacy=True)  # no MOVE: COPY, \Deleted, EXPUNGE
    account = dovecot.account(user, processed_folder="Done")
    ids = ["<kill-1@customer.test>", "<kill-2@customer.test>"]
    with dovecot.client(user) as c:
        c.create_folder("Done")
        for n, message_id in enumerate(ids):
            c.append("INBOX", mail(f"killed {n}", message_id=message_id))
    p = poller(app, account)
    real = IMAPClient.copy

    def killed(client: IMAPClient, messages: Sequence[int], folder: str) -> object:
        if client is p._client:
            if made:  # the answer is read here, and lost with the process below
                real(client, messages, folder)
            raise Killed
        return real(client, messages, folder)

    with monkeypatch.context() as patched:
        patched.setattr(IMAPClient, "copy", killed)
        with pytest.raises(Killed):
            p.poll_once()
    p.close()
    with transaction(app.sessions) as s:  # the intent, written before the COPY
        kept = sources.held(s, account.source)
    assert kept is not None and kept.unsure == (1, 2) and kept.copied == ()
    restarted = poller(app, account)
    assert restarted.poll_once() == 0
    restarted.close()
    assert len(inbox_rows(app)) == 2
    with dovecot.client(user) as c:
        c.select_folder("INBOX", readonly=True)
        assert c.search("ALL") == []
        c.select_folder("Done", readonly=True)
        assert len(c.search("ALL")) == 2
        for message_id in ids:
            assert len(c.search(["HEADER", "Message-ID", message_id])) == 1
    with transaction(app.sessions) as s:
        assert sources.held(s, account.source) is None
