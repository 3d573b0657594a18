"""``store.tickets.attached``: a stored row made a ticket object as the ORM's loader
makes one (issue #18), so it must behave exactly as a loaded ticket does."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm.attributes import get_history

from gateway.runtime.app import App
from gateway.tickets import changes
from store.db import transaction
from store.models import Ticket
from store.tickets import attached, get

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def test_an_attached_ticket_is_a_loaded_row(app: App) -> None:
    sessions = app.sessions
    with transaction(sessions) as s:
        tid = changes.open_ticket(
            s,
            subject="Printer broken",
            requester="alice@example.test",
            requester_name="",
            locale="en",
            participants=[("alice@example.test", "requester")],
            now=NOW,
            actor="alice@example.test",
            channel="email",
        ).id
    with transaction(sessions) as s:
        values = s.execute(select(*Ticket.__table__.c).where(Ticket.id == tid)).one()._asdict()
    with transaction(sessions) as s:
        ticket = attached(s, dict(values))
        assert get(s, tid) is ticket  # in the identity map, as a loaded row is
        assert not s.new and not s.dirty  # nothing to write
        assert ticket.subject == "Printer broken" and ticket.requester == "alice@example.test"
        assert ticket.messages == []  # a relationship loads when asked
        ticket.subject = "Printer broken again"
        assert s.dirty and get_history(ticket, "subject").deleted == ["Printer broken"]
    with transaction(sessions) as s:
        assert s.get(Ticket, tid).subject == "Printer broken again"  # the change was written


def test_attached_before_any_ticket_was_made(tmp_path: Path) -> None:
    """In a process that has made no ``Ticket()`` yet (the mappers not configured), the
    first ticket read is one made by :func:`attached`: it configures them as
    ``Ticket()`` would."""
    script = f"""
from datetime import UTC, datetime
from sqlalchemy import select
from store import migrate
from store.db import make_engine, session_factory, transaction
from store.models import Ticket
from store.tickets import get
engine = make_engine("sqlite:///{tmp_path}/t.db")
migrate.ensure_current(engine, datetime(2026, 3, 2, tzinfo=UTC))
with engine.begin() as conn:
    conn.execute(Ticket.__table__.insert().values(
        id=1, subject="s", requester="a@example.test", state="new", locale="en",
        created_at=datetime(2026, 3, 2, tzinfo=UTC), updated_at=datetime(2026, 3, 2, tzinfo=UTC)))
with transaction(session_factory(engine)) as s:
    print(get(s, 1).subject)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "s"
