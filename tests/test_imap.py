"""The IMAP poller against a real Dovecot: read once, completely, never twice.

A private Dovecot (tests/support/dovecot.py) serves every test; each test gets its own
mailbox user. Tests about the database run on SQLite and, where reachable,
PostgreSQL; the protocol-only ones on SQLite alone to keep the file quick.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from gateway.config.settings import ImapSettings
from gateway.core.backoff import backoff_delay
from gateway.core.errors import TransientError
from gateway.receive.imap import ImapError, ImapPoller
from gateway.receive.imap.auth import CredentialError, load_credentials
from gateway.runtime.app import App
from store import sources
from store.db import make_engine, session_factory, transaction
from tests.support.databases import sqlite_only
from tests.support.dovecot import PASSWORD, Certs, Dovecot
from tests.support.mails import mail
from tests.support.pipeline import all_tickets, inbox_rows, outbox
from tests.support.polling import running
from tests.support.ports import free_port
from tests.support.waiting import PATIENCE, eventually

# -- fixtures ------------------------------------------------------------------------


@pytest.fixture
def own_dovecot(dovecot_certs: Certs) -> Iterator[Dovecot]:
    """A server of this test's own, to stop and start again."""
    server = Dovecot(dovecot_certs)
    server.start()
    yield server
    server.destroy()


@pytest.fixture
def user(dovecot: Dovecot) -> str:
    return dovecot.add_user()


# -- helpers -------------------------------------------------------------------------


def poller(app: App, account: ImapSettings, **kwargs: Any) -> ImapPoller:
    return ImapPoller(account, app.settings, app.sessions, app.clock, **kwargs)


def passes_until(p: ImapPoller, done: Callable[[], bool], most: int) -> int:
    """How many passes (a failed one counts: it is the run loop's next retry) until
    ``done()``; ``most`` + 1 when it was not done within ``most``."""
    for n in range(1, most + 1):
        with contextlib.suppress(ImapError):
            p.poll_once()
        if done():
            return n
    return most + 1


def append(server: Dovecot, user: str, *raws: bytes, folder: str = "INBOX") -> None:
    with server.client(user) as c:
        for raw in raws:
            c.append(folder, raw)


def folder_uids(server: Dovecot, user: str, folder: str = "INBOX") -> list[int]:
    with server.client(user) as c:
        if not c.folder_exists(folder):
            return []
        c.select_folder(folder, readonly=True)
        return sorted(c.search("ALL"))


def flags(server: Dovecot, user: str, folder: str = "INBOX") -> dict[int, set[bytes]]:
    with server.client(user) as c:
        c.select_folder(folder, readonly=True)
        fetched = c.fetch(c.search("ALL"), ["FLAGS"])
        return {uid: set(data[b"FLAGS"]) for uid, data in fetched.items()}


def stops_promptly(p: ImapPoller) -> float:
    """Seconds run() needs to return after its stop event is set."""
    stop = threading.Event()
    thread = threading.Thread(target=p.run, args=(stop,))
    thread.start()
    assert eventually(lambda: p.status.idles >= 1)
    started = time.monotonic()
    stop.set()
    thread.join(timeout=PATIENCE)
    return time.monotonic() - started


# -- reading -------------------------------------------------------------------------


def test_mail_appended_before_start_becomes_tickets(app: App, dovecot: Dovecot, user: str) -> None:
    append(dovecot, user, mail("VPN broken"), mail("Printer on fire"))
    account = dovecot.account(user)
    assert not folder_uids(dovecot, user, "Processed")

    p = poller(app, account)
    assert p.poll_once() == 2
    assert p.poll_once() == 0
    p.close()

    stored = inbox_rows(app)
    assert [r.source for r in stored] == ["imap", "imap"]
    assert stored[0].source_ref.startswith(f"{account.key}/")
    assert stored[0].source_ref.endswith("/1")
    app.runner.process_pending()
    assert sorted(t["subject"] for t in all_tickets(app)) == ["Printer on fire", "VPN broken"]
    assert folder_uids(dovecot, user) == []  # the processed folder was created, and holds them
    assert len(folder_uids(dovecot, user, "Processed")) == 2


def test_the_first_pass_is_an_import_and_new_mail_is_live(
    app: App, dovecot: Dovecot, user: str
) -> None:
    """What the folder held before the gateway first read it is an import: old mail there
    is filed quietly. A new message is live, answered even with a week-old Date."""
    week_ago = app.clock.now() - timedelta(days=7)
    append(dovecot, user, mail("archived request", date=week_ago))
    p = poller(app, dovecot.account(user))
    assert p.poll_once() == 1
    append(dovecot, user, mail("sent with a wrong clock", date=week_ago, message_id="<w@c.test>"))
    assert p.poll_once() == 1
    p.close()
    assert [r.bulk for r in inbox_rows(app)] == [True, False]
    app.runner.process_pending()
    acked = [r.ticket_id for r in outbox(app, "acknowledgement")]
    by_subject = {t["subject"]: t["id"] for t in all_tickets(app)}
    assert acked == [by_subject["sent with a wrong clock"]]


def test_append_while_idling_is_a_ticket_without_waiting_for_a_poll(
    app: App, dovecot: Dovecot, user: str
) -> None:
    """IDLE's push is what brings the mail: nothing else would look before the renewal,
    an hour away here (no wall-clock bound: a loaded machine is slow by seconds)."""
    append(dovecot, user, mail("before start"))
    nudges: list[int] = []
    p = poller(
        app,
        dovecot.account(user),
        on_stored=lambda: nudges.append(1),
        idle_renew=timedelta(hours=1),
    )
    with running(p):
        assert eventually(lambda: p.status.idles >= 1)  # caught up, now idling
        assert len(inbox_rows(app)) == 1
        append(dovecot, user, mail("while idling"))
        assert eventually(lambda: len(inbox_rows(app)) == 2)  # within PATIENCE, not the hour
    assert len(nudges) == 2  # the daemon's runner is nudged after each committed batch
    app.runner.process_pending()
    assert sorted(t["subject"] for t in all_tickets(app)) == ["before start", "while idling"]


@sqlite_only
def test_mail_that_comes_as_idle_begins_is_read_at_once(
    app: App, dovecot: Dovecot, user: str
) -> None:
    """Mail delivered after the last SEARCH of a pass and before its IDLE: Dovecot says
    ``* n EXISTS`` in the same packet as ``+ idling``, imaplib reads both lines and keeps
    the second in its buffer, and idle_check, which waits on the socket, never saw it:
    the mail waited for the server's next word (Dovecot's "Still here", two minutes) or
    the IDLE renewal, an hour here. It failed the tests that append as soon as the
    poller has stored something, now and then under load. Now it is read at once."""
    raced: list[int] = []

    class Racing(ImapPoller):
        """Mail comes just before the first IDLE, every time instead of now and then."""

        def _idle(self, client: Any, stop: threading.Event) -> None:
            if not raced:
                raced.append(1)
                append(dovecot, user, mail("as idle begins"))
            super()._idle(client, stop)

    p = Racing(
        dovecot.account(user), app.settings, app.sessions, app.clock, idle_renew=timedelta(hours=1)
    )
    with running(p):
        assert eventually(lambda: len(inbox_rows(app)) == 1)
    assert raced == [1]


@sqlite_only
def test_batches_are_committed_and_announced_one_at_a_time(
    app: App, dovecot: Dovecot, user: str
) -> None:
    append(dovecot, user, *(mail(f"request {n}") for n in range(5)))
    batches: list[int] = []
    with poller(
        app,
        dovecot.account(user, batch_size=2),
        on_stored=lambda: batches.append(len(inbox_rows(app))),
    ) as p:
        assert p.poll_once() == 5
    assert batches == [2, 4, 5]  # each nudge comes after its batch is committed


def test_restart_resumes_without_duplicates(app: App, dovecot: Dovecot, user: str) -> None:
    append(dovecot, user, mail("first"))
    first = poller(app, dovecot.account(user))
    assert first.poll_once() == 1
    first.close()
    append(dovecot, user, mail("second"))
    second = poller(app, dovecot.account(user))
    assert second.poll_once() == 1
    second.close()
    assert [r.source_ref.rsplit("/", 1)[1] for r in inbox_rows(app)] == ["1", "2"]


def test_crash_between_commit_and_move_neither_loses_nor_duplicates(
    app: App, dovecot: Dovecot, user: str
) -> None:
    append(dovecot, user, mail("stored, then the lights went out"))

    def power_cut() -> None:
        raise RuntimeError("power cut")

    crashing = poller(app, dovecot.account(user), on_stored=power_cut)
    with pytest.raises(RuntimeError):
        crashing.poll_once()  # committed, not yet moved
    crashing.close()
    assert len(inbox_rows(app)) == 1
    assert folder_uids(dovecot, user) == [1]

    again = poller(app, dovecot.account(user))
    assert again.poll_once() == 0
    again.close()
    assert len(inbox_rows(app)) == 1
    assert folder_uids(dovecot, user) == []
    assert len(folder_uids(dovecot, user, "Processed")) == 1


@sqlite_only
def test_flag_mode_leaves_messages_in_place_and_never_rereads_them(
    app: App, dovecot: Dovecot, user: str
) -> None:
    append(dovecot, user, mail("one"), mail("two"))
    p = poller(app, dovecot.account(user, after="flag"))
    assert p.poll_once() == 2
    assert all(b"$Processed" in f for f in flags(dovecot, user).values())
    assert not folder_uids(dovecot, user, "Processed")  # nothing created in flag mode

    with dovecot.client(user) as someone:  # another client clears our flag
        someone.select_folder("INBOX")
        someone.remove_flags([1], ["$Processed"])
    assert p.poll_once() == 0
    p.close()
    assert b"$Processed" in flags(dovecot, user)[1]  # put back, not reprocessed
    assert len(inbox_rows(app)) == 2


@sqlite_only
def test_people_reading_the_mailbox_cause_no_miss_and_no_reprocessing(
    app: App, dovecot: Dovecot, user: str
) -> None:
    append(dovecot, user, mail("read by a person first"), mail("left unread"))
    with dovecot.client(user) as person:
        person.select_folder("INBOX")
        person.fetch([1], ["BODY[]"])  # opening it sets \Seen
    assert b"\\Seen" in flags(dovecot, user)[1]

    p = poller(app, dovecot.account(user, after="flag"))
    assert p.poll_once() == 2  # \Seen does not mean "processed"
    assert b"\\Seen" not in flags(dovecot, user)[2]  # BODY.PEEK[]: still unread for people

    with dovecot.client(user) as person:
        person.select_folder("INBOX")
        person.remove_flags([1], ["\\Seen"])
        person.add_flags([2], ["\\Seen", "\\Flagged"])
    assert p.poll_once() == 0
    p.close()
    assert len(inbox_rows(app)) == 2


def test_changed_uidvalidity_rescans_without_duplicates(
    app: App, dovecot: Dovecot, user: str
) -> None:
    one, two = mail("one", message_id="<one@customer.test>"), mail("two")
    with dovecot.client(user) as c:
        c.create_folder("Support")
    append(dovecot, user, one, two, folder="Support")
    account = dovecot.account(user, folder="Support", after="flag")
    p = poller(app, account)
    assert p.poll_once() == 2
    p.close()

    with dovecot.client(user) as c:  # the folder is rebuilt, as after a server migration
        c.delete_folder("Support")
        c.create_folder("Support")
    rewritten = b"X-Migrated: yes\r\n" + one  # same Message-ID, other bytes
    append(dovecot, user, rewritten, two, mail("three"), folder="Support")

    p = poller(app, account)
    assert p.poll_once() == 1  # only "three"
    assert p.poll_once() == 0
    p.close()
    assert len(inbox_rows(app)) == 3
    with transaction(app.sessions) as s:
        mark = sources.bookmark(s, account.source)
    with dovecot.client(user) as c:
        assert mark.uidvalidity == c.select_folder("Support")[b"UIDVALIDITY"]
    assert mark.last_uid == 3


# -- connections ---------------------------------------------------------------------


@sqlite_only
@pytest.mark.parametrize("tls", ["implicit", "starttls"])
def test_tls_with_the_configured_ca(app: App, dovecot: Dovecot, user: str, tls: str) -> None:
    append(dovecot, user, mail(f"over {tls}"))
    p = poller(app, dovecot.account(user, tls=tls))
    assert p.poll_once() == 1
    p.close()


@sqlite_only
@pytest.mark.parametrize("tls", ["implicit", "starttls"])
def test_untrusted_certificate_is_refused_with_a_clear_error(
    app: App, dovecot: Dovecot, user: str, tls: str, caplog: pytest.LogCaptureFixture
) -> None:
    append(dovecot, user, mail("must stay"))
    account = dovecot.account(user, tls=tls, ca_file=dovecot.certs.untrusted_ca)
    with pytest.raises(
        ImapError,
        match=r"TLS certificate of 127\.0\.0\.1:\d+ is not trusted.*"
        r"set ca_file",
    ):
        poller(app, account).poll_once()

    p = poller(app, account)
    with caplog.at_level(logging.INFO, logger="gateway.imap"), running(p):
        assert eventually(lambda: p.status.connect_attempts >= 3)
    refused = [r for r in caplog.records if "not trusted" in r.getMessage()]
    assert len(refused) == 1 and refused[0].levelno == logging.ERROR  # once, not per retry
    assert folder_uids(dovecot, user) == [1] and inbox_rows(app) == []


@sqlite_only
@pytest.mark.parametrize("tls", ["implicit", "starttls"])
def test_a_certificate_for_another_host_name_is_refused_with_what_to_change(
    app: App, dovecot: Dovecot, user: str, tls: str
) -> None:
    """The server's certificate is for 127.0.0.1 and localhost; ``host = "127.1"`` (the
    same address, as an alias or a second name would be) must be refused, and the advice
    was "set ca_file to the CA that signed it", which cannot help: the CA is trusted,
    the name is wrong. Now it says to set host to a name the certificate is for."""
    append(dovecot, user, mail("must stay"))
    account = dovecot.account(user, tls=tls, host="127.1")
    with pytest.raises(ImapError) as refused:
        poller(app, account).poll_once()
    assert str(refused.value) == (
        f"TLS certificate of 127.1:{account.port} is not for the host name 127.1; set host "
        "to a name the certificate is for (ca_file cannot help)"
    )
    assert folder_uids(dovecot, user) == [1] and inbox_rows(app) == []


@sqlite_only
def test_xoauth2_with_a_token_file_or_a_token_command(
    app: App, dovecot: Dovecot, user: str, tmp_path: Path
) -> None:
    token = tmp_path / "token"
    token.write_text(PASSWORD + "\n")  # this Dovecot checks the bearer token like a password
    append(dovecot, user, mail("via token file"))
    from_file = dovecot.account(user, auth="xoauth2", password_file=None, oauth2_token_file=token)
    with poller(app, from_file) as p:
        assert p.poll_once() == 1

    append(dovecot, user, mail("via token command"))
    command = (sys.executable, "-c", f"print(open({str(token)!r}).read())")
    from_command = dovecot.account(
        user, auth="xoauth2", password_file=None, oauth2_token_command=command
    )
    with poller(app, from_command) as p:
        assert p.poll_once() == 1


@sqlite_only
def test_server_without_move_gets_copy_delete_expunge(app: App, dovecot: Dovecot) -> None:
    old = dovecot.add_user(legacy=True)  # no MOVE, UIDPLUS, IDLE
    append(dovecot, old, mail("old server"))
    p = poller(app, dovecot.account(old, processed_folder="Done"))
    assert p.poll_once() == 1
    p.close()
    assert folder_uids(dovecot, old) == []
    assert folder_uids(dovecot, old, "Done") == [1]


@sqlite_only
@pytest.mark.parametrize("legacy", [False, True], ids=["move", "copy"])
def test_folders_named_in_japanese_are_read_and_moved_to(
    app: App, dovecot: Dovecot, legacy: bool
) -> None:
    """IMAP names folders in modified UTF-7 (問い合わせ is &VU8wRFQIMI8wWw-): the folder
    and the processed folder are named in the config as people see them, also on a
    server without MOVE (COPY, then the copy's Message-ID searched there)."""
    user = dovecot.add_user(legacy=legacy)
    with dovecot.client(user) as c:
        c.create_folder("問い合わせ")
    append(dovecot, user, mail("一通目"), mail("二通目"), folder="問い合わせ")
    account = dovecot.account(user, folder="問い合わせ", processed_folder="処理済み")
    p = poller(app, account)
    assert p.poll_once() == 2
    append(dovecot, user, mail("三通目"), folder="問い合わせ")
    assert p.poll_once() == 1
    p.close()
    assert folder_uids(dovecot, user, "問い合わせ") == []
    assert folder_uids(dovecot, user, "処理済み") == [1, 2, 3]
    with transaction(app.sessions) as s:
        assert sources.bookmark(s, account.source).last_uid == 3


# -- waiting -------------------------------------------------------------------------


@sqlite_only
def test_polls_at_the_interval_when_idle_is_off(app: App, dovecot: Dovecot, user: str) -> None:
    p = poller(app, dovecot.account(user, idle=False, poll_interval=timedelta(seconds=0.2)))
    with running(p):
        assert eventually(lambda: p.status.connected)
        append(dovecot, user, mail("polled"))
        assert eventually(lambda: len(inbox_rows(app)) == 1)
    assert p.status.idles == 0


@sqlite_only
def test_idle_is_renewed_and_stop_is_prompt(app: App, dovecot: Dovecot, user: str) -> None:
    p = poller(app, dovecot.account(user), idle_renew=timedelta(seconds=0.3))
    with running(p):
        assert eventually(lambda: p.status.idles >= 3)
        append(dovecot, user, mail("after renewals"))
        assert eventually(lambda: len(inbox_rows(app)) == 1)
    # prompt: well before the 5 minutes an IDLE that ignored the stop would wait
    assert stops_promptly(poller(app, dovecot.account(user))) < PATIENCE


# -- failures ------------------------------------------------------------------------


@sqlite_only
def test_stopped_server_is_retried_with_backoff_and_picked_up_again(
    app: App, own_dovecot: Dovecot, caplog: pytest.LogCaptureFixture
) -> None:
    user = own_dovecot.add_user()
    p = poller(app, own_dovecot.account(user))  # backoff 0.1 s doubling up to 0.4 s
    with caplog.at_level(logging.INFO, logger="gateway.imap"), running(p):
        # generous bounds: they only end a failing wait, and a loaded machine is slow
        assert eventually(lambda: p.status.idles >= 1)
        own_dovecot.stop()
        assert eventually(lambda: p.status.failures >= 1)
        before = p.status.connect_attempts
        assert eventually(lambda: p.status.connect_attempts - before >= 2)  # retrying
        before, started = p.status.connect_attempts, time.monotonic()
        time.sleep(2.0)
        attempts = p.status.connect_attempts - before
        # no busy loop: at most about one try per 0.1 s (the backoff's start) of the time
        # that really passed (a slow machine tries less often, never more)
        assert attempts <= (time.monotonic() - started) / 0.1 + 5, attempts

        own_dovecot.start()
        append(own_dovecot, user, mail("after the outage"))
        assert eventually(lambda: len(inbox_rows(app)) == 1, 40)
    messages = [r.getMessage() for r in caplog.records]
    assert sum("connection refused (is the server down?)" in m for m in messages) == 1
    assert any("working again" in m for m in messages)


@sqlite_only
def test_one_failing_account_does_not_stop_the_others(
    app: App, dovecot: Dovecot, user: str, caplog: pytest.LogCaptureFixture
) -> None:
    down = dovecot.account(dovecot.add_user(), port=free_port())  # nothing listens there
    failing, working = poller(app, down), poller(app, dovecot.account(user))
    append(dovecot, user, mail("still served"))
    with caplog.at_level(logging.INFO, logger="gateway.imap"), running(failing), running(working):
        assert eventually(lambda: len(inbox_rows(app)) == 1)
        assert eventually(lambda: failing.status.failures >= 3)
        append(dovecot, user, mail("and served again"))
        assert eventually(lambda: len(inbox_rows(app)) == 2)
    refused = [r.getMessage() for r in caplog.records if "connection refused" in r.getMessage()]
    assert len(refused) == 1 and refused[0].startswith(f"imap {down.key}: ")
    with transaction(app.sessions) as s:
        assert "connection refused" in str(sources.last_error(s, down.source))


@sqlite_only
def test_refused_login_is_reported_clearly(app: App, own_dovecot: Dovecot, tmp_path: Path) -> None:
    """On a server of its own: Dovecot slows down logins from an IP after a failure."""
    user = own_dovecot.add_user()
    wrong = tmp_path / "wrong"
    wrong.write_text("not the password\n")
    with pytest.raises(
        ImapError,
        match=rf"login as '{user}' refused by 127\.0\.0\.1:\d+: "
        r"\[AUTHENTICATIONFAILED\]",
    ):
        poller(app, own_dovecot.account(user, password_file=wrong)).poll_once()


@contextmanager
def database_outage(db_url: str) -> Iterator[Any]:
    """Sessions on a database that is locked (SQLite) or unreachable (PostgreSQL)."""
    if db_url.startswith("sqlite"):
        holder = sqlite3.connect(db_url.split("///", 1)[1], isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        engine = make_engine(db_url, busy_timeout_ms=100)
        try:
            yield session_factory(engine)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
            engine.dispose()
    else:
        engine = make_engine("postgresql+psycopg://postgres@127.0.0.1:9/gone")
        yield session_factory(engine)
        engine.dispose()


def test_message_that_cannot_be_stored_stays_in_the_folder(
    app: App, dovecot: Dovecot, user: str, db_url: str
) -> None:
    append(dovecot, user, mail("database is down"))
    with database_outage(db_url) as broken:
        p = ImapPoller(dovecot.account(user), app.settings, broken, app.clock)
        with pytest.raises(TransientError):
            p.poll_once()
        p.close()
    assert folder_uids(dovecot, user) == [1]
    assert inbox_rows(app) == []

    p = poller(app, dovecot.account(user))
    assert p.poll_once() == 1
    p.close()
    assert folder_uids(dovecot, user) == []


@sqlite_only
@pytest.mark.parametrize("after", ["move", "flag"])
def test_a_message_the_server_cannot_read_does_not_stop_the_mailbox(
    app: App, dovecot: Dovecot, after: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A damaged message on the server (here: its file unreadable to Dovecot) held back
    every message after it for ever: the batch's FETCH failed at every pass. Now the
    mail around it is stored, and it stays in the folder, marked, for a person to see,
    also after a restart (which must not take it for stored and move or flag it).

    Driven pass by pass, as run() retries a failed pass: counted in passes, not in
    seconds: on a loaded machine each failed FETCH costs a slow reconnect, and 15 s of
    waiting for the fourth message once ran out in a full-suite run."""
    user = dovecot.add_user()
    append(dovecot, user, mail("first"), mail("damaged"), mail("third"))
    dovecot.message_file(user, 2).chmod(0)  # Dovecot's mail processes run as nobody
    account = dovecot.account(user, after=after)
    p = poller(app, account)
    with caplog.at_level(logging.ERROR, logger="gateway.imap"):
        assert passes_until(p, lambda: len(inbox_rows(app)) == 2, most=10) <= 10
        append(dovecot, user, mail("fourth"))
        # the next pass, or a retry of it; not the steps again (three failed passes)
        assert passes_until(p, lambda: len(inbox_rows(app)) == 3, most=3) <= 3
    p.close()
    assert [m.getMessage() for m in caplog.records if "cannot be read" in m.getMessage()] == [
        f"imap {account.key}: uid 2 cannot be read from the server (it failed alone twice, "
        "while other messages could be read); it stays in the folder with the keyword "
        "$GatewayUnreadable, and the mail after it is read on"
    ]
    restarted = poller(app, account)
    assert restarted.poll_once() == 0
    restarted.close()
    processed = {b"$Processed"}
    if after == "move":
        assert folder_uids(dovecot, user) == [2]
    else:
        assert {
            uid: f & (processed | {b"$GatewayUnreadable"})
            for uid, f in flags(dovecot, user).items()
        } == {1: processed, 2: {b"$GatewayUnreadable"}, 3: processed, 4: processed}


# -- pure parts ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "template", "times", "ends"),
    [
        (
            "IMAPClientAbortError",
            "command: FETCH => FETCH failed: Internal error occurred. Refer to server log "
            "for more information. [2026-12-04 19:07:{}]",
            (("54",), ("55",)),
            "Refer to server log for more information.",
        ),
        (
            "IMAPClientError",
            "select failed: Mailbox doesn't exist: Support ({} + 0.000 secs).",
            (("0.001",), ("0.012",)),
            "Mailbox doesn't exist: Support.",
        ),
        (  # a newer Dovecot says both: when, and how long (a MOVE it could not write)
            "IMAPClientError",
            "move failed: [SERVERBUG] Internal error occurred. Refer to server log for more "
            "information. [2026-12-05 05:39:{}] ({} + 0.000 + 0.001 secs).",
            (("47", "0.001"), ("50", "0.013")),
            "Refer to server log for more information.",
        ),
    ],
)
def test_a_server_error_with_a_time_in_it_is_one_problem(
    error: str, template: str, times: tuple[tuple[str, ...], ...], ends: str
) -> None:
    """Dovecot ends an internal error with the time it happened, and a refusal with how
    long it took, so the same failure read as a new problem at every retry and was
    logged again each time."""
    from imapclient import exceptions

    from gateway.receive.imap.errors import describe

    account = ImapSettings(host="imap.example.test", username="support@example.test")
    raised = getattr(exceptions, error)
    said = [describe(raised(template.format(*t)), account) for t in times]
    assert said[0] == said[1] and str(said[0]).endswith(ends)


def test_backoff_grows_is_capped_and_jittered() -> None:
    first, cap = timedelta(seconds=1), timedelta(seconds=60)
    assert [backoff_delay(n, first, cap, 0.999999) for n in (1, 2, 3)] == pytest.approx(
        [1, 2, 4], abs=1e-3
    )
    assert backoff_delay(20, first, cap, 0.0) == 30  # never below half a step
    assert backoff_delay(20, first, cap, 0.999999) == pytest.approx(60, abs=1e-3)
    assert backoff_delay(0, first, cap, 0.5) == 0


def test_credentials_come_from_env_file_or_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = ImapSettings(host="imap.example.test", username="support@example.test")
    monkeypatch.setenv("TG_IMAP_PASSWORD", "from env")
    assert (
        load_credentials(
            ImapSettings(host="h", username="u", password_env="TG_IMAP_PASSWORD")
        ).secret
        == "from env"
    )
    secret_file = tmp_path / "pw"
    secret_file.write_text(" spaced secret \n")
    creds = load_credentials(ImapSettings(host="h", username="u", password_file=secret_file))
    assert creds.secret == " spaced secret "
    assert "spaced" not in repr(creds)

    failing = ImapSettings(
        host="h",
        username="u",
        auth="xoauth2",
        oauth2_token_command=(sys.executable, "-c", "import sys; sys.exit('token expired')"),
    )
    with pytest.raises(CredentialError, match="exited with 1: token expired"):
        load_credentials(failing)
    with pytest.raises(CredentialError, match="printed no token"):
        load_credentials(
            ImapSettings(
                host="h",
                username="u",
                auth="xoauth2",
                oauth2_token_command=(sys.executable, "-c", ""),
            )
        )
    with pytest.raises(CredentialError, match="TG_UNSET"):
        load_credentials(ImapSettings(host="h", username="u", password_env="TG_UNSET"))
    with pytest.raises(CredentialError, match="cannot read password_file"):
        load_credentials(ImapSettings(host="h", username="u", password_file=tmp_path / "no"))
    assert base.auth == "password"


# -- in the daemon -------------------------------------------------------------------


def test_daemon_runs_a_poller_per_account_and_processes_what_it_stores(
    app: App, dovecot: Dovecot, user: str
) -> None:
    from dataclasses import replace

    from gateway.runtime import daemon

    # an account whose server is down must not hold up the other one (a refused login
    # would do too, but Dovecot then slows every login from this address for a while)
    broken = replace(dovecot.account(user), port=free_port())
    settings = replace(
        app.settings,
        imap=(broken, dovecot.account(user)),
        smtp=replace(app.settings.smtp, port=free_port()),
    )
    # appended before the start: the IDLE path is tested above, without a daemon; here an
    # APPEND racing the very first IDLE could wait for the poller's next IDLE renewal
    append(dovecot, user, mail("Disk full on db1"))
    ready, stop = threading.Event(), threading.Event()
    thread = threading.Thread(
        target=daemon.run, args=(settings,), kwargs={"ready": ready, "stop": stop}
    )
    thread.start()
    try:
        assert ready.wait(30)
        assert eventually(
            lambda: [t["subject"] for t in all_tickets(app)] == ["Disk full on db1"], 60
        )  # a loaded machine: the first poll and the runner's pass may take their time
    finally:
        stop.set()
        thread.join(daemon.STOP_BOUND + PATIENCE)
    assert not thread.is_alive()
