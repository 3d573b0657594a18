"""Writes that change a ticket: the row itself, its events, participants and fields.

Only the tickets service (:mod:`gateway.tickets.changes`) may import this
module (an import-linter ``protected`` contract in pyproject.toml), so no stage,
command or page can change a ticket without the service writing the event.
Functions take a session and never commit. Events, participants and fields go
in as INSERT/UPDATE statements built once, not through the ORM collections:
adding one never loads ``ticket.events`` and skips the unit of work; the
commonest INSERTs (events, participants) go straight to the driver
(:mod:`store.fast_insert`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, bindparam, delete, event, inspect, select, update
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.orm.attributes import set_committed_value

from store.fast_insert import FastInsert
from store.fast_query import FastQuery
from store.in_lists import chunks
from store.models import Message, Participant, Ticket, TicketEvent, TicketField, table_of
from store.tickets import MEMBER_ROLE, attached, participant_emails


def insert_ticket(session: Session, **values: Any) -> Ticket:
    """A new ticket row, with its id for the rows that follow, as a persistent ORM
    object (the stages change it like any loaded ticket). One INSERT … RETURNING
    instead of ``add`` and a flush: on the ingest path the unit of work cost more
    than the statement (bench/ingest.py, issue #18). The object is built from what
    the database returned, defaults included, so it is exactly a loaded row.
    Columns not given take their default, as a Core INSERT gives them."""
    unknown = values.keys() - _TICKET_DEFAULTS.keys()
    if unknown:
        raise TypeError(f"insert_ticket: not columns of tickets: {sorted(unknown)}")
    stored = _INSERT_TICKET.first(session, {**_TICKET_DEFAULTS, **values})
    assert stored is not None  # RETURNING gives the row it inserted
    ticket = attached(session, stored._asdict())
    inside = session.get_nested_transaction() or session.get_transaction()
    assert inside is not None  # the INSERT above began one
    made = session.info.setdefault(_INSERTED, [])
    made[:] = [m for m in made if _root(m[1]).is_active]  # an ended transaction's are kept
    made.append((ticket, inside))
    return ticket


_INSERTED = "tickets-inserted"  # Session.info: (ticket, the transaction it was made in)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous: SessionTransaction) -> None:
    """A rolled-back savepoint or transaction took its new tickets' rows with it (and
    those of the savepoints inside it); the session forgets their objects too, as it
    forgets what a flush inserted, or the next ticket, which may be given the same id,
    could not join the identity map."""
    made: list[tuple[Ticket, SessionTransaction]] = session.info.get(_INSERTED, [])
    gone = [(t, tx) for t, tx in made if _within(tx, previous)]
    for ticket, _ in gone:
        if ticket in session:
            session.expunge(ticket)
    made[:] = [m for m in made if m not in gone]


def _within(tx: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while tx is not None:
        if tx is outer:
            return True
        tx = tx.parent
    return False


def _root(tx: SessionTransaction) -> SessionTransaction:
    while tx.parent is not None:
        tx = tx.parent
    return tx


def set_columns(session: Session, ticket: Ticket, **values: Any) -> None:
    """Change a stored ticket's columns with one UPDATE now, and its object to match as
    if it had been loaded so. Through the ORM the change would wait for a flush at
    commit, and on the ingest path that flush (the unit of work for one dirty object)
    cost several times the statement (bench/ingest.py, issue #18). Columns that
    already hold the value are left out, as the ORM leaves them; a ticket that is
    not stored yet (added, not flushed) is changed the ORM's way."""
    state = inspect(ticket)
    if not state.persistent:
        for name, value in values.items():
            setattr(ticket, name, value)
        return
    changed = {k: v for k, v in values.items() if getattr(ticket, k) != v}
    if not changed:
        return
    _update_of(tuple(sorted(changed))).run(session, {"_id": ticket.id, **changed})
    for name, value in changed.items():
        set_committed_value(ticket, name, value)


def _update_of(columns: tuple[str, ...]) -> FastQuery:
    """The UPDATE of these ticket columns by id, built once per set of columns."""
    stmt = _UPDATES.get(columns)
    if stmt is None:
        stmt = _UPDATES[columns] = FastQuery(
            update(_TICKETS)
            .where(_TICKETS.c.id == bindparam("_id"))
            .values({c: bindparam(c, type_=_TICKETS.c[c].type) for c in columns})
        )
    return stmt


_UPDATES: dict[tuple[str, ...], FastQuery] = {}


def add_event(
    session: Session,
    ticket: Ticket,
    *,
    at: datetime,
    actor: str,
    channel: str,
    kind: str,
    old: str | None = None,
    new: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    _INSERT_EVENT.one(
        session,
        {
            "ticket_id": ticket.id,
            "at": at,
            "actor": actor,
            "channel": channel,
            "kind": kind,
            "old": old,
            "new": new,
            "detail": detail or {},
        },
    )


def add_participant(
    session: Session, ticket_id: int, email: str, role: str, known: Sequence[str] | None = None
) -> bool:
    """Add unless present (True when added); ``known``, the current list, saves a query."""
    email = email.lower()
    present = known if known is not None else participant_emails(session, ticket_id)
    if not email or email in present:
        return False
    _INSERT_PARTICIPANT.one(session, {"ticket_id": ticket_id, "email": email, "role": role})
    return True


def set_field(session: Session, ticket_id: int, name: str, value: str, *, exists: bool) -> None:
    if exists:
        _UPDATE_FIELD.run(session, {"tid": ticket_id, "fname": name, "fvalue": value})
    else:
        _INSERT_FIELD.one(session, {"ticket_id": ticket_id, "name": name, "value": value})


def clear_field(session: Session, ticket_id: int, name: str) -> None:
    """The sheet holds no value for ``name`` any more: its row goes (a required field is
    then missing again, as if never given)."""
    _DELETE_FIELD.run(session, {"tid": ticket_id, "fname": name})


def row_ids(session: Session, ticket_id: int) -> tuple[list[int], list[int]]:
    """The ids of the ticket's messages and events, ``(messages, events)``, oldest first."""
    messages = select(Message.id).where(Message.ticket_id == ticket_id).order_by(Message.id)
    events = (
        select(TicketEvent.id).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
    )
    return list(session.scalars(messages)), list(session.scalars(events))


def give_rows(session: Session, messages: Sequence[int], events: Sequence[int], *, to: int) -> None:
    """The messages and events with these ids now belong to ticket ``to`` (a merge moves
    them to the target, an unmerge back). Pending changes are flushed first."""
    session.flush()
    for model, ids in ((Message, messages), (TicketEvent, events)):
        table = table_of(model)
        for chunk in chunks(ids):  # a merge moves a ticket's whole history, its chain's too
            session.execute(update(table).where(table.c.id.in_(chunk)).values(ticket_id=to))


def join_as_themselves(session: Session, ticket_id: int, email: str, role: str) -> bool:
    """``email``, on the ticket only as a member who worked it, is on it as ``role`` (a
    Cc) from now: a member let a former member in. True when that was the case."""
    table = table_of(Participant)
    done = session.execute(
        update(table)
        .where(table.c.ticket_id == ticket_id, table.c.email == email.lower())
        .where(table.c.role == MEMBER_ROLE)
        .values(role=role)
    )
    return bool(getattr(done, "rowcount", 0))


def remove_participant(session: Session, ticket_id: int, email: str) -> bool:
    """True when ``email`` was on the ticket (and is no longer)."""
    table = table_of(Participant)
    done = session.execute(
        delete(table).where(table.c.ticket_id == ticket_id, table.c.email == email.lower())
    )
    return bool(getattr(done, "rowcount", 0))


def remove_field(session: Session, ticket_id: int, name: str) -> None:
    session.execute(delete(_FIELDS).where(_FIELDS.c.ticket_id == ticket_id, _FIELDS.c.name == name))


_TICKETS = table_of(Ticket)


def _defaults(table: Table) -> dict[str, Any]:
    """Every column but the key, with the value Core would give it when not named."""
    found: dict[str, Any] = {}
    for column in table.columns:
        if column.primary_key:
            continue
        default = column.default
        if default is not None and not default.is_scalar:
            raise ValueError(f"{table.name}.{column.name}: a computed default, not kept here")
        found[column.name] = default.arg if default is not None else None  # type: ignore[attr-defined]
    return found


# all columns bound, the defaults filled in by insert_ticket: a statement built once
_TICKET_DEFAULTS = _defaults(_TICKETS)
_INSERT_TICKET = FastQuery(
    _TICKETS.insert()
    .values({name: bindparam(name, type_=_TICKETS.c[name].type) for name in _TICKET_DEFAULTS})
    .returning(*_TICKETS.c)
)
_INSERT_EVENT = FastInsert(
    table_of(TicketEvent), ["ticket_id", "at", "actor", "channel", "kind", "old", "new", "detail"]
)
_INSERT_PARTICIPANT = FastInsert(table_of(Participant), ["ticket_id", "email", "role"])
_FIELDS = table_of(TicketField)
_INSERT_FIELD = FastInsert(_FIELDS, ["ticket_id", "name", "value"])
_UPDATE_FIELD = FastQuery(
    _FIELDS.update()
    .where(and_(_FIELDS.c.ticket_id == bindparam("tid"), _FIELDS.c.name == bindparam("fname")))
    .values(value=bindparam("fvalue"))
)
_DELETE_FIELD = FastQuery(
    _FIELDS.delete().where(
        and_(_FIELDS.c.ticket_id == bindparam("tid"), _FIELDS.c.name == bindparam("fname"))
    )
)
