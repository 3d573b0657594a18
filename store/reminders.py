"""Queries behind the scheduler: open tickets, the week's figures, force-closes.

Plain reads for ``gateway/sweeps.py`` and ``gateway/digest.py``; like every
query module, nothing here commits.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from gateway.core.priority import ORDER
from store.in_lists import chunks
from store.models import Message, OutboxRow, Ticket, TicketEvent

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
    A duplicate's closes made before a merge move to its target with its history and
    count there, in the week they happened (a past week's figure stays). Not counted is
    the close a merge made, even once the merge is undone: it was not counted when it was
    made (the ticket was a duplicate then), and an unmerge reopens the ticket, it does
    not resolve it, so counting it then would add a close to a week already reported.
    The merge's close is the state event recorded with its ``merged-into`` event, at
    the same instant on the same ticket."""
    merged = aliased(TicketEvent)
    by_merge = (
        select(merged.id)
        .where(
            merged.ticket_id == TicketEvent.ticket_id,
            merged.kind == "merged-into",
            merged.at == TicketEvent.at,
        )
        .exists()
    )
    return (
        select(TicketEvent.at)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(
            TicketEvent.kind == "state",
            TicketEvent.new == "closed",
            Ticket.merged_into_id.is_(None),
            ~by_merge,
        )
    )


def closed_between(session: Session, since: datetime, until: datetime) -> int:
    """Closes in [since, until) (:func:`closes`): the summary's "closed" and ``stats``'s."""
    found = closes().where(TicketEvent.at >= since, TicketEvent.at < until).subquery()
    return session.scalar(select(func.count()).select_from(found)) or 0


def force_closes(session: Session, since: datetime, until: datetime) -> Counter[str]:
    """How many tickets :func:`force_closed` per member: the figure of ``stats`` and the
    board, whose number links to the list of those very tickets."""
    return Counter({who: len(ids) for who, ids in force_closed(session, since, until).items()})


def force_closed(session: Session, since: datetime, until: datetime) -> dict[str, set[int]]:
    """Inventory force-closes in [since, until) per member who held the ticket when it
    was closed ("" for nobody): the one who let it lie. A ticket reopened and given to
    someone else since is still theirs here, so the count of a member who left or handed
    the ticket on does not move to its new holder; the holder then is the ``old`` of the
    first reassignment after the close, else the ticket's assignee now. A ticket merged
    since into another (its history moved there) is read as itself: its own events
    (:func:`_origins`) and its own assignee, never the target's."""
    stmt = select(TicketEvent.id, TicketEvent.ticket_id, TicketEvent.at).where(
        TicketEvent.actor == INVENTORY_ACTOR,
        TicketEvent.kind == "state",
        TicketEvent.new == "closed",
        TicketEvent.at >= since,
        TicketEvent.at < until,
    )
    found = session.execute(stmt).all()
    if not found:
        return {}
    origin = _origins(session, {tid for _, tid, _ in found})
    closed = [(eid, origin.get(eid, tid), at) for eid, tid, at in found]
    owners = {tid for _, tid, _ in found} | {tid for _, tid, _ in closed}
    # the reassignments of those tickets (a few), each under its own ticket, oldest first
    # (sorted here: a ticket's own and the ones moved onto another come in different chunks)
    later: dict[int, list[tuple[datetime, int, str | None]]] = {}
    for chunk in chunks(sorted(owners)):
        moves = select(TicketEvent.id, TicketEvent.ticket_id, TicketEvent.at, TicketEvent.old)
        moves = moves.where(TicketEvent.kind == "assign", TicketEvent.ticket_id.in_(chunk))
        for eid, tid, at, old in session.execute(moves):
            later.setdefault(origin.get(eid, tid), []).append((at, eid, old))
    for moved in later.values():
        moved.sort(key=lambda m: (m[0], m[1]))
    assignee: dict[int, str | None] = {}
    for chunk in chunks(sorted({t for _, t, _ in closed})):
        held_by = select(Ticket.id, Ticket.assignee).where(Ticket.id.in_(chunk))
        assignee.update((tid, who) for tid, who in session.execute(held_by))
    # a ticket the inventory closed twice (reopened between) is one ticket: the list the
    # board's number links to shows it once, so the number counts it once
    held: dict[str, set[int]] = {}
    for eid, tid, at in closed:
        after = [old for m_at, m_id, old in later.get(tid, []) if (m_at, m_id) > (at, eid)]
        held.setdefault((after[0] if after else assignee.get(tid)) or "", set()).add(tid)
    return held


def _origins(session: Session, holders: set[int]) -> dict[int, int]:
    """Event id → the ticket it was recorded on, for the events merges moved onto
    ``holders``: the source of the first merge that moved it (each ``merged-into``
    event lists the ids it moved). A target's history holds a ``merged`` event per
    ticket merged into it, its sources' sources too (moved with them): read through
    the ticket index, never the whole history."""
    sources: set[int] = set()
    for chunk in chunks(sorted(holders)):
        merged = select(TicketEvent.new).where(
            TicketEvent.ticket_id.in_(chunk), TicketEvent.kind == "merged"
        )
        sources.update(int(n) for n in session.scalars(merged) if n and n.isdigit())
    if not sources:
        return {}
    found: list[tuple[int, int, dict[str, Any] | None]] = []
    for chunk in chunks(sorted(sources)):
        stmt = select(TicketEvent.id, TicketEvent.ticket_id, TicketEvent.detail).where(
            TicketEvent.ticket_id.in_(chunk), TicketEvent.kind == "merged-into"
        )
        found += session.execute(stmt).all()
    origin: dict[int, int] = {}
    for _, source, detail in sorted(found, key=lambda f: f[0], reverse=True):  # newest first
        for eid in (detail or {}).get("events", ()):
            origin[int(eid)] = source  # the earliest merge last: it names the first ticket
    return origin


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


Happened = tuple[str, datetime, tuple[str, ...], str]  # kind, when, a mail's recipients and id


def since_pending(
    session: Session, ticket_id: int, kinds: Collection[str]
) -> tuple[datetime | None, list[Happened]]:
    """When the ticket was last set pending (its last ``state`` event; None: none
    recorded), and what of ``kinds`` happened on it since: its events and the mails sent
    on it (kind, when, a mail's recipients and Message-ID: a bounce names it), oldest
    first. Bounded by the wait itself:
    only what happened while it waited is read (gateway.scheduling.waiting decides)."""
    last_state = select(func.max(TicketEvent.at)).where(
        TicketEvent.ticket_id == ticket_id, TicketEvent.kind == "state"
    )
    since = session.scalar(last_state)
    if since is None:
        return None, []
    events = select(TicketEvent.kind, TicketEvent.at).where(
        TicketEvent.ticket_id == ticket_id, TicketEvent.at >= since, TicketEvent.kind.in_(kinds)
    )
    mails = select(Message.kind, Message.created_at, Message.to, Message.message_id).where(
        Message.ticket_id == ticket_id,
        Message.direction == "out",
        Message.created_at >= since,
        Message.kind.in_(kinds),
    )
    found: list[Happened] = [(k, at, (), "") for k, at in session.execute(events)]
    found += [
        (k, at, tuple(str(a) for a in to or ()), mid) for k, at, to, mid in session.execute(mails)
    ]
    return since, sorted(found, key=lambda f: f[1])


def last_reminders(
    session: Session, ticket_ids: Collection[int], prefix: str
) -> dict[int, tuple[int, str, str, datetime]]:
    """Per ticket of ``ticket_ids``, the last mail queued under a key starting with
    ``prefix`` (its pending reminders') since the ticket was last set pending: its
    outbox id, key, state and when it was queued. Not a query per ticket: the board and
    the digest read every open ticket (gateway.scheduling.stale decides); one per
    :data:`store.in_lists.CHUNK` of them, however many."""
    last_set = (
        select(func.max(TicketEvent.at))
        .where(TicketEvent.ticket_id == OutboxRow.ticket_id, TicketEvent.kind == "state")
        .scalar_subquery()
    )
    found: list[tuple[int | None, int, str, str, datetime]] = []
    for chunk in chunks(sorted(ticket_ids)):
        stmt = select(
            OutboxRow.ticket_id,
            OutboxRow.id,
            OutboxRow.idempotency_key,
            OutboxRow.state,
            OutboxRow.created_at,
        ).where(
            OutboxRow.ticket_id.in_(chunk),
            OutboxRow.idempotency_key.startswith(prefix, autoescape=True),
            or_(last_set.is_(None), OutboxRow.created_at >= last_set),
        )
        found += session.execute(stmt).all()
    found.sort(key=lambda f: f[1])  # by outbox row: a ticket's last one is written last
    return {tid: (oid, key, state, at) for tid, oid, key, state, at in found if tid}


# a mail sent on a ticket, with its requester and its outbox row (id, key; None: not ours)
Sent = tuple[int, str, datetime, tuple[str, ...], str, str, int | None, str]


def sent_of_kinds(
    session: Session, ticket_ids: Collection[int], kinds: Collection[str]
) -> list[Sent]:
    """The mails of ``kinds`` sent on ``ticket_ids``, oldest first: ticket id, kind,
    when, recipients, Message-ID, the ticket's requester, and its outbox row's id and key
    (whether it came back is told per outbox row). A query per
    :data:`store.in_lists.CHUNK` tickets."""
    if not kinds:
        return []
    found: list[tuple[Any, ...]] = []
    for chunk in chunks(sorted(ticket_ids)):
        stmt = (
            select(
                Message.id,
                Message.ticket_id,
                Message.kind,
                Message.created_at,
                Message.to,
                Message.message_id,
                Ticket.requester,
                OutboxRow.id,
                OutboxRow.idempotency_key,
            )
            .join(Ticket, Ticket.id == Message.ticket_id)
            .outerjoin(OutboxRow, OutboxRow.message_id == Message.message_id)
            .where(
                Message.ticket_id.in_(chunk),
                Message.direction == "out",
                Message.kind.in_(sorted(kinds)),
            )
        )
        found += session.execute(stmt).all()
    found.sort(key=lambda f: f[0])  # by message, as they were sent
    return [
        (tid, kind, at, tuple(str(a) for a in to or ()), mid, who, oid, key or "")
        for _, tid, kind, at, to, mid, who, oid, key in found
    ]
