"""``store.outbox.withdraw`` takes back a ticket's unsent mails of one kind in one
statement (an ``UPDATE … RETURNING``), on SQLite and PostgreSQL: it read the ids, then
updated them, two round trips where one does, and on PostgreSQL a mail another
instance's sender marked sent between the two was still named as taken back (its
stored copy then dropped). Which rows it takes, what it leaves, and the ids it gives
(ascending) are as they were."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from gateway.runtime.app import App
from store import outbox
from store.db import transaction
from store.models import OutboxRow
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.statements import statements

KIND = "status"


def _ticket(app: App, n: int) -> int:
    out = deliver(app, mail(subject=f"printer {n}", message_id=f"<w-{n}@customer.test>"))
    assert out.ticket_id is not None
    return out.ticket_id


def _queue(app: App, ticket_id: int, kind: str, n: int) -> int:
    new = outbox.NewMail(
        key=f"t:{ticket_id}:{kind}:{n}",
        kind=kind,
        message_id=f"m-{ticket_id}-{kind}-{n}@example.test",
        envelope_from="support@example.test",
        recipients=("alice@customer.test",),
        raw=f"mail {n} of {kind}".encode(),
        ticket_id=ticket_id,
    )
    with transaction(app.sessions) as s:
        found = outbox.enqueue(s, new, app.clock.now())
    assert found is not None
    return found


def _rows(app: App) -> dict[int, tuple[str, bytes, bool]]:
    """Each row: (state, raw, whether its bytes were dropped)."""
    with transaction(app.sessions) as s:
        found = s.execute(
            select(OutboxRow.id, OutboxRow.state, OutboxRow.raw, OutboxRow.raw_dropped_at)
        )
        return {i: (state, bytes(raw), dropped is not None) for i, state, raw, dropped in found}


def test_the_unsent_mails_of_the_kind_go_in_one_statement_and_nothing_else_does(app: App) -> None:
    one, two = _ticket(app, 1), _ticket(app, 2)
    # interleaved: the ids taken back are not one run, and their order is asked for
    mine = []
    for n in range(4):
        mine.append(_queue(app, one, KIND, n))
        _queue(app, two, KIND, n)  # another ticket's
        _queue(app, one, "reminder", n)  # another kind
    sent, failed = mine.pop(1), mine.pop(2)
    with transaction(app.sessions) as s:
        outbox.mark_sent(s, sent, app.clock.now())
        outbox.mark_failed(s, failed, "refused", app.clock.now())
    before = _rows(app)
    app.clock.advance(timedelta(minutes=3))
    with statements(app.engine, "outbox") as seen, transaction(app.sessions) as s:
        taken = outbox.withdraw(s, one, KIND, app.clock.now())
    assert taken == sorted(mine) and len(taken) == 2
    assert len(seen) == 1 and seen[0].lstrip().upper().startswith("UPDATE")
    after = _rows(app)
    for i, row in after.items():
        assert row == (("withdrawn", b"", True) if i in taken else before[i]), i


def test_withdrawing_again_takes_nothing_and_asks_once(app: App) -> None:
    one = _ticket(app, 1)
    queued = [_queue(app, one, KIND, n) for n in range(3)]
    with transaction(app.sessions) as s:
        assert outbox.withdraw(s, one, KIND, app.clock.now()) == queued
    with statements(app.engine, "outbox") as seen, transaction(app.sessions) as s:
        assert outbox.withdraw(s, one, KIND, app.clock.now()) == []
        assert outbox.withdraw(s, one, "no such kind", app.clock.now()) == []
    assert len(seen) == 2
