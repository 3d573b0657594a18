"""The ingest path's cheaper writes store exactly what SQLAlchemy would (issue #18).

:mod:`store.fast_insert` runs INSERTs on the driver with the columns' own bind
processors, and :func:`store.ticket_rows.set_columns` changes a ticket with one
UPDATE instead of an ORM flush. Both are checked against the slow path on each
database: the same stored values (time zones, JSON), the same errors, and an ORM
object that agrees with its row.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, event, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.core.errors import TransientError
from gateway.runtime.app import App
from store import chat, outbox, ticket_rows
from store.db import transaction
from store.fast_insert import FastInsert
from store.messages import NewAttachment, NewMessage, add_message
from store.models import (
    AttachmentRow,
    ChatOutboxRow,
    Message,
    OutboxRow,
    Ticket,
    TicketEvent,
    table_of,
)
from tests.support.rows import stored_ticket

TOKYO = timezone(timedelta(hours=9))
EVENTS = table_of(TicketEvent)
FAST_EVENT = FastInsert(
    EVENTS, ["ticket_id", "at", "actor", "channel", "kind", "old", "new", "detail"]
)


def _ticket(session: Session, subject: str = "VPN down") -> Ticket:
    return stored_ticket(session, subject, "en", datetime(2026, 3, 2, 10, 0, tzinfo=TOKYO))


def _stored(session: Session, sql: str) -> list[tuple[Any, ...]]:
    """What the database holds, read without our column types."""
    return [tuple(r) for r in session.execute(text(sql))]


def test_an_event_row_is_the_row_core_writes(app: App) -> None:
    at = datetime(2026, 3, 2, 10, 30, 15, 123456, tzinfo=TOKYO)  # not UTC: converted
    with transaction(app.sessions) as s:
        tid = _ticket(s).id
        values = {
            "ticket_id": tid,
            "at": at,
            "actor": "alice@customer.test",
            "channel": "email",
            "kind": "note",
            "old": None,
            "new": "日本語",
            "detail": {"text": "こんにちは", "n": [1, None, True]},
        }
        FAST_EVENT.one(s, values)
        s.execute(EVENTS.insert(), values)
    with transaction(app.sessions) as s:
        typed = s.execute(
            select(TicketEvent.at, TicketEvent.new, TicketEvent.detail).order_by(TicketEvent.id)
        ).all()
        raw = _stored(s, "SELECT at, actor, channel, kind, old, new, detail FROM ticket_events")
    assert typed[0] == typed[1] == (at, "日本語", {"text": "こんにちは", "n": [1, None, True]})
    assert typed[0].at.tzinfo is not None
    assert raw[0] == raw[1]  # byte for byte what Core stores (SQLite: the text of the time)


def test_a_message_gets_its_id_back_and_its_attachments(app: App) -> None:
    now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    with transaction(app.sessions) as s:
        tid = _ticket(s).id
        ids = [
            add_message(
                s,
                NewMessage(
                    ticket_id=tid,
                    direction="in",
                    message_id=f"m{n}@customer.test",
                    kind="request",
                    created_at=now,
                    to=["support@example.test"],
                    defects=["header subject: bad"] if n else [],
                    date=now if n else None,
                    attachments=[NewAttachment("a.txt", "a.txt", "text/plain", n + 3, "ab" * 32)]
                    * n,
                ),
            )
            for n in range(3)
        ]
    with transaction(app.sessions) as s:
        rows = s.execute(
            select(Message.id, Message.to, Message.defects, Message.date).order_by(Message.id)
        ).all()
        sizes = s.execute(
            select(AttachmentRow.message_id, AttachmentRow.size).order_by(AttachmentRow.id)
        ).all()
    assert [r.id for r in rows] == ids and len(set(ids)) == 3
    assert rows[0].to == ["support@example.test"] and rows[0].defects == [] and rows[0].date is None
    assert rows[1].defects == ["header subject: bad"] and rows[1].date == now
    assert [tuple(r) for r in sizes] == [(ids[1], 4), (ids[2], 5), (ids[2], 5)]


def test_driver_errors_come_as_sqlalchemy_raises_them(app: App) -> None:
    now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    message = NewMessage(ticket_id=0, direction="in", message_id="x@y", kind="r", created_at=now)
    with pytest.raises(IntegrityError), transaction(app.sessions) as s:
        add_message(s, message.__class__(**{**_fields(message), "ticket_id": _ticket(s).id}))
        add_message(s, message.__class__(**{**_fields(message), "ticket_id": _ticket(s).id}))
    with transaction(app.sessions) as s:  # the whole transaction was rolled back
        assert s.scalar(select(Message.id)) is None
        assert s.scalar(select(Ticket.id)) is None


def test_an_operational_error_is_transient(app: App) -> None:
    """A failure of the database itself (here: a table it does not have) is an
    OperationalError on SQLite, which the unit of work reports as transient."""
    if not str(app.settings.database.url).startswith("sqlite"):
        pytest.skip("PostgreSQL reports a missing table as a programming error")
    missing = Table(
        "not_there", MetaData(), Column("id", Integer, primary_key=True), Column("v", String)
    )
    with pytest.raises(TransientError), transaction(app.sessions) as s:
        FastInsert(missing, ["v"]).one(s, {"v": "x"})


def test_columns_with_defaults_must_be_named() -> None:
    with pytest.raises(ValueError, match="columns with defaults left out"):
        FastInsert(table_of(Message), ["ticket_id", "direction", "message_id", "created_at"])


@pytest.fixture
def statements(app: App) -> Iterator[list[str]]:
    seen: list[str] = []

    def before(conn: Any, cursor: Any, sql: str, *rest: Any) -> None:
        seen.append(" ".join(sql.split()))

    engine: Engine = app.engine
    event.listen(engine, "before_cursor_execute", before)
    yield seen
    event.remove(engine, "before_cursor_execute", before)


def test_set_columns_writes_at_once_and_leaves_nothing_to_flush(
    app: App, statements: list[str]
) -> None:
    later = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
    with transaction(app.sessions) as s:
        ticket = _ticket(s)
        statements.clear()
        ticket_rows.set_columns(s, ticket, catalog="network", assignee=None, updated_at=later)
        assert [q for q in statements if q.startswith("UPDATE tickets")] != []
        assert ticket.catalog == "network" and ticket.updated_at == later
        assert ticket not in s.dirty  # the object agrees with its row
        statements.clear()
        ticket_rows.set_columns(s, ticket, catalog="network", updated_at=later)
        assert statements == []  # nothing changed: no statement, as the ORM would skip it
        tid = ticket.id
    with transaction(app.sessions) as s:
        row = s.execute(select(Ticket.catalog, Ticket.updated_at).where(Ticket.id == tid)).one()
    assert tuple(row) == ("network", later)


def test_set_columns_on_a_ticket_not_stored_yet(app: App) -> None:
    now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    with transaction(app.sessions) as s:
        ticket = Ticket(
            subject="s",
            requester="a@b.test",
            requester_name="",
            state="new",
            locale="en",
            created_at=now,
            updated_at=now,
        )
        s.add(ticket)
        ticket_rows.set_columns(s, ticket, catalog="printing", priority="high")
    with transaction(app.sessions) as s:
        row = s.execute(select(Ticket.catalog, Ticket.priority)).one()
    assert tuple(row) == ("printing", "high")


def test_set_columns_then_an_orm_change_both_reach_the_row(app: App) -> None:
    with transaction(app.sessions) as s:
        ticket = _ticket(s)
        ticket_rows.set_columns(s, ticket, assignee="ops@example.test")
        ticket.subject = "renamed"  # the ORM's way: flushed at commit
        tid = ticket.id
    with transaction(app.sessions) as s:
        row = s.execute(select(Ticket.assignee, Ticket.subject).where(Ticket.id == tid)).one()
    assert tuple(row) == ("ops@example.test", "renamed")


def _fields(m: NewMessage) -> dict[str, Any]:
    return {f: getattr(m, f) for f in m.__dataclass_fields__}


def _mail(key: str, message_id: str, to: str = "Alice@Customer.test") -> outbox.NewMail:
    return outbox.NewMail(
        key, "ack", message_id, "support@example.test", (to,), b"Subject: x\r\n\r\nx\r\n"
    )


def test_an_outbox_row_is_queued_once_per_key_and_kept_as_the_orm_would(app: App) -> None:
    """enqueue is one INSERT … ON CONFLICT DO NOTHING: the same cause twice queues one
    mail, the transaction goes on (no savepoint, no error), and the row reads back
    through the ORM with every column as given."""
    now = datetime(2026, 3, 2, 10, 0, tzinfo=TOKYO)
    with transaction(app.sessions) as s:
        first = outbox.enqueue(s, _mail("ack:1", "a1@example.test"), now)
        again = outbox.enqueue(s, _mail("ack:1", "a2@example.test"), now)
        other = outbox.enqueue(s, _mail("ack:2", "a3@example.test"), now)
        _ticket(s, "after")  # the transaction goes on
    assert first is not None and other is not None and again is None
    with transaction(app.sessions) as s:
        rows = list(s.scalars(select(OutboxRow).order_by(OutboxRow.id)))
        assert [r.idempotency_key for r in rows] == ["ack:1", "ack:2"]
        row = rows[0]
        assert (row.id, row.recipients, row.recipient, row.state, row.attempts) == (
            first,
            ["Alice@Customer.test"],
            "alice@customer.test",
            "pending",
            0,
        )
        assert row.created_at == now and row.next_attempt_at is None and row.notice is None
        assert s.scalar(select(Ticket.subject).where(Ticket.subject == "after")) == "after"
        assert outbox.count_recent(s, "ALICE@customer.test", {"ack"}, now) == 2
        assert outbox.count_recent(s, "alice@customer.test", {"notice"}, now) == 0
        assert outbox.count_recent(s, "alice@customer.test", {"ack"}, now + timedelta(1)) == 0


def test_a_chat_post_is_queued_once_per_key_as_a_mail_is(app: App) -> None:
    """store.chat.enqueue is the same one INSERT: the same cause twice posts once and
    the transaction goes on."""
    now = datetime(2026, 3, 2, 10, 0, tzinfo=TOKYO)
    card = {"subject": "VPN 接続できません", "state": "new"}  # JSON with Japanese kept as is
    with transaction(app.sessions) as s:
        tid = _ticket(s).id
        first = chat.enqueue(s, chat.NewPost("card:1", "slack", "card", "#ops", card, tid), now)
        again = chat.enqueue(s, chat.NewPost("card:1", "slack", "card", "#ops", {}, tid), now)
        _ticket(s, "after")  # the transaction goes on
    assert first is not None and again is None
    with transaction(app.sessions) as s:
        [row] = s.scalars(select(ChatOutboxRow))
        assert (row.id, row.payload, row.state, row.attempts, row.created_at) == (
            first,
            card,
            "pending",
            0,
            now,
        )
