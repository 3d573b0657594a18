"""Queries behind the scheduler: open tickets, the week's figures, force-closes.

Plain reads for ``gateway/sweeps.py`` and ``gateway/digest.py``; like every
query module, nothing here commits.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import Session

from gateway.core.priority import ORDER
from store.models import Ticket, TicketEvent

INVENTORY_ACTOR = "schedule:inventory"  # the actor on force-close events, counted per member


def open_tickets(session: Session) -> list[Ticket]:
    """Every ticket that is not closed, urgent first and oldest first within a level
    (what digests and sweeps walk: a digest lists, and reminders queue, in this order)."""
    stmt = (
        select(Ticket)
        .where(Ticket.state != "closed")
        .order_by(priority_rank(), Ticket.created_at, Ticket.id)
    )
    return list(session.scalars(stmt))


def priority_rank() -> ColumnElement[int]:
    """A ticket's priority as a sort key in SQL: urgent 0 … low 3 (``core.priority.ORDER``)."""
    ranks = {level.value: i for i, level in enumerate(ORDER)}
    return case(ranks, value=Ticket.priority, else_=ranks["normal"])


def opened_between(session: Session, since: datetime, until: datetime) -> int:
    """Tickets opened in [since, until), a merged duplicate not counted: one request
    sent twice is one request (``stats`` counts the same way)."""
    stmt = select(func.count(Ticket.id)).where(
        Ticket.created_at >= since, Ticket.created_at < until, Ticket.merged_into_id.is_(None)
    )
    return session.scalar(stmt) or 0


def closes() -> Select[datetime]:
    """The moments tickets were closed, one row per close: a resolution counts in the
    week it happens, as RT and Zammad count it, so a ticket closed, reopened and closed
    again was closed twice, and a week's figure never changes once its summary is sent
    (counting the final close alone would take it back from the week already reported).
    A merged duplicate's closes are not counted: its request is its target's."""
    return (
        select(TicketEvent.at)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(
            TicketEvent.kind == "state",
            TicketEvent.new == "closed",
            Ticket.merged_into_id.is_(None),
        )
    )


def closed_between(session: Session, since: datetime, until: datetime) -> int:
    """Closes in [since, until) (:func:`closes`): the summary's "closed" and ``stats``'s."""
    found = closes().where(TicketEvent.at >= since, TicketEvent.at < until).subquery()
    return session.scalar(select(func.count()).select_from(found)) or 0


def force_closes(session: Session, since: datetime, until: datetime) -> Counter[str]:
    """Inventory force-closes per assignee ("" for nobody) in [since, until)."""
    stmt = (
        select(Ticket.assignee)
        .join(TicketEvent, TicketEvent.ticket_id == Ticket.id)
        .where(
            TicketEvent.actor == INVENTORY_ACTOR,
            TicketEvent.kind == "state",
            TicketEvent.new == "closed",
            TicketEvent.at >= since,
            TicketEvent.at < until,
        )
    )
    return Counter(a or "" for a in session.scalars(stmt))


def open_outside(session: Session, known: Sequence[str]) -> dict[str, list[int]]:
    """Open tickets filed under an entry id not among ``known`` (the catalog's), per
    entry id, in id order: what ``catalog refile --from ID`` is for. Through the
    state index: open tickets are few."""
    stmt = (
        select(Ticket.catalog, Ticket.id)
        .where(
            Ticket.state.in_(("new", "open", "pending")),
            Ticket.catalog.is_not(None),
            Ticket.catalog.not_in(list(known)),
        )
        .order_by(Ticket.catalog, Ticket.id)
    )
    found: dict[str, list[int]] = {}
    for entry_id, ticket_id in session.execute(stmt):
        if entry_id:
            found.setdefault(entry_id, []).append(ticket_id)
    return found
