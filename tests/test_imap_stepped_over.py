"""A message the poller steps over unstored (``gateway.receive.imap.damaged``) never
became a ticket: ``status`` names it for as long as it stays in the folder, a warning
for a day (``max_stepped_over_age``) and a health problem after; once a person moved or
deleted it (or the folder got a new UIDVALIDITY) it is forgotten.

The error was logged once when it was stepped over, and the next good pass cleared the
mailbox's error, so nothing said it any more; and what the poller remembered of it was
never cleared. Dovecot cannot be made to answer without content: the fake server of
tests/support/imap_quirks.py plays it, as in test_imap_unreadable_kept.

And a stored message the server puts back under a new UID after each move is moved a
bounded number of times (``gateway.receive.imap.returns``), with the real Dovecot.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.config.load import load_settings
from gateway.config.settings import ImapSettings
from gateway.core.clock import FakeClock
from gateway.receive.imap import ImapPoller
from gateway.receive.imap.damaged import NO_CONTENT_TRIES
from gateway.receive.imap.returns import MOVES_BACK
from gateway.runtime.app import App, build
from gateway.runtime.cli import main as cli
from gateway.scheduling import health
from store import sources
from store.db import transaction
from store.models import SourceState
from store.sources import Held, SteppedOver
from tests.support.config import SECRET_ENV, write_config
from tests.support.databases import sqlite_only
from tests.support.dovecot import Dovecot
from tests.support.imap_quirks import Message, QuirkyImap
from tests.support.mails import mail
from tests.support.pipeline import inbox_rows
from tests.support.refused_acks import poller, setup


def step_over(p: ImapPoller, quirky: QuirkyImap) -> int:
    """A message without content between two, polled until it is stepped over: its UID."""
    quirky.add(Message(mail("before")))
    gap = quirky.add(Message(b"", "nil"))
    quirky.add(Message(mail("after")))
    for _ in range(NO_CONTENT_TRIES):
        p.poll_once()
    return gap


def remembered(app: App, account: ImapSettings) -> tuple[int, ...]:
    with transaction(app.sessions) as s:
        held = sources.held(s, account.source)
    return held.unreadable if held is not None else ()


def test_status_names_what_was_stepped_over_in_both_languages_and_stays_healthy(
    quirky: QuirkyImap,
    tls_files: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    config = write_config(tmp_path, extra=quirky.status_sections(tls_files[0]))
    settings = load_settings(config)
    app = build(settings, FakeClock(datetime.now(UTC) - timedelta(hours=1)))
    try:
        p = ImapPoller(settings.imap[0], settings, app.sessions, app.clock)
        gap = step_over(p, quirky)
        assert p.poll_once() == 0  # a good pass: the mailbox's error is cleared
        p.close()
    finally:
        app.close()

    def status(lang: str, *json_: str) -> str:
        monkeypatch.setenv("LANG", lang)
        assert cli.main(["--config", str(config), "status", *json_]) == 0  # a warning
        return capsys.readouterr().out

    en = status("en_US.UTF-8")
    assert f"1 message could not be read from the server and was stepped over (UID {gap})" in en
    ja = status("ja_JP.UTF-8")
    assert f"UID {gap}" in ja and "$GatewayUnreadable" in ja and "stepped" not in ja
    [mailbox] = json.loads(status("en_US.UTF-8", "--json"))["mailboxes"]
    assert mailbox["stepped_over"]["count"] == 1
    assert mailbox["stepped_over"]["uids"] == [gap]
    assert mailbox["stepped_over"]["since"] is not None


@sqlite_only
@pytest.mark.parametrize(
    ("limit", "written"), [(None, "1d"), (timedelta(hours=4), "4h")], ids=["default", "set"]
)
def test_left_in_the_folder_longer_than_its_limit_it_is_a_health_problem(
    app: App,
    quirky: QuirkyImap,
    tls_files: tuple[Path, Path],
    limit: timedelta | None,
    written: str,
) -> None:
    """A day unless ``max_stepped_over_age`` says otherwise; the problem names it."""
    clock: FakeClock = app.clock  # type: ignore[assignment]
    overrides = {} if limit is None else {"max_stepped_over_age": limit}
    account = setup(quirky, tls_files, "move", **overrides)
    p = poller(app, account)
    gap = step_over(p, quirky)
    settings = replace(app.settings, imap=(account,))

    def problems(after: timedelta) -> list[health.HealthProblem]:
        clock.advance(after)
        p.poll_once()  # polled meanwhile: the mailbox itself is healthy
        report = health.check(settings, app.sessions, clock.now())
        return [q for q in report.problems if q.key.startswith("unread:")]

    assert problems((limit or timedelta(days=1)) - timedelta(hours=1)) == []
    [late] = problems(timedelta(hours=2))
    assert late.key == f"unread:{account.key}"
    assert f"(UID {gap})" in late.text
    assert f"longer ago than imap.max_stepped_over_age = {written})" in late.text
    p.close()


@sqlite_only
def test_forgotten_when_a_person_moves_it_out_of_the_folder(
    app: App, quirky: QuirkyImap, tls_files: tuple[Path, Path]
) -> None:
    account = setup(quirky, tls_files, "move")
    p = poller(app, account)
    gap = step_over(p, quirky)
    assert remembered(app, account) == (gap,)
    del quirky.messages[gap]  # a person moved or deleted it
    assert p.poll_once() == 0
    assert remembered(app, account) == ()
    p.close()
    report = health.check(replace(app.settings, imap=(account,)), app.sessions, app.clock.now())
    assert report.as_dict()["mailboxes"][0]["stepped_over"]["count"] == 0


@sqlite_only
def test_forgotten_at_a_new_uidvalidity_also_after_a_restart(
    app: App, quirky: QuirkyImap, tls_files: tuple[Path, Path]
) -> None:
    account = setup(quirky, tls_files, "move")
    p = poller(app, account)
    gap = step_over(p, quirky)
    p.close()
    assert remembered(app, account) == (gap,)
    quirky.uidvalidity += 1  # the old UIDs may name other messages now
    restarted = poller(app, account)
    restarted.poll_once()  # the rescan asks for the message again, from the start
    restarted.close()
    assert remembered(app, account) == ()


@sqlite_only
def test_dovecot_a_message_put_back_under_a_new_uid_is_moved_a_bounded_number_of_times(
    app: App, dovecot: Dovecot, caplog: pytest.LogCaptureFixture
) -> None:
    """A server that puts a moved message back under a new UID (a filter, a sync tool
    copying it back): the same bytes, recognised as stored, were fetched and moved at
    every pass for ever. After :data:`MOVES_BACK` moves of what came back it is kept in
    the folder (never fetched or moved again), said once; other mail is read on."""
    user = dovecot.add_user()
    account = dovecot.account(user, processed_folder="Done")
    raw = mail("back again", message_id="<again@customer.test>")
    with dovecot.client(user) as c:
        c.create_folder("Done")
        c.append("INBOX", raw)
    p = poller(app, account)
    with caplog.at_level(logging.INFO, logger="gateway.imap"):
        assert p.poll_once() == 1
        for _ in range(MOVES_BACK + 2):
            with dovecot.client(user) as c:  # the server's copy-back, after each move
                if not c.select_folder("INBOX") or not c.search("ALL"):
                    c.append("INBOX", raw)
            assert p.poll_once() == 0
        with dovecot.client(user) as c:
            c.append("INBOX", mail("another"))
        assert p.poll_once() == 1
        p.close()
    assert (
        len(folder(dovecot, user, "Done")) == 1 + MOVES_BACK + 1
    )  # the first, its returns, another
    [kept] = folder(dovecot, user, "INBOX")
    assert kept == 1 + MOVES_BACK + 1  # the first UID, then one per return
    assert len(inbox_rows(app)) == 2
    told = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert sum("came back" in line for line in told) == 1, told
    assert remembered_kept(app, account) == (kept,)


def remembered_kept(app: App, account: ImapSettings) -> tuple[int, ...]:
    with transaction(app.sessions) as s:
        held = sources.held(s, account.source)
    return held.kept if held is not None else ()


def folder(dovecot: Dovecot, user: str, name: str) -> list[int]:
    with dovecot.client(user) as c:
        c.select_folder(name, readonly=True)
        return sorted(c.search("ALL"))


def test_when_each_was_stepped_over_is_written_and_read_back(app: App) -> None:
    """On both databases: the times with their UIDs; ``status`` takes the oldest of those
    still remembered, and a row written before the times were has none (never late)."""
    at = app.clock.now()
    state = Held(9, unreadable=(4, 8), unreadable_at=((4, at - timedelta(hours=30)), (8, at)))
    with transaction(app.sessions) as s:
        sources.keep_held(s, "imap:unread", state, now=at)
    with transaction(app.sessions) as s:
        assert sources.held(s, "imap:unread") == state
        row = s.scalars(select(SourceState).where(SourceState.source == "imap:unread")).one()
        assert sources.stepped_over(row) == SteppedOver((4, 8), at - timedelta(hours=30))
        sources.keep_held(s, "imap:unread", Held(9, unreadable=(8,)), now=at)
    with transaction(app.sessions) as s:
        row = s.scalars(select(SourceState).where(SourceState.source == "imap:unread")).one()
        assert sources.stepped_over(row) == SteppedOver((8,), None)


@sqlite_only
def test_one_stepped_over_before_the_times_were_written_counts_from_the_restart(
    app: App, quirky: QuirkyImap, tls_files: tuple[Path, Path]
) -> None:
    clock: FakeClock = app.clock  # type: ignore[assignment]
    account = setup(quirky, tls_files, "move")
    p = poller(app, account)
    gap = step_over(p, quirky)
    p.close()
    with transaction(app.sessions) as s:  # as a gateway before this one wrote it
        sources.keep_held(
            s, account.source, Held(quirky.uidvalidity, unreadable=(gap,)), now=clock.now()
        )
    clock.advance(timedelta(hours=3))
    restarted = poller(app, account)
    restarted.poll_once()
    restarted.close()
    with transaction(app.sessions) as s:
        held = sources.held(s, account.source)
    assert held is not None and held.unreadable_at == ((gap, clock.now()),)
