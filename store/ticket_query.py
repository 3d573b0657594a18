"""Ticket reads for the pages: the CLI's filters plus full-text search, the board's
rows, and where an attachment's bytes are.

Summaries are :func:`store.tickets.summary`, the shape of ``tickets list --json``,
so a page and a script see the same values. Nothing here commits.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from store import search
from store.models import AttachmentRow, InboxRow, Message, Ticket, TicketField
from store.tickets import summary


@dataclass(frozen=True, slots=True)
class TicketQuery:
    state: str | None = None  # new | open | pending | closed | "active" (not closed)
    assignee: str | None = None  # an address; "" for nobody
    requester: str | None = None
    catalog: str | None = None
    search: str = ""
    limit: int = 50
    offset: int = 0


def find(session: Session, q: TicketQuery) -> tuple[list[dict[str, Any]], int]:
    """One page of matching tickets, newest first, and how many match in all."""
    stmt: Select[Any] = select(Ticket)
    if q.state == "active":
        stmt = stmt.where(Ticket.state != "closed")
    elif q.state:
        stmt = stmt.where(Ticket.state == q.state)
    if q.assignee == "":
        stmt = stmt.where(Ticket.assignee.is_(None))
    elif q.assignee:
        stmt = stmt.where(Ticket.assignee == q.assignee.lower())
    if q.requester:
        stmt = stmt.where(Ticket.requester == q.requester.strip().lower())
    if q.catalog:
        stmt = stmt.where(Ticket.catalog == q.catalog)
    if q.search.strip():
        ids = search.matching_tickets(session, q.search)
        if not ids:
            return [], 0
        stmt = stmt.where(Ticket.id.in_(ids))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = list(session.scalars(stmt.order_by(Ticket.id.desc()).limit(q.limit).offset(q.offset)))
    counts = _message_counts(session, [t.id for t in page])
    return [summary(t, counts.get(t.id, 0)) for t in page], total


def _message_counts(session: Session, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    stmt = (
        select(Message.ticket_id, func.count(Message.id))
        .where(Message.ticket_id.in_(ids))
        .group_by(Message.ticket_id)
    )
    return {tid: n for tid, n in session.execute(stmt)}


@dataclass(frozen=True, slots=True)
class BoardRow:
    id: int
    subject: str
    state: str
    catalog: str | None
    assignee: str | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    first_response_at: datetime | None
    due_at: datetime | None


def board_rows(session: Session, closed_since: datetime) -> list[BoardRow]:
    """Every ticket not closed, and those closed since ``closed_since``, oldest first."""
    stmt = (
        select(
            Ticket.id,
            Ticket.subject,
            Ticket.state,
            Ticket.catalog,
            Ticket.assignee,
            Ticket.created_at,
            Ticket.updated_at,
            Ticket.closed_at,
            Ticket.first_response_at,
            Ticket.due_at,
        )
        .where(or_(Ticket.state != "closed", Ticket.closed_at >= closed_since))
        .order_by(Ticket.created_at, Ticket.id)
    )
    return [BoardRow(**dict(r._mapping)) for r in session.execute(stmt)]


def field_names(session: Session, ticket_ids: list[int]) -> dict[int, set[str]]:
    """The sheet fields each ticket has a value for (for the fields-missing badge)."""
    out: dict[int, set[str]] = defaultdict(set)
    for chunk in range(0, len(ticket_ids), 5000):
        ids = ticket_ids[chunk : chunk + 5000]
        stmt = select(TicketField.ticket_id, TicketField.name).where(TicketField.ticket_id.in_(ids))
        for tid, name in session.execute(stmt):
            out[tid].add(name)
    return out


@dataclass(frozen=True, slots=True)
class StoredAttachment:
    filename: str  # one safe path component
    original_filename: str
    content_type: str
    size: int
    sha256: str
    source: str  # the inbox row's source: smtp, imap, web, …
    raw: bytes  # the inbox row's bytes, where the attachment is


def attachment(session: Session, ticket_id: int, attachment_id: int) -> StoredAttachment | None:
    """An attachment of an incoming message on ``ticket_id``, with its raw message."""
    stmt = (
        select(AttachmentRow, InboxRow.source, InboxRow.raw)
        .join(Message, Message.id == AttachmentRow.message_id)
        .join(InboxRow, InboxRow.id == Message.inbox_id)
        .where(AttachmentRow.id == attachment_id, Message.ticket_id == ticket_id)
    )
    found = session.execute(stmt).first()
    if found is None:
        return None
    row, source, raw = found
    return StoredAttachment(
        row.filename, row.original_filename, row.content_type, row.size, row.sha256, source, raw
    )


def attachment_ids(session: Session, ticket_id: int) -> dict[tuple[int, int], int]:
    """(message row id, position within the message) → attachment row id."""
    stmt = (
        select(AttachmentRow.id, AttachmentRow.message_id)
        .join(Message, Message.id == AttachmentRow.message_id)
        .where(Message.ticket_id == ticket_id)
        .order_by(AttachmentRow.id)
    )
    out: dict[tuple[int, int], int] = {}
    seen: dict[int, int] = defaultdict(int)
    for aid, mid in session.execute(stmt):
        out[(mid, seen[mid])] = aid
        seen[mid] += 1
    return out
