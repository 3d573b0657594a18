"""The tickets of one catalog entry, with what ``catalog refile`` decides from.

Splitting the fallback ("other") into real entries is how a team grows its
catalog (``stats`` shows the words its tickets share); the tickets already in
the fallback are then filed again by the same matching a new request gets. For
that each ticket needs its request as the requester wrote it (the ``request``
message's subject and new text, never the quoted history), how it was filed last
(the newest ``category`` event's detail: by keywords, chosen in a form or chat,
or set by hand) and whether a person has changed its assignee since.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.core.model import TicketState
from store.in_lists import chunks
from store.models import InboxRow, Message, Ticket, TicketEvent


@dataclass(frozen=True, slots=True)
class Filed:
    ticket_id: int
    state: str
    assignee: str | None
    requester: str
    subject: str  # of the request, as stored
    new_text: str  # the request's own words (no quote, no signature)
    filing: dict[str, Any]  # detail of the newest category event ({} when none)
    assigned_by_hand: bool  # the newest assign event was a person's (rule "manual")


def filed_under(session: Session, entry_id: str, *, include_closed: bool = False) -> list[Filed]:
    """Tickets filed under ``entry_id`` (open ones; closed too when asked), oldest first,
    merged duplicates left out (they live on in their target)."""
    stmt = select(Ticket).where(Ticket.catalog == entry_id, Ticket.merged_into_id.is_(None))
    if not include_closed:
        stmt = stmt.where(Ticket.state != TicketState.CLOSED.value)
    found = list(session.scalars(stmt.order_by(Ticket.id)))
    ids = [t.id for t in found]
    requests: dict[int, tuple[str, str]] = {}
    filings: dict[int, dict[str, Any]] = {}
    by_hand: dict[int, bool] = {}
    for chunk in chunks(ids):
        requests.update(_requests(session, chunk))
        for tid, kind, detail in session.execute(
            select(TicketEvent.ticket_id, TicketEvent.kind, TicketEvent.detail)
            .where(TicketEvent.ticket_id.in_(chunk), TicketEvent.kind.in_(("category", "assign")))
            .order_by(TicketEvent.id)  # the newest of each kind wins: written last
        ):
            if kind == "category":
                filings[tid] = dict(detail or {})
            else:
                by_hand[tid] = (detail or {}).get("rule") == "manual"
    return [
        Filed(
            t.id,
            t.state,
            t.assignee,
            t.requester,
            requests.get(t.id, (t.subject, ""))[0],
            requests.get(t.id, ("", ""))[1],
            filings.get(t.id, {}),
            by_hand.get(t.id, False),
        )
        for t in found
    ]


def request_text(session: Session, ticket_id: int) -> str:
    """The request's own words (no quote, no signature), "" when the ticket has none:
    what a member's ``/category`` reads the new entry's sheet from, as refile does."""
    return _requests(session, [ticket_id]).get(ticket_id, ("", ""))[1]


@dataclass(frozen=True, slots=True)
class Arrival:
    """How a ticket's request came in: in bulk (an import) or not, its ``Date``, and
    when it arrived; what :func:`gateway.pipeline.archive.is_archive` decides from."""

    bulk: bool
    date: datetime | None
    received_at: datetime | None


def request_arrival(session: Session, ticket_id: int) -> Arrival | None:
    """How the ticket's first request arrived; None for one without a stored request
    (opened by a member or a door that kept no inbox row)."""
    row = session.execute(
        select(InboxRow.bulk, Message.date, InboxRow.received_at)
        .join(InboxRow, InboxRow.id == Message.inbox_id)
        .where(
            Message.ticket_id == ticket_id,
            Message.direction == "in",
            Message.kind == "request",
        )
        .order_by(Message.id)
        .limit(1)
    ).first()
    return None if row is None else Arrival(bool(row[0]), row[1], row[2])


def request_came(session: Session, ticket_id: int) -> datetime | None:
    """When the ticket's request came: its inbox row's acceptance (what the runner read
    its sheet from: a date without its year counts from that day), else the time its
    message was stored (a door that kept no inbox row); None for a ticket without one."""
    row = session.execute(
        select(InboxRow.received_at, Message.created_at)
        .outerjoin(InboxRow, InboxRow.id == Message.inbox_id)
        .where(
            Message.ticket_id == ticket_id,
            Message.direction == "in",
            Message.kind == "request",
        )
        .order_by(Message.id)
        .limit(1)
    ).first()
    return None if row is None else (row[0] or row[1])


def _requests(session: Session, ids: list[int]) -> dict[int, tuple[str, str]]:
    """(subject, new text) of each ticket's first request message."""
    found: dict[int, tuple[str, str]] = {}
    for tid, subject, new_text in session.execute(
        select(Message.ticket_id, Message.subject, Message.new_text)
        .where(
            Message.ticket_id.in_(ids),
            Message.direction == "in",
            Message.kind == "request",
        )
        .order_by(Message.id.desc())  # the first request wins: written last below
    ):
        found[tid] = (subject or "", new_text or "")
    return found
