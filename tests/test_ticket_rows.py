"""A new ticket is one INSERT … RETURNING, not an ORM flush (issue #18): the session
must still forget the tickets a rolled-back savepoint or transaction took with it, as
it forgets what a flush inserted, or the next ticket (which may get the same id)
could not join the identity map."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from gateway.tickets import changes
from store.db import transaction
from store.models import Ticket


def _open(session: Session, now: datetime, subject: str) -> Ticket:
    return changes.open_ticket(
        session,
        subject=subject,
        requester="someone@example.test",
        requester_name="",
        locale="en",
        participants=[("someone@example.test", "requester")],
        now=now,
        actor="someone@example.test",
        channel="email",
    )


class Boom(Exception):
    pass


def test_a_rolled_back_savepoint_takes_its_new_tickets_with_it(app: App, clock: FakeClock) -> None:
    now = clock.now()
    with transaction(app.sessions) as s:
        kept = _open(s, now, "kept")
        try:
            with s.begin_nested(), s.begin_nested():  # released inside, rolled back outside
                gone = _open(s, now, "rolled back")
                raise Boom
        except Boom:
            pass
        assert gone not in s and kept in s
        after = _open(s, now, "after")  # may be given the rolled-back ticket's id
        after.catalog = "it"  # an ordinary persistent object: changes are flushed
        assert kept.priority == "normal" and kept.state == "new"  # defaults as stored
    with transaction(app.sessions) as s:
        rows = s.execute(select(Ticket.subject, Ticket.catalog).order_by(Ticket.id)).all()
    assert [tuple(r) for r in rows] == [("kept", None), ("after", "it")]


def test_a_rolled_back_transaction_leaves_a_reused_session_clean(
    app: App, clock: FakeClock
) -> None:
    now = clock.now()
    with app.sessions() as s:
        try:
            with s.begin():
                gone = _open(s, now, "rolled back")
                raise Boom
        except Boom:
            pass
        assert gone not in s
        with s.begin():
            _open(s, now, "next")
        with s.begin():
            assert s.scalars(select(Ticket.subject)).all() == ["next"]
