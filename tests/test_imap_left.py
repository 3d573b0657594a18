"""A stored message the server keeps refusing to move or flag is left in the folder for
a person: that is a health problem, said once per pass in the log, and a message the
COPY fallback copied is never copied again.

A message left alone stays in the folder forever (every pass would take it again, were
it not remembered), so a person must act: ``status`` exits 1 and names it (UID, subject,
Message-ID, the server's answer, what to do), and the managers get the alert mail. An
account that refuses every move logs one line per pass, not one per message. And on a
server without MOVE, a message whose ``\\Deleted`` STORE was refused after its COPY is
not copied again at the next try (it was, into the processed folder, once per pass).
"""

from __future__ import annotations

import email
import email.policy
import json
import logging
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.config.settings import HealthSettings, ImapSettings, Settings
from gateway.core.clock import FakeClock, SystemClock
from gateway.receive.imap import ImapPoller, left
from gateway.receive.imap.refused import RETRY_FIRST, TRIES
from gateway.runtime.app import App, build
from gateway.runtime.cli import main as cli
from gateway.scheduling import alerts, health
from store import outbox, sources
from store.db import transaction
from store.sources import Held, LeftMessage
from tests.support.app import MEMBERS
from tests.support.config import SECRET_ENV, write_config
from tests.support.databases import sqlite_only
from tests.support.dovecot import Dovecot
from tests.support.imap_quirks import Message, QuirkyImap
from tests.support.mails import mail
from tests.support.refused_acks import (
    OVERQUOTA,
    acknowledged,
    logged,
    poller,
    setup,
    tries_of,
)

SUBJECT = "VPN 接続できません"
MESSAGE_ID = "<left-1@customer.test>"


def report(app: App, account: ImapSettings) -> health.HealthReport:
    return health.check(replace(app.settings, imap=(account,)), app.sessions, app.clock.now())


def left_problems(app: App, account: ImapSettings) -> list[str]:
    """The health problems of what the poller left in the folder."""
    return [p.text for p in report(app, account).problems if p.key == f"left:{account.key}"]


def subjects(app: App, settings: Settings) -> list[str]:
    """One alert pass of a daemon started long ago: how the subjects it queued begin
    (up to the account's key and its colon)."""
    now = app.clock.now()
    with transaction(app.sessions) as s:
        ids = alerts.send_due(s, settings, now, now - timedelta(days=30))
    with transaction(app.sessions) as s:
        rows = [r for r in outbox.rows(s) if r.id in ids]
    said = [email.message_from_bytes(r.raw, policy=email.policy.default) for r in rows]
    return [str(m["Subject"]).split(": ")[0] + ": " for m in said]


def refuse_until_left(app: App, quirky: QuirkyImap, account: ImapSettings) -> int:
    """A message whose acknowledgement the server refuses, polled until it is left
    alone; its UID. Healthy until then: a refusal being retried is no problem."""
    clock: FakeClock = app.clock  # type: ignore[assignment]
    uid = quirky.add(Message(mail(SUBJECT, message_id=MESSAGE_ID), refuse=OVERQUOTA))
    p = poller(app, account)
    for _ in range(TRIES - 1):
        p.poll_once()
        clock.advance(timedelta(days=1))
        assert left_problems(app, account) == []
    p.poll_once()  # the last try
    p.close()
    assert tries_of(quirky, uid) == TRIES
    return uid


@sqlite_only
@pytest.mark.parametrize("mode", ["move", "copy", "flag"])
def test_a_message_left_alone_is_a_problem_that_names_it_until_it_is_gone(
    app: App, quirky: QuirkyImap, tls_files: tuple[Path, Path], mode: str
) -> None:
    """It was shown only as the mailbox's last error, and ``status`` said healthy: a
    message nobody moves stays in the folder for ever. Now it is a problem naming the
    message, the server's answer and what to do, after a restart too (which tries it
    once more), until it is gone from the folder."""
    clock: FakeClock = app.clock  # type: ignore[assignment]
    account = setup(quirky, tls_files, mode)
    uid = refuse_until_left(app, quirky, account)
    [problem] = left_problems(app, account)
    assert f"UID {uid}" in problem
    assert SUBJECT in problem and MESSAGE_ID in problem
    assert "[OVERQUOTA] Quota exceeded" in problem  # the server's words
    assert "by hand" in problem  # what to do
    where = account.processed_flag if mode == "flag" else account.processed_folder
    assert where in problem

    restarted = poller(app, account)  # a restart: the quota is still full
    assert left_problems(app, account) == [problem]  # still said before its first pass
    clock.advance(timedelta(minutes=1))
    assert restarted.poll_once() == 0
    assert tries_of(quirky, uid) == TRIES + 1  # tried once more, at once
    assert left_problems(app, account) == [problem]  # and left again, not retried 5 times
    clock.advance(timedelta(days=1))
    restarted.poll_once()
    assert tries_of(quirky, uid) == TRIES + 1

    del quirky.messages[uid]  # a person moved it by hand
    clock.advance(timedelta(minutes=1))
    restarted.poll_once()
    restarted.close()
    assert left_problems(app, account) == []


@sqlite_only
def test_a_restart_moves_a_left_message_once_the_server_takes_it(
    app: App, quirky: QuirkyImap, tls_files: tuple[Path, Path]
) -> None:
    account = setup(quirky, tls_files, "move")
    uid = refuse_until_left(app, quirky, account)
    quirky.messages[uid].refuse = ""  # the quota was raised
    restarted = poller(app, account)
    restarted.poll_once()
    restarted.close()
    assert quirky.messages == {} and len(acknowledged(quirky, account)) == 1
    assert left_problems(app, account) == []


@sqlite_only
def test_the_managers_are_mailed_the_left_message_in_their_language(
    app: App, quirky: QuirkyImap, tls_files: tuple[Path, Path]
) -> None:
    clock: FakeClock = app.clock  # type: ignore[assignment]
    account = setup(quirky, tls_files, "move")
    unprocessed = timedelta(days=30)  # no runner here: the mail stored waits, not a problem
    limits = HealthSettings(max_inbox_age=unprocessed)
    settings = replace(app.settings, imap=(account,), members=MEMBERS, health=limits)
    uid = refuse_until_left(app, quirky, account)
    with transaction(app.sessions) as s:
        ids = alerts.send_due(s, settings, clock.now())
    with transaction(app.sessions) as s:
        [row] = [r for r in outbox.rows(s) if r.id in ids]
    mailed = email.message_from_bytes(row.raw, policy=email.policy.default)
    assert row.recipients == ["boss@example.test"]  # the manager, who reads Japanese
    assert mailed["Subject"].startswith(f"【障害】メールボックス {account.key}: ")
    text = mailed.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert f"UID {uid}" in text and SUBJECT in text and MESSAGE_ID in text
    assert "手作業" in text and "by hand" not in text
    with transaction(app.sessions) as s:  # said once, not at every check
        assert alerts.send_due(s, settings, clock.now()) == []

    del quirky.messages[uid]  # a person deleted it: the all-clear, once
    with poller(app, account) as p:
        p.poll_once()
    with transaction(app.sessions) as s:
        ids = alerts.send_due(s, settings, clock.now())
    with transaction(app.sessions) as s:
        [row] = [r for r in outbox.rows(s) if r.id in ids]
    mailed = email.message_from_bytes(row.raw, policy=email.policy.default)
    assert mailed["Subject"].startswith(f"【復旧】メールボックス {account.key}: ")


def test_status_exits_1_for_a_left_message_and_says_it_in_the_readers_language(
    quirky: QuirkyImap,
    tls_files: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    quirky.capabilities += " MOVE"
    config = write_config(tmp_path, extra=quirky.status_sections(tls_files[0]))

    def status(lang: str) -> tuple[int, str]:
        monkeypatch.setenv("LANG", lang)
        code = cli.main(["--config", str(config), "status"])
        return code, capsys.readouterr().out

    settings = load_settings(config)
    app = build(settings, FakeClock(SystemClock().now() - timedelta(days=TRIES)))
    try:
        uid = refuse_until_left(app, quirky, settings.imap[0])
    finally:
        app.close()
    code, ja = status("ja_JP.UTF-8")
    assert code == cli.EX_UNHEALTHY
    assert f"UID {uid}" in ja and SUBJECT in ja and "手作業" in ja and "by hand" not in ja
    code, en = status("en_US.UTF-8")
    assert code == cli.EX_UNHEALTHY
    assert f"UID {uid}" in en and MESSAGE_ID in en and "by hand" in en
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert cli.main(["--config", str(config), "status", "--json"]) == cli.EX_UNHEALTHY
    [problem] = json.loads(capsys.readouterr().out)["problems"]  # the only one
    assert f"UID {uid}" in problem["text"]


@sqlite_only
def test_an_account_removed_from_the_config_is_not_judged_and_keeps_its_state(
    app: App, quirky: QuirkyImap, tls_files: tuple[Path, Path]
) -> None:
    """An ``[[imap]]`` account removed from the configuration keeps its ``source_state``
    row (its UIDVALIDITY and last UID, what it left in the folder): it is ignored, not
    deleted. ``status`` and the alerts say nothing of it (neither the left message nor
    a poll long overdue), and when the account comes back its poller reads on from its
    bookmark and the message it left is a problem again. An alert open for it when it
    was removed gets its all-clear (else it would stay open for good)."""
    clock: FakeClock = app.clock  # type: ignore[assignment]
    account = setup(quirky, tls_files, "move")
    uid = refuse_until_left(app, quirky, account)
    month = timedelta(days=30)  # no runner and no sender here: what waits is no problem
    limits = HealthSettings(max_inbox_age=month, max_outbox_age=month)
    back = replace(app.settings, imap=(account,), members=MEMBERS, health=limits)
    removed = replace(back, imap=())
    assert subjects(app, back) == [f"【障害】メールボックス {account.key}: "]
    clock.advance(timedelta(days=2))  # were it judged, its poll would be overdue too
    now = clock.now()
    gone = health.check(removed, app.sessions, now)
    assert gone.healthy and gone.problems == () and gone.mailboxes == ()
    assert subjects(app, removed) == [f"【復旧】メールボックス {account.key}: "]
    assert subjects(app, removed) == []  # and nothing more
    with transaction(app.sessions) as s:
        kept = sources.held(s, account.source)
        assert sources.bookmark(s, account.source).last_uid == uid  # not pruned
    assert kept is not None and [m.uid for m in kept.left] == [uid]

    assert [p.key for p in health.check(back, app.sessions, now).problems] == [
        f"mailbox:{account.key}",  # not polled for two days: true, until its first pass
        f"left:{account.key}",
    ]
    quirky.add(Message(mail("while it was away")))
    with ImapPoller(account, back, app.sessions, clock) as p:
        assert p.poll_once() == 1  # the new one only: the bookmark was kept
    assert tries_of(quirky, uid) == TRIES + 1  # tried once more, and left again
    assert [p.key for p in health.check(back, app.sessions, clock.now()).problems] == [
        f"left:{account.key}"
    ]


# -- an account that refuses every move: one line per pass ----------------------------


@sqlite_only
@pytest.mark.parametrize("mode", ["move", "flag"])
def test_an_account_refusing_every_move_logs_one_line_per_pass(
    app: App,
    quirky: QuirkyImap,
    tls_files: tuple[Path, Path],
    caplog: pytest.LogCaptureFixture,
    mode: str,
) -> None:
    """Each message keeps its own retry: the ones that came later wait their own time;
    but a pass says what was refused in one line, with the count."""
    clock: FakeClock = app.clock  # type: ignore[assignment]
    first = [quirky.add(Message(mail(f"m{n}"), refuse=OVERQUOTA)) for n in range(3)]
    account = setup(quirky, tls_files, mode)
    p = poller(app, account)

    def one_pass() -> list[str]:
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="gateway.imap"):
            p.poll_once()
        return logged(caplog)

    [line] = one_pass()
    assert line.startswith(f"imap {account.key}: 3 stored messages could not be ")
    assert "[OVERQUOTA]" in line
    clock.advance(RETRY_FIRST / 2)
    late = quirky.add(Message(mail("late"), refuse=OVERQUOTA))
    [line] = one_pass()
    assert line.startswith(f"imap {account.key}: 1 stored message could not be ")
    clock.advance(RETRY_FIRST / 2)
    [line] = one_pass()  # the first three are due, the late one is not
    assert line.startswith(f"imap {account.key}: 3 stored messages could not be ")
    assert [tries_of(quirky, uid) for uid in [*first, late]] == [2, 2, 2, 1]
    for _ in range(2 * TRIES):
        clock.advance(timedelta(days=1))
        assert len(one_pass()) <= 1
    assert [tries_of(quirky, uid) for uid in [*first, late]] == [TRIES] * 4
    assert one_pass() == []  # all left now: nothing tried, nothing said
    p.close()


# -- the COPY fallback: a refused \Deleted never copies the message again ------------


@sqlite_only
@pytest.mark.parametrize("batch_size", [1, 50])
def test_a_copied_message_whose_deleted_flag_is_refused_is_not_copied_again(
    app: App, quirky: QuirkyImap, tls_files: tuple[Path, Path], batch_size: int
) -> None:
    """Without MOVE, a message is copied, flagged \\Deleted and expunged. The STORE was
    refused (a message locked by another process): each try copied it again, and the
    processed folder held it once per try. Now only the flag and the expunge are tried
    again, by the same poller or after a restart."""
    clock: FakeClock = app.clock  # type: ignore[assignment]
    first, locked, third = mail("first"), mail("locked"), mail("third")
    quirky.add(Message(first))
    uid = quirky.add(Message(locked, refuse="NO Message is locked", refused_by=("UID STORE",)))
    quirky.add(Message(third))
    account = setup(quirky, tls_files, "copy", batch_size=batch_size)
    p = poller(app, account)
    assert p.poll_once() == 3
    assert sorted(acknowledged(quirky, account)) == sorted([first, locked, third])
    assert list(quirky.messages) == [uid]  # copied, but still here: not flagged \Deleted
    for _ in range(2):
        clock.advance(timedelta(days=1))
        p.poll_once()
    p.close()
    restarted = poller(app, account)
    clock.advance(timedelta(days=1))
    restarted.poll_once()
    assert tries_of(quirky, uid, ("UID STORE",)) >= 3  # the flag was tried again
    assert sorted(acknowledged(quirky, account)) == sorted([first, locked, third])  # once each
    quirky.messages[uid].refuse = ""  # the lock is gone
    clock.advance(timedelta(days=1))
    restarted.poll_once()
    restarted.close()
    assert quirky.messages == {}
    assert sorted(acknowledged(quirky, account)) == sorted([first, locked, third])


# -- the real Dovecot: a folder it may not write to ------------------------------------


@sqlite_only
def test_dovecot_refusing_every_move_leaves_them_named_in_status(
    app: App, dovecot: Dovecot
) -> None:
    """Dovecot's real answers: the UID, subject and Message-ID are read from the server
    (a header FETCH) when a message is left."""
    clock: FakeClock = app.clock  # type: ignore[assignment]
    user = dovecot.add_user()
    account = dovecot.account(user, after="move")
    with dovecot.client(user) as c:
        c.create_folder(account.processed_folder)
        c.append("INBOX", mail(SUBJECT, message_id=MESSAGE_ID))
    processed = dovecot.root / "home" / user / "Maildir" / f".{account.processed_folder}"
    for sub in ("tmp", "new", "cur"):
        (processed / sub).chmod(0o555)
    p = poller(app, account)
    for _ in range(TRIES):
        p.poll_once()
        clock.advance(timedelta(days=1))
    p.close()
    for sub in ("tmp", "new", "cur"):
        (processed / sub).chmod(0o700)
    [problem] = left_problems(app, account)
    assert re.search(r"UID 1\b", problem) and SUBJECT in problem and MESSAGE_ID in problem
    assert "the server answered" in problem


# -- what is kept, on both databases ---------------------------------------------------


def test_what_the_poller_holds_is_kept_and_read_back(app: App) -> None:
    """The state a restarted poller takes up and ``status`` reads, written and read on
    SQLite and PostgreSQL: the left messages with their problem, the copied UIDs and
    those whose COPY's answer was lost; an empty state clears the problem."""
    account = ImapSettings(host="imap.example.test", username="support", password_env="X")
    stuck = (LeftMessage(7, "NO [OVERQUOTA] Quota exceeded", SUBJECT, MESSAGE_ID),)
    state = Held(9, stuck, left.problem(account, stuck, {7}, TRIES), (7, 8), (10,))
    now = app.clock.now()
    with transaction(app.sessions) as s:
        sources.keep_held(s, account.source, state, now=now)
    with transaction(app.sessions) as s:
        assert sources.held(s, account.source) == state
    [problem] = left_problems(app, account)
    assert "UID 7" in problem and "already copied" in problem
    with transaction(app.sessions) as s:
        sources.keep_held(s, account.source, Held(9), now=now)
    with transaction(app.sessions) as s:
        assert sources.held(s, account.source) is None
    assert left_problems(app, account) == []


@pytest.mark.parametrize(
    ("head", "subject", "message_id"),
    [
        pytest.param(
            b"Subject: =?ISO-2022-JP?B?GyRCJTMlVCE8JE4bKEI=?=\r\n"
            b" =?ISO-2022-JP?B?GyRCJTUhPCVQGyhC?=\r\nMessage-ID: <jis-1@customer.test>\r\n\r\n",
            "コピーのサーバ",
            "<jis-1@customer.test>",
            id="a Japanese subject in two encoded words, folded",
        ),
        pytest.param(
            b"Message-ID:\r\n <folded@customer.test>\r\n\r\n",
            "",
            "<folded@customer.test>",
            id="no subject, a folded Message-ID",
        ),
        pytest.param(b"Subject: plain\r\n\r\n", "plain", "", id="no Message-ID"),
        pytest.param(b"", "", "", id="the server gave nothing"),
    ],
)
def test_a_left_message_is_described_as_a_mail_client_shows_it(
    head: bytes, subject: str, message_id: str
) -> None:
    assert left.described(head) == (subject, message_id)
