"""The deletes of a person's erasure (``requesters forget``), one function per table.

Each takes the ids the service chose (:mod:`gateway.tickets.erasure`), deletes or
changes those rows only, in the caller's transaction (never a commit here), and says
how many it touched. The order the service calls them in follows the foreign keys:
what points at a row goes before it. The search indexes follow the messages and
attachments by themselves (SQLite's triggers, PostgreSQL's expression indexes).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, delete, text, update
from sqlalchemy.orm import Session

from store.in_lists import chunks
from store.models import (
    ActionRun,
    AttachmentRow,
    ChatOutboxRow,
    ChatThread,
    Erasure,
    InboxRaw,
    InboxRow,
    JobRun,
    Message,
    OutboxRow,
    Participant,
    RateCounter,
    Ticket,
    TicketEvent,
    TicketField,
    table_of,
)


def scrub_freed(session: Session) -> None:
    """On SQLite, the pages the deletes free are overwritten with zeros, not left in the
    file as they were until reused (its ``secure_delete``; some builds default to it,
    others not). PostgreSQL's dead rows are its VACUUM's, as the README says."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA secure_delete = ON"))


def _delete(session: Session, table: Table, column: str, ids: Sequence[Any]) -> int:
    n = 0
    for chunk in chunks(ids):
        done = session.execute(delete(table).where(table.c[column].in_(chunk)))
        n += int(getattr(done, "rowcount", 0) or 0)
    return n


def attachments(session: Session, message_ids: Sequence[int]) -> int:
    return _delete(session, table_of(AttachmentRow), "message_id", message_ids)


def messages(session: Session, ids: Sequence[int]) -> int:
    return _delete(session, table_of(Message), "id", ids)


def unlink_outbox(session: Session, outbox_ids: Sequence[int]) -> None:
    """Messages that stay no longer point at outbox rows that go (their bytes)."""
    table = table_of(Message)
    for chunk in chunks(outbox_ids):
        session.execute(update(table).where(table.c.outbox_id.in_(chunk)).values(outbox_id=None))


def inbox(session: Session, ids: Sequence[int]) -> int:
    """The rows and their bytes (the bytes first: SQLite keeps foreign keys unenforced)."""
    _delete(session, table_of(InboxRaw), "inbox_id", ids)
    return _delete(session, table_of(InboxRow), "id", ids)


def unfile_inbox(session: Session, ticket_ids: Sequence[int]) -> None:
    """A row that stays (a message of another ticket was read from it) no longer names a
    ticket that goes."""
    table = table_of(InboxRow)
    for chunk in chunks(ticket_ids):
        stmt = update(table).where(table.c.ticket_id.in_(chunk)).values(ticket_id=None)
        session.execute(stmt)


def outbox(session: Session, ids: Sequence[int]) -> int:
    return _delete(session, table_of(OutboxRow), "id", ids)


def outbox_without(session: Session, outbox_id: int, recipients: list[Any], now: datetime) -> None:
    """A mail to others too: it no longer goes to the person, and a sent one's bytes
    (which name them) are dropped, as ``[outbound] keep_sent`` drops them."""
    table = table_of(OutboxRow)
    first = str(recipients[0]) if recipients else ""
    row = session.get(OutboxRow, outbox_id)
    values: dict[str, Any] = {"recipients": recipients, "recipient": first}
    if row is not None and row.state == "sent":
        values.update(raw=b"", raw_dropped_at=now)
    session.execute(update(table).where(table.c.id == outbox_id).values(**values))


def sent_bytes(session: Session, outbox_ids: Sequence[int], now: datetime) -> int:
    """Sent mails that stay (to others, about others too) keep no bytes: dropped, as
    ``[outbound] keep_sent`` drops them; how many (one whose bytes went meanwhile, by
    ``keep_sent``, is not counted again)."""
    table = table_of(OutboxRow)
    n = 0
    for chunk in chunks(sorted(outbox_ids)):
        stmt = (
            update(table)
            .where(table.c.id.in_(chunk), table.c.raw_dropped_at.is_(None))
            .values(raw=b"", raw_dropped_at=now)
        )
        n += int(getattr(session.execute(stmt), "rowcount", 0) or 0)
    return n


def chat(session: Session, ticket_ids: Sequence[int]) -> int:
    """The tickets' chat links (the Slack thread and card) and what chat would say."""
    n = _delete(session, table_of(ChatOutboxRow), "ticket_id", ticket_ids)
    return n + _delete(session, table_of(ChatThread), "ticket_id", ticket_ids)


def action_runs(session: Session, ticket_ids: Sequence[int]) -> int:
    return _delete(session, table_of(ActionRun), "ticket_id", ticket_ids)


def untrigger(session: Session, ticket_ids: Sequence[int], address: str) -> None:
    """Action runs of tickets that stay no longer say that the person set them off."""
    table = table_of(ActionRun)
    for chunk in chunks(ticket_ids):
        stmt = update(table).where(table.c.ticket_id.in_(chunk), table.c.triggered_by == address)
        session.execute(stmt.values(triggered_by=""))


def job_runs(session: Session, ticket_ids: Sequence[int]) -> int:
    return _delete(session, table_of(JobRun), "ticket_id", ticket_ids)


def events(session: Session, ticket_ids: Sequence[int]) -> int:
    return _delete(session, table_of(TicketEvent), "ticket_id", ticket_ids)


def events_by_id(session: Session, ids: Sequence[int]) -> int:
    return _delete(session, table_of(TicketEvent), "id", ids)


def events_rewritten(
    session: Session, events: Sequence[tuple[int, str | None, str | None, dict[str, Any]]]
) -> int:
    """``(id, old, new, detail)``: others' history entries, rewritten without the person."""
    table = table_of(TicketEvent)
    for eid, old, new, detail in events:
        stmt = update(table).where(table.c.id == eid).values(old=old, new=new, detail=detail)
        session.execute(stmt)
    return len(events)


def fields(session: Session, ticket_ids: Sequence[int]) -> int:
    return _delete(session, table_of(TicketField), "ticket_id", ticket_ids)


def participants(session: Session, ticket_ids: Sequence[int]) -> int:
    return _delete(session, table_of(Participant), "ticket_id", ticket_ids)


def participant(session: Session, ticket_ids: Sequence[int], address: str) -> int:
    """The person taken off tickets that stay."""
    table = table_of(Participant)
    n = 0
    for chunk in chunks(ticket_ids):
        where: ColumnElement[bool] = table.c.ticket_id.in_(chunk)
        done = session.execute(delete(table).where(where, table.c.email == address))
        n += int(getattr(done, "rowcount", 0) or 0)
    return n


def tickets(session: Session, ids: Sequence[int]) -> int:
    """The tickets, after whatever pointed at them: another ticket linked to one, or
    merged into one, keeps its own rows and loses only the pointer."""
    table = table_of(Ticket)
    for column in ("linked_ticket_id", "merged_into_id"):
        for chunk in chunks(ids):
            stmt = update(table).where(table.c[column].in_(chunk)).values({column: None})
            session.execute(stmt)
    return _delete(session, table, "id", ids)


def rate_counters(session: Session, keys: Sequence[str]) -> int:
    """Counters keyed by the address (the web form's per-address limit)."""
    return _delete(session, table_of(RateCounter), "key", keys)


def record(session: Session, at: datetime, actor: str, subject: str, counts: dict[str, int]) -> int:
    """The audit row; its id."""
    row = Erasure(at=at, actor=actor, subject=subject, counts=counts)
    session.add(row)
    session.flush()
    return row.id
