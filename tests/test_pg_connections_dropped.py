"""PostgreSQL restarted under load: every connection the gateway holds is dropped at
once, one of them in the middle of processing a row. Nothing is lost (each mail
accepted before or after is a ticket), nothing is doubled (the row cut off is
processed once, when it is tried again), and what failed failed as an outage does
(the door's TransientError: a 451, exit 75), never as a shunt or a crash."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.pool import NullPool

from gateway.core.clock import FakeClock
from gateway.core.errors import TransientError
from gateway.runtime.app import App
from store import tickets
from store.accept.contract import Incoming
from store.accept.generic import SessionInbox
from tests.support.databases import postgres_only
from tests.support.mails import mail
from tests.support.pipeline import all_tickets, inbox_rows


@pytest.fixture
def ours() -> Iterator[set[int]]:
    """The backend pids of every connection this test's engines open."""
    pids: set[int] = set()

    def opened(dbapi: Any, _record: Any) -> None:
        pid = getattr(getattr(dbapi, "info", None), "backend_pid", None)  # psycopg's, no query
        if pid is not None:
            pids.add(int(pid))

    event.listen(Engine, "connect", opened)
    yield pids
    event.remove(Engine, "connect", opened)


def _drop_all(app: App, pids: set[int]) -> None:
    """As a restart does to us: every connection of ours ended, from one of a new engine."""
    admin = app.engine.url.render_as_string(hide_password=False)
    killer = create_engine(admin, poolclass=NullPool)
    try:
        with killer.connect() as c:
            me = c.scalar(text("SELECT pg_backend_pid()"))
            c.execute(
                text("SELECT pg_terminate_backend(p) FROM unnest(CAST(:pids AS int[])) AS t(p)"),
                {"pids": sorted(pids - {me})},
            )
            c.commit()
    finally:
        killer.dispose()


def _store(doors: SessionInbox, raw: bytes, now: Any) -> int:
    """As a door does: a TransientError is a 451, and the sender sends it again."""
    for _ in range(3):
        try:
            return doors.accept_many([Incoming(raw, "smtp")], now=now)[0].inbox_id
        except TransientError:
            continue
    raise AssertionError("never stored")


@postgres_only
def test_every_connection_dropped_under_load_loses_and_doubles_nothing(
    ours: set[int], app: App, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    doors = SessionInbox(app.sessions)
    sent = [mail(subject=f"Printer {n} jammed", message_id=f"<p{n}@c.test>") for n in range(6)]
    for raw in sent[:3]:
        _store(doors, raw, clock.now())
    facts = tickets.message_facts
    looked: list[int] = []

    def cut_off(*args: Any) -> Any:
        """The second row's processing loses its connection half-way (with all others)."""
        looked.append(1)
        if len(looked) == 2:
            _drop_all(app, ours)
        return facts(*args)

    monkeypatch.setattr(tickets, "message_facts", cut_off)
    first = app.runner.process_pending()
    assert len(looked) > 3  # the row cut off was looked at again (its group, one by one)
    assert all(o.state is None or o.state.value == "done" for o in first), first
    for raw in sent[3:]:  # the doors after the restart: stored, at worst after a 451
        _store(doors, raw, clock.now())
    for _ in range(5):  # the rows put back come due again
        clock.advance(timedelta(minutes=10))
        app.runner.process_pending()
    rows = inbox_rows(app)
    assert [r.state for r in rows] == ["done"] * 6, [(r.state, r.reason) for r in rows]
    assert sorted(t["subject"] for t in all_tickets(app)) == [
        f"Printer {n} jammed" for n in range(6)
    ]
