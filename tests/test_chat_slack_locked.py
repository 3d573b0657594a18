"""A page of the ``/ticket`` form sent while SQLite is locked (another connection holds
its write lock, here for as long as the test likes): Slack waits 3 seconds for the
answer, so the form answers in time that it could not save, and saves nothing in part;
sent again once the lock is gone, it goes on. The fake fails any answer later than
Slack waits (``in_time``); so it does when Slack itself is slow to say who sent the page."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.sqlite_url import sqlite_path
from gateway.runtime.app import App
from store import slack_drafts
from store.db import SQLITE_BUSY_TIMEOUT_MS, transaction
from store.turnstile import Turnstile
from tests.support import chat as c
from tests.support import slack_pages as p
from tests.support.databases import sqlite_only
from tests.support.pipeline import inbox_rows
from tests.support.slack_fake import FakeSlack

NOT_SAVED = "今はチケットを保存できませんでした。しばらくしてからもう一度送信してください。"


@pytest.fixture
def pages_app(
    settings: Settings, clock: FakeClock, fake: FakeSlack, tmp_path: Path
) -> Iterator[App]:
    fake.in_time = True
    with p.pages_gateway(settings, clock, fake, tmp_path) as application:
        yield application


@contextmanager
def locked(app: App) -> Iterator[None]:
    """The database's write lock, held by a connection of its own."""
    path = sqlite_path(app.settings.database.url)
    assert path is not None
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        yield
        holder.execute("ROLLBACK")
    finally:
        holder.close()


@sqlite_only
def test_a_page_sent_while_the_database_is_locked_answers_in_time(
    pages_app: App, fake: FakeSlack
) -> None:
    page1 = p.open_big(fake)
    values = {"subject": p.text("件名"), "field:f0": p.text("一")}
    with locked(pages_app):
        answer = fake.envelope("interactive", c.submission(page1, values))
    assert answer == {"response_action": "errors", "errors": {"field:f0": NOT_SAVED}}
    with transaction(pages_app.sessions) as s:
        assert slack_drafts.of(s, p.VIEW) == slack_drafts.Draft()  # nothing in part
    answer = fake.envelope("interactive", c.submission(page1, values))
    assert answer["response_action"] == "update"


@sqlite_only
def test_a_last_page_sent_while_the_database_is_locked_answers_in_time(
    pages_app: App, fake: FakeSlack
) -> None:
    page1 = p.open_big(fake)
    values = {"subject": p.text("件名"), "field:f0": p.text("一")}
    page2 = fake.envelope("interactive", c.submission(page1, values))["view"]
    last = {"field:f129": p.text("最後"), "text": p.text("本文")}
    with locked(pages_app):
        answer = fake.envelope("interactive", c.submission(page2, last))
    # on the last page, under its details (the subject is on the first page)
    assert answer == {"response_action": "errors", "errors": {"text": NOT_SAVED}}
    assert inbox_rows(pages_app) == []
    assert fake.envelope("interactive", c.submission(page2, last)) == {}
    assert len(inbox_rows(pages_app)) == 1


@sqlite_only
def test_a_last_page_sent_while_another_writer_holds_the_turnstile_answers_in_time(
    pages_app: App, fake: FakeSlack
) -> None:
    """The turnstile in front of SQLite's lock (store.turnstile: an SMTP session in its
    DATA, an MTA pipe's commit) is waited for no longer than the lock itself."""
    page1 = p.open_big(fake)
    values = {"subject": p.text("件名"), "field:f0": p.text("一")}
    page2 = fake.envelope("interactive", c.submission(page1, values))["view"]
    last = {"field:f129": p.text("最後"), "text": p.text("本文")}
    path = sqlite_path(pages_app.settings.database.url)
    assert path is not None
    other = Turnstile(path)  # another open file: held as another writer holds it
    try:
        with other.expecting():
            answer = fake.envelope("interactive", c.submission(page2, last))
    finally:
        other.close()
    assert answer == {"response_action": "errors", "errors": {"text": NOT_SAVED}}
    assert inbox_rows(pages_app) == []
    assert fake.envelope("interactive", c.submission(page2, last)) == {}


@sqlite_only
def test_a_unit_that_waits_less_leaves_the_engine_s_wait_to_the_next(app: App) -> None:
    """``transaction(wait=)`` sets SQLite's busy timeout for its own BEGIN only."""

    def busy(**wait: timedelta) -> int:
        with transaction(app.sessions, **wait) as s:
            return int(s.execute(text("PRAGMA busy_timeout")).scalar_one())

    assert busy() == SQLITE_BUSY_TIMEOUT_MS
    assert busy(wait=timedelta(milliseconds=700)) == 700
    assert busy() == SQLITE_BUSY_TIMEOUT_MS


@sqlite_only  # nothing of the database's in it
def test_a_last_page_answers_in_time_when_slack_is_slow_to_say_who_sent_it(
    settings: Settings, clock: FakeClock, fake: FakeSlack, tmp_path: Path
) -> None:
    """users.info slower than Slack waits for the answer (the [chat] timeout is longer):
    the page stays and asks to send it again, instead of an answer Slack no longer takes."""
    fake.in_time = True
    with p.pages_gateway(settings, clock, fake, tmp_path, timeout=timedelta(seconds=10)) as app:
        _slow_to_say_who(app, fake, clock)


def _slow_to_say_who(app: App, fake: FakeSlack, clock: FakeClock) -> None:
    page1 = p.open_big(fake)
    values = {"subject": p.text("件名"), "field:f0": p.text("一")}
    page2 = fake.envelope("interactive", c.submission(page1, values))["view"]
    clock.advance(timedelta(hours=1))  # who opened the form is no longer known fresh
    fake.slow = {"users.info"}
    last = {"field:f129": p.text("最後"), "text": p.text("本文")}
    answer = fake.envelope("interactive", c.submission(page2, last))
    assert answer["response_action"] == "errors"
    assert "もう一度" in answer["errors"]["text"]
    assert inbox_rows(app) == []
