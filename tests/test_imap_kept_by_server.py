"""A server that answers OK to moving (or flagging) a stored message and keeps it where
it was (Gmail's "All Mail": the MOVE removes a label, the message stays, with its UID).

The bookmark keeps such a message from being fetched again, but every pass began by
finishing what an earlier one had "not yet moved" (``refused.finish_interrupted``) and
found it in the folder again: it was moved again at every pass, and on a server without
MOVE copied again, one more copy in the processed folder each pass. The poller now
remembers what the server answered OK to and kept (with what it leaves for a person, in
the database, for one UIDVALIDITY), never acknowledges it again, and says so once.

The real Dovecot plays the keeping server without MOVE (tests/support/dovecot.py,
``keeping``: its ACL ignores the ``\\Deleted`` and the EXPUNGE); the fake server of
tests/support/imap_quirks.py plays Gmail's MOVE and a server that forgets a flag.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.config.load import load_settings
from gateway.core.clock import FakeClock, SystemClock
from gateway.runtime.app import App, build
from gateway.runtime.cli import main as cli
from store import sources
from store.db import transaction
from store.models import SourceState
from store.sources import Held
from tests.support.config import SECRET_ENV, write_config
from tests.support.databases import sqlite_only
from tests.support.dovecot import Dovecot
from tests.support.imap_quirks import Message, QuirkyImap
from tests.support.mails import mail
from tests.support.pipeline import all_tickets, inbox_rows
from tests.support.refused_acks import ACKS, MODES, logged, poller, setup

KEPT = "kept in the folder"


def folder(dovecot: Dovecot, user: str, name: str) -> list[int]:
    with dovecot.client(user) as c:
        c.select_folder(name, readonly=True)
        return sorted(c.search("ALL"))


@sqlite_only
def test_dovecot_keeps_what_it_said_it_removed_and_it_is_copied_once(
    app: App, dovecot: Dovecot, caplog: pytest.LogCaptureFixture
) -> None:
    user = dovecot.add_user(keeping=True)  # no MOVE; \Deleted and EXPUNGE answered OK, ignored
    account = dovecot.account(user, processed_folder="Done")
    with dovecot.client(user) as c:
        c.create_folder("Done")
        c.append("INBOX", mail("one"))
        c.append("INBOX", mail("two"))
    p = poller(app, account)
    with caplog.at_level(logging.WARNING, logger="gateway.imap"):
        assert p.poll_once() == 2
        assert folder(dovecot, user, "Done") == [1, 2]
        assert folder(dovecot, user, "INBOX") == [1, 2]  # the server kept them
        assert p.poll_once() == 0  # found kept: not copied again
        with dovecot.client(user) as c:
            c.append("INBOX", mail("three"))
        assert p.poll_once() == 1
        assert p.poll_once() == 0
        p.close()
        restarted = poller(app, account)  # what it kept is remembered across a restart
        assert restarted.poll_once() == 0
        restarted.close()
    assert folder(dovecot, user, "Done") == [1, 2, 3]  # one copy each
    assert folder(dovecot, user, "INBOX") == [1, 2, 3]
    assert len(inbox_rows(app)) == 3
    told = [line for line in logged(caplog) if KEPT in line]
    assert len(told) == 1, logged(caplog)
    with transaction(app.sessions) as s:
        held = sources.held(s, account.source)
    assert held is not None and held.kept == (1, 2, 3)


@sqlite_only
def test_dovecot_a_message_appended_again_after_its_move_makes_no_second_ticket(
    app: App, dovecot: Dovecot
) -> None:
    """What a server that puts a moved message back under a new UID would do: the
    same bytes are recognised as stored (no second inbox row, no second ticket)."""
    user = dovecot.add_user()
    raw = mail("back again", message_id="<again@customer.test>")
    with dovecot.client(user) as c:
        c.append("INBOX", raw)
    p = poller(app, dovecot.account(user))
    assert p.poll_once() == 1
    with dovecot.client(user) as c:
        c.append("INBOX", raw)
    assert p.poll_once() == 0
    p.close()
    app.runner.process_pending()
    assert len(inbox_rows(app)) == 1
    assert len(all_tickets(app)) == 1
    assert folder(dovecot, user, "INBOX") == []  # moved like any other


def test_what_the_server_keeps_is_written_as_runs_and_read_back(app: App) -> None:
    """On both databases: the UIDs as ``[low, high]`` runs (a folder that keeps all its
    mail is one run, however big), read back as they were; empty clears the row. Those
    kept for coming back too often are counted apart (``copied_back``)."""
    state = Held(9, kept=(1, 2, 3, 7, *range(10, 5000)), copied_back=(7,))
    now = app.clock.now()
    with transaction(app.sessions) as s:
        sources.keep_held(s, "imap:kept", state, now=now)
    with transaction(app.sessions) as s:
        assert sources.held(s, "imap:kept") == state
        row = s.scalars(select(SourceState).where(SourceState.source == "imap:kept")).one()
        assert row is not None and row.acks is not None
        assert row.acks["kept"] == [[1, 3], [7, 7], [10, 4999]]
        assert sources.kept_counts(row) == (3 + 4990, 1)
    with transaction(app.sessions) as s:
        sources.keep_held(s, "imap:kept", Held(9), now=now)
    with transaction(app.sessions) as s:
        assert sources.held(s, "imap:kept") is None


def acks(quirky: QuirkyImap) -> int:
    """The MOVE, COPY and STORE commands the poller sent so far."""
    return sum(1 for c in quirky.commands if c.upper().startswith(ACKS))


@sqlite_only
@pytest.mark.parametrize("mode", list(MODES))
def test_what_the_server_keeps_is_acknowledged_once(
    app: App,
    quirky: QuirkyImap,
    tls_files: tuple[Path, Path],
    caplog: pytest.LogCaptureFixture,
    mode: str,
) -> None:
    """Gmail's MOVE out of All Mail, a server without MOVE that ignores the ``\\Deleted``,
    one that answers OK to a flag and forgets it: each pass after the first sends none."""
    clock: FakeClock = app.clock  # type: ignore[assignment]
    quirky.keeps = True
    first = quirky.add(Message(mail("one")))
    quirky.add(Message(mail("two")))
    p = poller(app, setup(quirky, tls_files, mode))
    # a flag found cleared is put back once (a person may have cleared it: test_imap)
    rounds = 2 if mode == "flag" else 1
    with caplog.at_level(logging.INFO, logger="gateway.imap"):
        assert p.poll_once() == 2
        sent = acks(quirky)
        assert sent > 0
        for _ in range(3):
            clock.advance(timedelta(minutes=40))  # past any retry of a refusal
            assert p.poll_once() == 0
        assert acks(quirky) == rounds * sent
        quirky.add(Message(mail("three")))
        assert p.poll_once() == 1
        assert p.poll_once() == 0
        assert p.poll_once() == 0
        assert acks(quirky) == rounds * 2 * sent
    p.close()
    assert quirky.messages[first].fetched == 1  # the bookmark: never fetched again
    assert len(inbox_rows(app)) == 3
    warned = [line for line in logged(caplog) if KEPT in line]
    assert len(warned) == 1, logged(caplog)
    assert "uid 1:2" in warned[0]
    assert not [line for line in logged(caplog) if KEPT not in line]
    assert not [r for r in caplog.records if "interruption" in r.getMessage()]


@sqlite_only
def test_a_new_uidvalidity_forgets_what_was_kept(
    app: App, quirky: QuirkyImap, tls_files: tuple[Path, Path]
) -> None:
    """The old UIDs name other messages after a UIDVALIDITY change: the new UID 1, a
    new message, is stored and moved, though the old UID 1 was kept."""
    quirky.keeps = True
    quirky.add(Message(mail("one", message_id="<one@customer.test>")))
    account = setup(quirky, tls_files, "move")
    p = poller(app, account)
    assert p.poll_once() == 1
    assert p.poll_once() == 0  # UID 1 found kept
    quirky.keeps = False
    quirky.uidvalidity, quirky.uidnext = 8, 1  # the folder rebuilt: UIDs start again
    quirky.messages = {}
    new = quirky.add(Message(mail("new", message_id="<new@customer.test>")))
    quirky.add(Message(mail("one", message_id="<one@customer.test>")))
    assert new == 1
    assert p.poll_once() == 1  # the new one; "one" is known by its Message-ID
    assert p.poll_once() == 0
    p.close()
    assert quirky.messages == {}  # both moved
    assert len(inbox_rows(app)) == 2
    with transaction(app.sessions) as s:
        held = sources.held(s, account.source)
    assert held is None or held.kept == ()


def test_status_counts_what_the_server_keeps_and_stays_healthy(
    quirky: QuirkyImap,
    tls_files: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Nothing is lost and nothing waits for a person: a line under the mailbox, in the
    reader's language, and a count in ``--json``; ``status`` still exits 0."""
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    quirky.keeps, quirky.capabilities = True, quirky.capabilities + " MOVE"
    for n in range(3):
        quirky.add(Message(mail(f"kept {n}")))
    config = write_config(tmp_path, extra=quirky.status_sections(tls_files[0]))
    settings = load_settings(config)
    app = build(settings, SystemClock())
    try:
        p = poller(app, settings.imap[0])
        assert p.poll_once() == 3
        assert p.poll_once() == 0
        p.close()
    finally:
        app.close()

    def status(lang: str, *json_: str) -> str:
        monkeypatch.setenv("LANG", lang)
        assert cli.main(["--config", str(config), "status", *json_]) == 0
        return capsys.readouterr().out

    assert "3 stored messages stay in the folder" in status("en_US.UTF-8")
    ja = status("ja_JP.UTF-8")
    assert "3 通" in ja and "stored" not in ja
    [mailbox] = json.loads(status("en_US.UTF-8", "--json"))["mailboxes"]
    assert mailbox["kept_by_server"] == 3
