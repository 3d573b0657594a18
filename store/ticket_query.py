"""Ticket reads for the pages: the CLI's filters plus full-text search, the board's
rows, and where an attachment's bytes are.

Summaries are :func:`store.tickets.summary`, the shape of ``tickets list --json``,
so a page and a script see the same values. Nothing here commits.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any

from sqlalchemy import Select, String, and_, func, select, type_coerce, union_all
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import coercions, operators, roles
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql.util import ClauseAdapter

from gateway.core.domains import ascii_address
from store import holders, search
from store.in_lists import CHUNK, chunks
from store.models import (
    AttachmentRow,
    InboxRaw,
    InboxRow,
    Message,
    OutboxRow,
    Ticket,
    TicketEvent,
    TicketField,
)
from store.reminders import priority_rank
from store.stats import COUNTED
from store.tickets import message_counts, summary


@dataclass(frozen=True, slots=True)
class TicketQuery:
    state: str | None = None  # new | open | pending | closed | "active" (not closed)
    assignee: str | None = None  # an address; "" for nobody (on ``team``: store.holders)
    requester: str | None = None
    catalog: str | None = None  # an entry's id; "" for the tickets of no entry
    priority: str | None = None  # low | normal | high | urgent (#19)
    search: str = ""
    closed_since: datetime | None = None  # only tickets closed at or after this time
    # only the requests opened at or after this time: a duplicate merged into another
    # ticket is that ticket's request (store.stats.COUNTED), as the board's 30/90 days
    opened_since: datetime | None = None
    limit: int | None = 50  # None: every match (``tickets list``)
    offset: int = 0
    # only these tickets: what a rule in Python decides (stale, SLA breached: the board's
    # panels link to them); None: no such limit
    only: tuple[int, ...] | None = None
    order: str = "newest"  # a key of ORDERS: the page's choice; the CLI lists by number
    # the members' addresses (Settings.team): a ticket whose assignee is none of them
    # (one who left) is nobody's for assignee ""; empty: no [[members]], only NULL is
    team: tuple[str, ...] = ()


ACTIVE = ("new", "open", "pending")  # the filter "active": every state but closed

# the list's orders, each whole (the id breaks a tie): a page never repeats a ticket
# of the one before it, nor skips one
ORDERS: dict[str, tuple[Any, ...]] = {
    "newest": (Ticket.id.desc(),),  # the latest requests first: the page's default
    "oldest": (Ticket.id,),  # by number, the longest waiting first: the CLI's order
    "idle": (Ticket.updated_at, Ticket.id),  # untouched the longest first: work that stalls
}


def find(session: Session, q: TicketQuery) -> tuple[list[dict[str, Any]], int]:
    """One page of matching tickets in the order asked (:data:`ORDERS`), and how many
    match in all."""
    stmt: Select[Any] = select(Ticket)  # every filter but the state's, added below
    states = ACTIVE if q.state == "active" else (q.state,) if q.state else ()
    if q.assignee == "":
        stmt = stmt.where(holders.nobody_has(q.team))
    elif q.assignee:
        stmt = stmt.where(Ticket.assignee == ascii_address(q.assignee.strip()))
    if q.requester:  # as kept: the domain's A-label (例え.jp is xn--r8jz45g.jp)
        stmt = stmt.where(Ticket.requester == ascii_address(q.requester.strip()))
    if q.catalog == "":  # the board's "(not filed)" lane
        stmt = stmt.where(Ticket.catalog.is_(None))
    elif q.catalog:
        stmt = stmt.where(Ticket.catalog == q.catalog)
    if q.priority:
        stmt = stmt.where(Ticket.priority == q.priority)
    if q.closed_since is not None:  # the board's closed column: the last days' closes
        stmt = stmt.where(Ticket.closed_at >= q.closed_since)
    if q.opened_since is not None:  # the board's catalog panel: the last 30 or 90 days
        stmt = stmt.where(Ticket.created_at >= q.opened_since, COUNTED)
    # a list longer than one statement binds (every stale ticket of a big store) is read
    # a chunk at a time, sorted and cut here (:func:`_chosen`)
    long_list = q.only is not None and len(q.only) > CHUNK
    if q.only is not None:
        if not q.only:
            return [], 0
        if not long_list:
            stmt = stmt.where(Ticket.id.in_(q.only))
    if q.search.strip():
        ids = search.matching_tickets(session, q.search)
        if not ids:
            return [], 0
        stmt = stmt.where(Ticket.id.in_(ids))
    order = ORDERS.get(q.order, ORDERS["newest"])
    matching = stmt.where(Ticket.state.in_(states)) if states else stmt
    if long_list:
        page, total = _chosen(session, matching, q.only or (), order, q.limit, q.offset)
    elif q.limit is None and not q.offset:  # all of them: the count is the list's length
        page = list(session.scalars(matching.order_by(*order)))
        total = len(page)
    else:
        total = session.scalar(select(func.count()).select_from(matching.subquery())) or 0
        # a list of ids (a mark, a search) bounds the read already, and goes once
        if len(states) > 1 and q.only is None and not q.search.strip():
            page = _page_of_states(session, stmt, states, order, q.limit, q.offset)
        else:
            page = list(session.scalars(matching.order_by(*order).limit(q.limit).offset(q.offset)))
    counts = message_counts(session, [t.id for t in page])
    return [summary(t, *counts.get(t.id, (0, 0))) for t in page], total


def _chosen(
    session: Session,
    matching: Select[Any],
    only: tuple[int, ...],
    order: tuple[Any, ...],
    limit: int | None,
    offset: int,
) -> tuple[list[Ticket], int]:
    """The page of ``only``'s tickets that match, and how many match: read a chunk of
    the list at a time (no more rows than the list names, which a rule in Python read
    already), then sorted here as ``order`` sorts them in SQL, and cut."""
    found: list[Ticket] = []
    for chunk in chunks(sorted(set(only))):
        found += session.scalars(matching.where(Ticket.id.in_(chunk)))
    for key in reversed(order):  # the last key first: a stable sort keeps its ties' order
        descending = isinstance(key, UnaryExpression) and key.modifier is operators.desc_op
        column = key.element if descending else key
        found.sort(key=attrgetter(column.key), reverse=descending)
    return found[offset : None if limit is None else offset + limit], len(found)


def _page_of_states(
    session: Session,
    stmt: Select[Any],
    states: tuple[str, ...],
    order: tuple[Any, ...],
    limit: int | None,
    offset: int,
) -> list[Ticket]:
    """A page of the tickets in any of ``states``: each state's first ``limit + offset``
    read in order from its own part of an index (ix_tickets_state_idle, _state_id), then
    merged. Asked as one ``state IN (…)``, a database may walk the whole order instead
    (``ix_tickets_idle``, the primary key) and drop every closed ticket before the first
    open one: with years of history, each page read all of it."""
    reach = None if limit is None else limit + offset
    arms = [
        select(stmt.where(Ticket.state == state).order_by(*order).limit(reach).subquery())
        for state in states
    ]
    merged = union_all(*arms).subquery()
    row = aliased(Ticket, merged, adapt_on_names=True)
    adapt = ClauseAdapter(merged).traverse  # the order's columns, as the merged rows name them
    again = [adapt(coercions.expect(roles.OrderByRole, o)) for o in order]
    picked = select(row).order_by(*again).limit(limit).offset(offset)
    return list(session.scalars(picked))


def data_version(session: Session) -> tuple[int, int]:
    """Changes whenever a ticket does: every change writes an event (the tickets
    service), every mail is a message. Two primary-key maxima: no table scan."""
    events = session.scalar(select(func.max(TicketEvent.id))) or 0
    messages = session.scalar(select(func.max(Message.id))) or 0
    return events, messages


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
    priority: str = "normal"  # low | normal | high | urgent: cards are sorted urgent first


_TIMES = ("created_at", "updated_at", "closed_at", "first_response_at", "due_at")


@dataclass(frozen=True, slots=True)
class BoardCells:
    """What the board shows: per (entry, column) the count and the first cards."""

    counts: dict[tuple[str | None, str], int]  # (catalog, state) → tickets
    cards: list[BoardRow]  # per cell the oldest open ones, or the latest closed ones


def board_cells(session: Session, closed_since: datetime, per_cell: int) -> BoardCells:
    """Counts per (entry, state) of the tickets not closed and of those closed since
    ``closed_since``, and per cell only the ``per_cell`` cards it shows (a window
    function picks them in the database): a board of thousands of open tickets
    reads a few hundred rows."""
    open_ = Ticket.state.in_(ACTIVE)  # IN: the state indexes serve it
    recently_closed = and_(Ticket.state == "closed", Ticket.closed_at >= closed_since)
    counts: dict[tuple[str | None, str], int] = {}
    for where in (open_, recently_closed):
        grouped = select(Ticket.catalog, Ticket.state, func.count(Ticket.id)).where(where)
        for catalog, state, n in session.execute(grouped.group_by(Ticket.catalog, Ticket.state)):
            counts[(catalog, state)] = n
    raw = session.get_bind().dialect.name == "sqlite"
    times = [
        type_coerce(getattr(Ticket, name), String).label(name) if raw else getattr(Ticket, name)
        for name in _TIMES
    ]
    cards: list[BoardRow] = []
    for where, order in (
        # urgent first, then the oldest: what matters most, what waits longest
        (open_, (priority_rank(), Ticket.created_at, Ticket.id)),
        (recently_closed, (Ticket.closed_at.desc(), Ticket.id.desc())),  # the latest first
    ):
        rank = func.row_number().over(partition_by=(Ticket.catalog, Ticket.state), order_by=order)
        inner = (
            select(
                Ticket.id,
                Ticket.subject,
                Ticket.state,
                Ticket.catalog,
                Ticket.assignee,
                Ticket.priority,
                *times,
                rank.label("rank"),
            )
            .where(where)
            .subquery()
        )
        picked = select(*(c for c in inner.c if c.name != "rank")).where(inner.c.rank <= per_cell)
        for r in session.execute(picked.order_by(inner.c.rank)):
            values = dict(r._mapping)
            if raw:
                for name in _TIMES:
                    values[name] = _utc(values[name])
            cards.append(BoardRow(**values))
    return BoardCells(counts, cards)


def _utc(text: str | None) -> datetime | None:
    """SQLite's stored text (naive UTC, see store.models.UTCDateTime) as an aware time."""
    return None if text is None else datetime.fromisoformat(text).replace(tzinfo=UTC)


def field_names(session: Session, ticket_ids: list[int]) -> dict[int, set[str]]:
    """The sheet fields each ticket has a value for (for the fields-missing badge)."""
    out: dict[int, set[str]] = defaultdict(set)
    for ids in chunks(ticket_ids):
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
    source: str  # the inbox row's source: smtp, imap, web, … (outbox: our own mail)
    raw: bytes  # the raw mail (or submission) the attachment is in


def attachment(session: Session, ticket_id: int, attachment_id: int) -> StoredAttachment | None:
    """An attachment of a message on ``ticket_id`` (a download from the ticket page),
    with the raw mail it is in: as :func:`numbered_attachment` finds it, so a file of
    our answer (a member's file relayed to the requester) is found as well."""
    stmt = (
        select(AttachmentRow, Message.inbox_id, Message.outbox_id)
        .join(Message, Message.id == AttachmentRow.message_id)
        .where(AttachmentRow.id == attachment_id, Message.ticket_id == ticket_id)
    )
    found = session.execute(stmt).first()
    return None if found is None else _stored(session, ticket_id, *found)


def numbered_attachment(session: Session, ticket_id: int, number: int) -> StoredAttachment | None:
    """The ``number``-th (1-based) attachment of ``ticket_id`` in the order ``tickets
    show`` lists them (message by message, oldest first), with the raw mail it is in."""
    if number < 1:
        return None
    stmt = (
        select(AttachmentRow, Message.inbox_id, Message.outbox_id)
        .join(Message, Message.id == AttachmentRow.message_id)
        .where(Message.ticket_id == ticket_id)
        .order_by(Message.id, AttachmentRow.id)
        .offset(number - 1)
        .limit(1)
    )
    found = session.execute(stmt).first()
    return None if found is None else _stored(session, ticket_id, *found)


def earlier_attachments(session: Session, ticket_id: int, number: int) -> list[tuple[str, str]]:
    """(stored name, content type) of the attachments of ``ticket_id`` that ``tickets
    show`` numbers before ``number``, in that order (a file of the same name among
    them is saved under another: :mod:`gateway.runtime.cli.ticket_files`)."""
    stmt = (
        select(AttachmentRow.filename, AttachmentRow.content_type)
        .join(Message, Message.id == AttachmentRow.message_id)
        .where(Message.ticket_id == ticket_id)
        .order_by(Message.id, AttachmentRow.id)
        .limit(max(number - 1, 0))
    )
    return [(str(name), str(ctype)) for name, ctype in session.execute(stmt)]


def _stored(
    session: Session,
    ticket_id: int,
    row: AttachmentRow,
    inbox_id: int | None,
    outbox_id: int | None,
) -> StoredAttachment:
    """``row`` with the raw mail it is in: the inbox's bytes for mail that came in, the
    outbox's for ours (source ``outbox``)."""
    outbox_row = session.get(OutboxRow, outbox_id) if outbox_id is not None else None
    if outbox_row is not None and outbox_row.raw_dropped_at is not None:
        # our mail's bytes were dropped after it was sent: the file is the one the member
        # attached to their answer, kept in their mail on this ticket under its SHA-256
        inbox_id = _incoming_with(session, ticket_id, row.sha256)
    if inbox_id is not None:
        inbox_row, stored = session.get(InboxRow, inbox_id), session.get(InboxRaw, inbox_id)
        source = inbox_row.source if inbox_row else ""
        raw = stored.raw if stored else b""
    else:
        source, raw = "outbox", outbox_row.raw if outbox_row else b""
    return StoredAttachment(
        row.filename, row.original_filename, row.content_type, row.size, row.sha256, source, raw
    )


def _incoming_with(session: Session, ticket_id: int, sha256: str) -> int | None:
    """The inbox row of a mail on ``ticket_id`` that holds a file with this SHA-256."""
    stmt = (
        select(Message.inbox_id)
        .join(AttachmentRow, AttachmentRow.message_id == Message.id)
        .where(
            Message.ticket_id == ticket_id,
            Message.inbox_id.is_not(None),
            AttachmentRow.sha256 == sha256,
        )
        .order_by(Message.id)
        .limit(1)
    )
    found: int | None = session.scalar(stmt)
    return found


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
