"""A stored message the server will not let the poller move or flag must not hold back
the mail after it.

Dovecot cannot be made to refuse the MOVE, COPY or STORE of one message while it
serves the others (its quota plugin is not installed here, and a quota refuses every
message alike), so the fake server of tests/support/imap_quirks.py plays it: it
answers ``NO [OVERQUOTA]`` (or ``NO`` for a locked message) to every such command
naming that one UID, as Dovecot refuses a whole MOVE when one message of it fails.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.core.clock import FakeClock
from gateway.receive.imap import ImapError
from gateway.receive.imap.refused import RETRY_FIRST, TRIES
from gateway.runtime.app import App
from gateway.scheduling import health
from tests.support.databases import sqlite_only
from tests.support.dovecot import Dovecot
from tests.support.imap_quirks import Message, QuirkyImap
from tests.support.mails import mail
from tests.support.pipeline import inbox_rows
from tests.support.polling import running
from tests.support.refused_acks import (
    ACKS,
    MODES,
    OVERQUOTA,
    acknowledged,
    poller,
    said,
    setup,
    tries_of,
)
from tests.support.waiting import eventually


@sqlite_only
@pytest.mark.parametrize("batch_size", [1, 50])
@pytest.mark.parametrize("mode", list(MODES))
def test_a_message_whose_acknowledgement_is_refused_does_not_hold_back_new_mail(
    app: App,
    quirky: QuirkyImap,
    tls_files: tuple[Path, Path],
    caplog: pytest.LogCaptureFixture,
    mode: str,
    batch_size: int,
) -> None:
    """The server refused the MOVE (or COPY, or STORE) of one stored message: the pass
    failed, and every pass after it began by trying that acknowledgement again and
    failed the same way, so no new mail was ever read. Now the others are acknowledged,
    the refused one stays where it is with a warning, and new mail is read on."""
    first, second, third = mail("first"), mail("second"), mail("third")
    quirky.add(Message(first))
    refused = quirky.add(Message(second, refuse=OVERQUOTA))
    quirky.add(Message(third))
    account = setup(quirky, tls_files, mode, batch_size=batch_size)
    p = poller(app, account)
    with caplog.at_level(logging.WARNING, logger="gateway.imap"):
        assert p.poll_once() == 3
    assert sorted(acknowledged(quirky, account)) == sorted([first, third])
    assert quirky.messages[refused].raw == second  # still in the folder
    assert account.processed_flag not in quirky.messages[refused].flags
    warned = said(caplog, logging.WARNING)
    assert len(warned) == 1 and f"(uid {refused};" in warned[0]
    assert warned[0].startswith(f"imap {account.key}: 1 stored message could not be ")
    assert "[OVERQUOTA]" in warned[0]

    fourth = mail("fourth")
    quirky.add(Message(fourth))
    assert p.poll_once() == 1  # new mail is read, the refused message does not stop it
    quirky.add(Message(fifth := mail("fifth")))
    app.clock.advance(RETRY_FIRST)  # type: ignore[attr-defined]
    assert p.poll_once() == 1  # and not when its acknowledgement is tried again either
    p.close()
    assert len(inbox_rows(app)) == 5
    assert sorted(acknowledged(quirky, account)) == sorted([first, third, fourth, fifth])
    assert quirky.messages[refused].raw == second


@sqlite_only
@pytest.mark.parametrize("mode", list(MODES))
def test_a_refused_acknowledgement_is_retried_with_backoff_then_left_and_said(
    app: App,
    quirky: QuirkyImap,
    tls_files: tuple[Path, Path],
    caplog: pytest.LogCaptureFixture,
    mode: str,
) -> None:
    """The refused acknowledgement is not tried at every pass but after a growing
    wait; after TRIES tries an error names the mailbox and the UID, the message is left
    alone in the folder, and ``status`` says so (a problem: test_imap_left) until it is
    gone from the folder."""
    clock: FakeClock = app.clock  # type: ignore[assignment]
    quirky.add(Message(mail("first")))
    locked = quirky.add(Message(mail("locked"), refuse="NO Message is locked by another process"))
    account = setup(quirky, tls_files, mode)
    p = poller(app, account)
    with caplog.at_level(logging.WARNING, logger="gateway.imap"):
        assert p.poll_once() == 2
        tried = tries_of(quirky, locked)
        assert tried == 1  # the batch was refused, then this one alone
        wait = RETRY_FIRST
        for n in range(2, TRIES + 1):
            clock.advance(wait - timedelta(seconds=1))
            assert p.poll_once() == 0
            assert tries_of(quirky, locked) == n - 1  # not yet: it waits
            clock.advance(timedelta(seconds=1))
            assert p.poll_once() == 0
            assert tries_of(quirky, locked) == n
            wait *= 2
        errors = said(caplog, logging.ERROR)
        for _ in range(3):  # left alone now, however long one waits
            clock.advance(timedelta(days=1))
            assert p.poll_once() == 0
        quirky.add(Message(mail("new")))
        assert p.poll_once() == 1
    assert tries_of(quirky, locked) == TRIES
    assert len(said(caplog, logging.WARNING)) == TRIES - 1
    assert len(errors) == 1 and errors == said(caplog, logging.ERROR)
    assert errors[0].startswith(f"imap {account.key}: 1 stored message could not be ")
    assert f"(uid {locked};" in errors[0]
    assert "locked by another process" in errors[0]
    assert quirky.messages[locked].flags == set()

    report = health.check(replace(app.settings, imap=(account,)), app.sessions, clock.now())
    (mailbox,) = report.mailboxes
    assert f"UID {locked}" in str(mailbox.left)
    assert mailbox.last_success_at == clock.now()  # the mailbox is read: polled well
    assert mailbox.last_error == ""  # and it is no error of polling

    del quirky.messages[locked]  # a person took it out of the folder
    clock.advance(timedelta(minutes=1))
    assert p.poll_once() == 0
    p.close()
    report = health.check(replace(app.settings, imap=(account,)), app.sessions, clock.now())
    assert report.mailboxes[0].left is None


@sqlite_only
def test_a_restart_tries_a_left_acknowledgement_again(
    app: App, quirky: QuirkyImap, tls_files: tuple[Path, Path]
) -> None:
    """What was left is left by one poller only: after a restart (the quota raised, the
    lock gone) the message is tried again, and moved."""
    clock: FakeClock = app.clock  # type: ignore[assignment]
    full = quirky.add(Message(mail("full"), refuse=OVERQUOTA))
    account = setup(quirky, tls_files, "move")
    p = poller(app, account)
    for _ in range(TRIES):
        p.poll_once()
        clock.advance(timedelta(days=1))
    p.close()
    assert tries_of(quirky, full) == TRIES
    quirky.messages[full].refuse = ""
    restarted = poller(app, account)
    assert restarted.poll_once() == 0
    restarted.close()
    assert quirky.messages == {}
    assert len(acknowledged(quirky, account)) == 1


@sqlite_only
@pytest.mark.parametrize(
    "outage",
    [pytest.param(("",), id="every command"), pytest.param(ACKS, id="at each acknowledgement")],
)
@pytest.mark.parametrize("mode", ["move", "flag"])
def test_an_outage_is_an_outage_and_steps_over_nothing(
    app: App,
    quirky: QuirkyImap,
    tls_files: tuple[Path, Path],
    caplog: pytest.LogCaptureFixture,
    mode: str,
    outage: tuple[str, ...],
) -> None:
    """Passes in which the server drops the connection are retried as an outage: they
    count as no try of a refused acknowledgement, so nothing is left behind for them,
    and once the server is back everything is acknowledged."""
    clock: FakeClock = app.clock  # type: ignore[assignment]
    quirky.add(Message(mail("first")))
    refused = quirky.add(Message(mail("second"), refuse=OVERQUOTA))
    account = setup(quirky, tls_files, mode)
    p = poller(app, account)
    assert p.poll_once() == 2  # one try of the refused one
    quirky.add(Message(mail("third")))
    quirky.hang_up = outage
    for _ in range(TRIES + 2):
        clock.advance(timedelta(days=1))
        with pytest.raises(ImapError, match=r"connection to|network error|refused"):
            p.poll_once()
    quirky.hang_up = ()
    with caplog.at_level(logging.ERROR, logger="gateway.imap"):
        for _ in range(TRIES - 2):  # the tries left but the last: not left yet
            clock.advance(timedelta(days=1))
            p.poll_once()
        assert said(caplog, logging.ERROR) == []
        quirky.messages[refused].refuse = ""  # and the server takes it in the end
        clock.advance(timedelta(days=1))
        assert p.poll_once() == 0
    p.close()
    assert len(inbox_rows(app)) == 3
    assert len(acknowledged(quirky, account)) == 3
    assert said(caplog, logging.ERROR) == []


# -- the real Dovecot: every move refused, none of them an outage ----------------------


@sqlite_only
def test_dovecot_refusing_every_move_holds_back_no_new_mail(app: App, dovecot: Dovecot) -> None:
    """Dovecot cannot be made to refuse one message alone here, but it refuses every
    MOVE into a folder it may not write to: its real answer is taken as a refusal, not
    as an outage, so new mail is still read; the mail stays in INBOX, and is moved at the
    next try once the folder can be written again."""
    clock: FakeClock = app.clock  # type: ignore[assignment]
    user = dovecot.add_user()
    account = dovecot.account(user, after="move")
    with dovecot.client(user) as c:
        c.create_folder(account.processed_folder)
        c.append("INBOX", mail("first"))
    processed = dovecot.root / "home" / user / "Maildir" / f".{account.processed_folder}"
    for sub in ("tmp", "new", "cur"):
        (processed / sub).chmod(0o555)
    p = poller(app, account)
    assert p.poll_once() == 1
    with dovecot.client(user) as c:
        c.append("INBOX", mail("second"))
    assert p.poll_once() == 1
    with dovecot.client(user) as c:
        c.select_folder("INBOX", readonly=True)
        assert len(c.search("ALL")) == 2
    for sub in ("tmp", "new", "cur"):
        (processed / sub).chmod(0o700)
    clock.advance(RETRY_FIRST)
    assert p.poll_once() == 0
    p.close()
    with dovecot.client(user) as c:
        c.select_folder("INBOX", readonly=True)
        assert c.search("ALL") == []
        c.select_folder(account.processed_folder, readonly=True)
        assert len(c.search("ALL")) == 2
    assert len(inbox_rows(app)) == 2


@sqlite_only
def test_the_running_poller_reads_on_past_a_refused_message(
    app: App, quirky: QuirkyImap, tls_files: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    """As the daemon runs it: a refused acknowledgement is no failure of the mailbox (no
    'retrying with backoff', no failures counted), and mail that comes later is stored
    at the next poll."""
    quirky.add(Message(mail("first"), refuse=OVERQUOTA))
    account = setup(quirky, tls_files, "move", poll_interval=timedelta(seconds=0.2))
    p = poller(app, account)
    with caplog.at_level(logging.INFO, logger="gateway.imap"), running(p):
        assert eventually(lambda: len(inbox_rows(app)) == 1)
        quirky.add(Message(mail("second")))
        assert eventually(lambda: len(inbox_rows(app)) == 2)
        assert eventually(lambda: len(acknowledged(quirky, account)) == 1)
    assert p.status.failures == 0 and p.status.last_problem is None
    assert not [r for r in caplog.records if "retrying with backoff" in r.getMessage()]
    assert 1 in quirky.messages
