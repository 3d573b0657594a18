"""Ticket queries (reads) and the plain-data views the CLI prints as JSON.

Writes that change a ticket are in :mod:`store.ticket_rows`, which only the
tickets service may use; message rows are :mod:`store.messages`.

Views return dicts of plain values (never ORM objects), the shape DESIGN.md
promises to scripts: ``tickets list --json`` and ``tickets show ID --json``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, func, inspect, literal, select, union_all
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import Session, configure_mappers, make_transient_to_detached, selectinload
from sqlalchemy.orm.attributes import instance_state

from store import action_runs, merges
from store.db import core
from store.fast_query import FastQuery, PerLength
from store.in_lists import chunks
from store.models import Message, OutboxRow, Participant, Ticket, TicketEvent, table_of


def get(session: Session, ticket_id: int) -> Ticket | None:
    """The ticket, as ``Session.get`` gives it. A ticket the session does not hold yet
    is read with one prebuilt select and joins the session as a loaded row: through
    the ORM's loader that cost ten times the statement, on every message the runner
    threads (bench/ingest.py, issue #18). A session that flushes before it reads, or
    that holds the ticket already (perhaps expired, or deleted), asks the ORM, as
    does an id that is not an ``int`` (the ORM knows what to make of it)."""
    if _ask_orm(session, ticket_id):
        return session.get(Ticket, ticket_id)
    row = _TICKET_ROW.first(session, {"tid": ticket_id})
    if row is None:
        return None
    return attached(session, row._asdict())


def get_to_change(session: Session, ticket_id: int) -> Ticket | None:
    """The ticket, as :func:`get` gives it, for a change decided on what it holds now.
    On PostgreSQL its row is locked until the transaction ends: a sweep closing it (which
    locks it too, gateway.scheduling.sweeps) either committed already and is seen, or
    waits for this change. Without the lock the change was decided on the state read
    before the other committed, and written over it ("pending → open" over a close the
    requester had been mailed about). SQLite takes its write lock at BEGIN: nothing
    commits in between, and the lock is not said there. None also when the ticket was
    deleted (``requesters forget``, ``[retention]``) while its lock was waited for."""
    ticket = get(session, ticket_id)
    if ticket is not None and session.get_bind().dialect.name == "postgresql":
        try:
            session.refresh(ticket, with_for_update=True)
        except InvalidRequestError:  # deleted (an erasure) while the lock was waited for
            session.expunge(ticket)
            return None
    return ticket


def exists(session: Session, ticket_id: int) -> bool:
    """Whether ``get`` would find the ticket, without making its object (threading asks
    this of a subject tag and a reply address for every reply, issue #18)."""
    if _ask_orm(session, ticket_id):
        return session.get(Ticket, ticket_id) is not None
    return _TICKET_EXISTS.scalar(session, {"tid": ticket_id}) is not None


def attached(session: Session, values: dict[str, Any]) -> Ticket:
    """A ticket object for a row as stored (every column), persistent in ``session``
    with nothing to flush: exactly a loaded row. Made as the ORM's loader makes one,
    a new instance whose state holds the row's values, not through ``Ticket(**values)``,
    whose every attribute set records a change that is then thrown away: that was half
    of what this costs, and it runs for every ticket the runner reads or opens (issue
    #18: 8 % of a bulk ingest's time)."""
    if not _TICKET_MAPPER.configured:  # as ``Ticket()`` would: the attributes made first
        configure_mappers()
    ticket: Ticket = _TICKET_CLASS.new_instance()
    instance_state(ticket).dict.update(values)
    make_transient_to_detached(ticket)  # its attributes are the stored row's, not changes
    session.add(ticket)
    return ticket


def ticket_for_message_ids(session: Session, ids: Sequence[str]) -> int | None:
    """The ticket owning the first of ``ids`` that we stored or sent."""
    if not ids:
        return None
    found: dict[str, int] = {}
    if len(ids) <= FAST_ID_LISTS:
        query, params = _BY_IDS.query(ids)
        rows: Any = query.all(session, params)
    else:
        rows = core(session).execute(_TICKETS_OF_MESSAGE_IDS, {"ids": list(ids)})
    for mid, tid, stored in rows:
        if tid is not None and (stored or mid not in found):  # a stored message wins
            found[mid] = tid
    return next((found[i] for i in ids if i in found), None)


def ticket_of_message(session: Session, message_id: str) -> int | None:
    """The ticket that already holds this Message-ID, if any (the dedupe check)."""
    found: int | None = _TICKET_OF_MESSAGE.scalar(session, {"mid": message_id})
    return found


def message_facts(session: Session, message_id: str) -> tuple[int, str, str] | None:
    """``(ticket, sender, subject)`` of the stored message with this Message-ID, if any:
    what tells a second copy of one mail from another mail under a reused Message-ID."""
    row = _MESSAGE_FACTS.first(session, {"mid": message_id})
    return None if row is None else (int(row[0]), str(row[1]), str(row[2]))


def participant_emails(session: Session, ticket_id: int) -> list[str]:
    """In the order they joined the ticket (the requester first)."""
    return _PARTICIPANT_EMAILS.scalars(session, {"tid": ticket_id})


# The role of a participant who joined by working the ticket as a member (a reply, a
# Slack button): on it as a member, which lasts only while they are one.
MEMBER_ROLE = "ops"


def customer_emails(session: Session, ticket_id: int) -> list[str]:
    """The ticket's people who are on it as themselves (its requester, a Cc, a watcher),
    in the order they joined: not those who joined only by working it as a member. A
    member taken out of ``[[members]]`` is none of these, whatever tickets they worked:
    their mail is a stranger's, and no answer is relayed to them."""
    return _CUSTOMER_EMAILS.scalars(session, {"tid": ticket_id})


def last_event(session: Session, ticket_id: int, kind: str) -> TicketEvent | None:
    """The ticket's latest event of ``kind`` (a button pressed twice reads whether it
    was its own)."""
    stmt = (
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket_id, TicketEvent.kind == kind)
        .order_by(TicketEvent.id.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


# Statements of the ingest path, built once, parameters passed per call: building a
# select per call cost three times what running it does (issue #18, bench/ingest.py)
_MESSAGES = table_of(Message)
_TICKETS = table_of(Ticket)
_TICKET_ROW = FastQuery(select(*_TICKETS.c).where(_TICKETS.c.id == bindparam("tid")))
_TICKET_EXISTS = FastQuery(select(_TICKETS.c.id).where(_TICKETS.c.id == bindparam("tid")))
_TICKET_MAPPER = inspect(Ticket)
_TICKET_CLASS = _TICKET_MAPPER.class_manager


def _caused(kinds: list[Any]) -> Any:
    events = table_of(TicketEvent)
    opened = (
        select(func.count())
        .select_from(_TICKETS)
        .where(_TICKETS.c.requester == bindparam("who"))
        .where(_TICKETS.c.created_at >= bindparam("since"))
        .scalar_subquery()
    )
    told = (
        select(func.count())
        .select_from(events)
        .where(events.c.kind.in_(kinds))
        .where(events.c.actor == bindparam("who_"))
        .where(events.c.at >= bindparam("since_"))
        .scalar_subquery()
    )
    return select(opened + told)


# the notice brake's count, asked for every request, stranger's reply and unverified
# mail: three ORM selects built per call cost 1.8 ms a mail (bench/ingest.py, issue #18)
_CAUSED = PerLength("kind", _caused)


def caused_since(session: Session, sender: str, since: datetime, kinds: Sequence[str]) -> int:
    """Tickets ``sender`` opened since ``since`` and events of ``kinds`` they caused
    since then, in one query."""
    query, params = _CAUSED.query(list(kinds))
    params.update(who=sender, who_=sender, since=since, since_=since)
    return int(query.scalar(session, params) or 0)


def _ask_orm(session: Session, ticket_id: int) -> bool:
    return (
        session.autoflush
        or type(ticket_id) is not int
        or _TICKET_MAPPER.identity_key_from_primary_key((ticket_id,)) in session.identity_map
    )


_OUTBOX = table_of(OutboxRow)
_PARTICIPANTS = table_of(Participant)
_TICKET_OF_MESSAGE = FastQuery(
    select(_MESSAGES.c.ticket_id).where(_MESSAGES.c.message_id == bindparam("mid")).limit(1)
)
# every message's dedupe asks it: through the session it was a twentieth of the
# processing child's time (py-spy --gil, bench/smtp.py --daemon)
_MESSAGE_FACTS = FastQuery(
    select(_MESSAGES.c.ticket_id, _MESSAGES.c.from_addr, _MESSAGES.c.subject)
    .where(_MESSAGES.c.message_id == bindparam("mid"))
    .limit(1)
)
# every mail we queue names the ticket's thread in its References (issue #18: built once)
_THREAD_IDS = FastQuery(
    select(_MESSAGES.c.message_id)
    .where(_MESSAGES.c.ticket_id == bindparam("tid"))
    .order_by(_MESSAGES.c.id)
)
_PARTICIPANT_EMAILS = FastQuery(
    select(_PARTICIPANTS.c.email)
    .where(_PARTICIPANTS.c.ticket_id == bindparam("tid"))
    .order_by(_PARTICIPANTS.c.id)
)
_CUSTOMER_EMAILS = FastQuery(
    select(_PARTICIPANTS.c.email)
    .where(_PARTICIPANTS.c.ticket_id == bindparam("tid"), _PARTICIPANTS.c.role != MEMBER_ROLE)
    .order_by(_PARTICIPANTS.c.id)
)
# A reply names a handful of Message-IDs (In-Reply-To, References): one statement per
# count is built once (an expanding IN is compiled again on every call); beyond this
# many, the expanding statement
FAST_ID_LISTS = 16


def _stored_or_sent(ids: Any) -> Any:
    """What we stored (1) and what we sent (0) under these Message-IDs, in one statement."""
    return union_all(
        select(_MESSAGES.c.message_id, _MESSAGES.c.ticket_id, literal(1)).where(
            _MESSAGES.c.message_id.in_(ids)
        ),
        select(_OUTBOX.c.message_id, _OUTBOX.c.ticket_id, literal(0)).where(
            _OUTBOX.c.message_id.in_(ids)
        ),
    )


_BY_IDS = PerLength("id", _stored_or_sent)
_TICKETS_OF_MESSAGE_IDS = _stored_or_sent(bindparam("ids", expanding=True))


def list_tickets(session: Session, state: str | None = None) -> list[dict[str, Any]]:
    """Every ticket (in one state), oldest first, as ``tickets list --json`` shows it."""
    stmt = select(Ticket).order_by(Ticket.id)
    if state:
        stmt = stmt.where(Ticket.state == state)
    found = list(session.scalars(stmt))
    counts = message_counts(session, [t.id for t in found])
    return [summary(t, *counts.get(t.id, (0, 0))) for t in found]


def message_counts(session: Session, ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """ticket id → (incoming messages, all messages) for ``ids``: one grouped query, over
    the listed tickets (a page) or, for a long list, over all of them."""
    if not ids:
        return {}
    incoming = func.sum(case((Message.direction == "in", 1), else_=0))
    stmt = select(Message.ticket_id, incoming, func.count(Message.id)).group_by(Message.ticket_id)
    if len(ids) <= 5000:  # an IN list every database takes
        stmt = stmt.where(Message.ticket_id.in_(ids))
    wanted = set(ids)
    return {
        tid: (int(n_in or 0), int(n)) for tid, n_in, n in session.execute(stmt) if tid in wanted
    }


def summary(
    ticket: Ticket, message_count: int, messages_total: int | None = None
) -> dict[str, Any]:
    """``message_count``: the messages people sent in (requests, replies, bounces);
    ``messages_total``: those and the mail we sent (``direction`` ``out``)."""
    return {
        "id": ticket.id,
        "state": ticket.state,
        "close_reason": ticket.close_reason,
        "priority": ticket.priority,  # low | normal | high | urgent (#19)
        "subject": ticket.subject,
        "requester": ticket.requester,
        "catalog": ticket.catalog,
        "assignee": ticket.assignee,
        "linked_ticket": ticket.linked_ticket_id,
        "created_at": _iso(ticket.created_at),
        "updated_at": _iso(ticket.updated_at),
        "closed_at": _iso(ticket.closed_at),
        "message_count": message_count,
        "messages_total": message_count if messages_total is None else messages_total,
    }


def detail(session: Session, ticket_id: int) -> dict[str, Any] | None:
    stmt = (
        select(Ticket)
        .where(Ticket.id == ticket_id)
        .options(
            selectinload(Ticket.messages).selectinload(Message.attachments),
            selectinload(Ticket.events),
            selectinload(Ticket.fields),
            selectinload(Ticket.participants),
        )
    )
    ticket = session.scalars(stmt).first()
    if ticket is None:
        return None
    incoming = sum(m.direction == "in" for m in ticket.messages)
    out = summary(ticket, incoming, len(ticket.messages))
    out["requester_name"] = ticket.requester_name
    out["due_at"] = _iso(ticket.due_at)
    out["first_response_at"] = _iso(ticket.first_response_at)
    out["participants"] = sorted(p.email for p in ticket.participants)
    out["merged_into"] = ticket.merged_into_id  # #19: the ticket a duplicate went into
    out["watchers"] = sorted(p.email for p in ticket.participants if p.role == "watcher")
    out["messages"] = [_message_view(m) for m in ticket.messages]
    out["events"] = [
        {
            "at": _iso(e.at),
            "actor": e.actor,
            "channel": e.channel,
            "kind": e.kind,
            "old": e.old,
            "new": e.new,
            "detail": e.detail,
        }
        for e in ticket.events
    ]
    out["fields"] = {f.name: f.value for f in ticket.fields}
    runs = action_runs.list_runs(session, ticket_id=ticket.id)
    out["action_runs"] = [action_runs.view(r) for r in reversed(runs)]  # oldest first
    return out


def _message_view(m: Message) -> dict[str, Any]:
    return {
        "id": m.id,
        "direction": m.direction,
        "kind": m.kind,
        "message_id": m.message_id,
        "from": m.from_addr,
        "from_name": m.from_name,
        "to": m.to,
        "cc": m.cc,
        "date": _iso(m.date),  # as the mail says (None: it had no Date header)
        "received_at": _iso(m.created_at),  # when we stored it (or sent it)
        "subject": m.subject,
        "text": m.text,
        "new_text": m.new_text,
        "defects": m.defects,
        "attachments": [
            {"filename": a.filename, "size": a.size, "content_type": a.content_type}
            for a in m.attachments
        ],
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def thread_ids(session: Session, ticket: Ticket) -> list[str]:
    """Message-IDs of the ticket's mails, oldest first: the References of our next mail.

    A merged ticket's mails moved to the ticket it joined, but its people still have
    them: they come first (the status mail that tells its requester of the merge
    answers their request, not the member's transcript written after it).
    Synthetic IDs (given to mail that had none) were never seen by a mail
    client, so they cannot thread anything and are left out.
    """
    found = _THREAD_IDS.scalars(session, {"tid": ticket.id})
    if ticket.merged_into_id is not None:
        found = [*_moved_away(session, ticket.id), *found]
    return [m for m in dict.fromkeys(found) if not m.endswith("@synthetic.invalid")]


def _moved_away(session: Session, ticket_id: int) -> list[str]:
    """Message-IDs of the mails the ticket's last merge moved to its target."""
    event = merges.last_merge_event(session, ticket_id)
    moved = (event.detail or {}).get("messages", []) if event is not None else []
    found: list[str] = []
    for chunk in chunks(sorted(set(moved))):  # every mail of a long thread, or of a chain
        stmt = select(Message.message_id).where(Message.id.in_(chunk)).order_by(Message.id)
        found += (str(m) for m in session.scalars(stmt))
    return found
