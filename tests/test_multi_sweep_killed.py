"""An instance whose database connection is cut (a PostgreSQL restart, its backend
ended) in the middle of a scheduler pass, after it claimed a ticket's reminder and
before it committed: nothing of the pass is kept, the pass fails as a database
outage does (once, not once per ticket), and the other instance's pass does every
job, once."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.errors import TransientError
from gateway.core.model import TicketState
from gateway.runtime.app import App
from gateway.scheduling import digest, scheduler
from store import jobs
from store.db import transaction
from tests.support.databases import postgres_only
from tests.support.pipeline import outbox
from tests.support.scheduling import make_app, open_ticket, scheduled_settings

TICKETS = 5


@pytest.fixture
def pair(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[tuple[App, App]]:
    both = scheduled_settings(settings, tmp_path)
    first, second = make_app(both, clock), make_app(both, clock)
    yield first, second
    first.close()
    second.close()


def _end_backend(app: App, pid: int) -> None:
    admin = app.engine.url.render_as_string(hide_password=False)
    killer = create_engine(admin, poolclass=NullPool)
    try:
        with killer.connect() as c:
            c.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
            c.commit()
    finally:
        killer.dispose()


@postgres_only
def test_a_pass_cut_off_after_its_first_claim_is_taken_back_and_done_by_the_other(
    pair: tuple[App, App],
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    first, second = pair
    ids = [
        open_ticket(first, f"Toner {i}", key=f"cut-{i}", state=TicketState.PENDING)
        for i in range(TICKETS)
    ]
    clock.advance(3 * timedelta(days=1) + timedelta(hours=2))
    claim = jobs.claim
    cut: list[int] = []

    def claim_then_cut(session: Any, *args: Any, **kw: Any) -> bool:
        won = claim(session, *args, **kw)
        if not cut:
            pid = session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
            cut.append(pid)
            _end_backend(first, pid)
        return won

    monkeypatch.setattr(jobs, "claim", claim_then_cut)
    with caplog.at_level(logging.WARNING), pytest.raises(TransientError):
        scheduler.tick(first)
    assert cut
    monkeypatch.undo()
    # the outage is the pass's, not each ticket's: no ticket "skipped", one by one
    skipped = [r.getMessage() for r in caplog.records if "skipped this pass" in r.getMessage()]
    assert skipped == []
    with transaction(second.sessions) as s:  # nothing of the cut pass was kept
        assert jobs.runs(s) == []
    assert outbox(second, "pending_reminder") == []
    scheduler.tick(second)
    scheduler.tick(first)
    reminders = Counter(r.ticket_id for r in outbox(second, "pending_reminder"))
    assert reminders == Counter(dict.fromkeys(ids, 1))


@postgres_only
def test_a_digest_cut_off_after_its_claim_is_sent_once_by_the_other(
    pair: tuple[App, App], clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The week's digest claimed in ``job_runs`` and its mails being built when the
    connection is cut: the claim goes with them, and the other instance sends the
    week's digest, once."""
    first, second = pair
    open_ticket(first, "Toner", key="digest-cut", state=TicketState.OPEN)
    clock.advance(timedelta(days=7))  # past the week's digest hour
    build = digest.build

    def build_then_cut(session: Any, *args: Any, **kw: Any) -> Any:
        mails = build(session, *args, **kw)
        pid = session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
        _end_backend(first, pid)
        return mails

    monkeypatch.setattr(digest, "build", build_then_cut)
    with pytest.raises(TransientError):
        scheduler.tick(first)
    monkeypatch.undo()
    with transaction(second.sessions) as s:
        assert jobs.runs(s, "digest") == []
    scheduler.tick(second)
    scheduler.tick(first)
    weekly = Counter((r.kind, tuple(r.recipients)) for r in outbox(second, "weekly_digest"))
    assert weekly and set(weekly.values()) == {1}, weekly
