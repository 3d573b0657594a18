"""A page that only looks reads in a read-only unit (``WebContext.read``): on SQLite it
takes no write lock, so the SMTP listener beside it, whose ``250`` waits for its
commit, never waits for a page; and a write in such a unit fails loudly instead of
taking the lock half-way. What changes something is a ``WebContext.write``."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import threading
from email.message import EmailMessage
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.orm import Session

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from store import ticket_query, web_auth
from store.accept.contract import Incoming
from store.accept.sqlite import SqliteInbox
from store.db import WroteInReadOnlyUnit, transaction
from tests.support.databases import sqlite_only
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.web import Rig, asked_link, csrf_of, rig, sign_in

MEMBER = "ops@example.test"


def _path(settings: Settings) -> str:
    return str(settings.database.url).removeprefix("sqlite:///")


@sqlite_only  # SQLite's one write lock
def test_the_inbox_writer_commits_at_once_while_a_page_reads(
    settings: Settings, clock: FakeClock
) -> None:
    """The listener's inbox writer, with a busy timeout too short to wait for anyone,
    stores a mail while a page's unit is open and has read: it did not take the lock."""
    inside, release = threading.Event(), threading.Event()
    seen: list[tuple[int, int]] = []

    def held(session: Session) -> tuple[int, int]:
        first = ticket_query.data_version(session)
        inside.set()
        assert release.wait(30), "the test never let the page go"
        assert ticket_query.data_version(session) == first  # one snapshot throughout
        return first

    with rig(settings, clock) as r:
        page = threading.Thread(target=lambda: seen.append(asyncio.run(r.ctx.read(held))))
        page.start()
        writer = SqliteInbox(_path(r.ctx.settings), busy_timeout_ms=20)
        try:
            assert inside.wait(30), "the page's unit never began"
            accepted = writer.accept_many([Incoming(mail(), "smtp", "127.0.0.1")], now=clock.now())
        finally:
            release.set()
            page.join(30)
            writer.close()
        assert len(accepted) == 1 and accepted[0].inbox_id
        assert seen == [(0, 0)]


@sqlite_only  # SQLite's one write lock
def test_pages_that_only_look_answer_while_a_writer_holds_the_lock(
    settings: Settings, clock: FakeClock
) -> None:
    """Board, list, ticket, attachment and a sign-in link opened: all answered while
    another connection holds the write lock (a page that took it would wait the
    engine's busy timeout and answer 503)."""

    async def scenario(client: TestClient[Any, Any], r: Rig, tid: int) -> list[int]:
        token = await asked_link(client, r, "ops2@example.test", await csrf_of(client))
        await sign_in(client, r, MEMBER)  # the other member's link is then a button
        html = await (await client.get(f"/tickets/{tid}")).text()
        attachment = re.search(rf'href="(/tickets/{tid}/attachments/\d+)"', html)
        assert attachment
        paths = ["/board", "/tickets", f"/tickets/{tid}", attachment.group(1)]
        other = sqlite3.connect(_path(r.ctx.settings), isolation_level=None, timeout=0.05)
        try:
            other.execute("BEGIN IMMEDIATE")  # the listener, committing mail
            answers = [(await client.get(p)).status for p in paths]
            answers.append((await client.get(f"/sign-in/{token}")).status)
        finally:
            other.execute("ROLLBACK")
            other.close()
        return answers

    with rig(settings, clock) as r:
        tid = deliver(r.app, _attached_mail()).ticket_id or 0
        assert r.serve(lambda c: scenario(c, r, tid)) == [200] * 5


def test_a_write_in_a_page_read_fails_loudly(settings: Settings, clock: FakeClock) -> None:
    """Core and ORM writes alike; nothing is written, and the connection the pool hands
    out next writes as a writing unit should."""
    now = clock.now()

    def orm_write(session: Session) -> None:
        web_auth.add_session(session, "token-1", MEMBER, now, now)

    def core_write(session: Session) -> None:
        web_auth.end_session(session, "token-2")

    async def scenario(r: Rig) -> None:
        for wrong in (orm_write, core_write):
            with pytest.raises(WroteInReadOnlyUnit):
                await r.ctx.read(wrong)
        await r.ctx.write(orm_write)

    with rig(settings, clock) as r:
        asyncio.run(scenario(r))
        with transaction(r.app.sessions, read_only=True) as s:
            assert web_auth.session_member(s, "token-1", now.replace(year=2000)) == MEMBER


def _attached_mail() -> bytes:
    msg = EmailMessage()
    msg["From"] = "customer@example.test"
    msg["To"] = "support@example.test"
    msg["Subject"] = "Printer jam, log attached"
    msg["Message-ID"] = "<page-reads-1@example.test>"
    msg.set_content("The printer jams; the log is attached.\n")
    msg.add_attachment(b"jam at tray 2\n", maintype="text", subtype="plain", filename="log.txt")
    return bytes(msg)
