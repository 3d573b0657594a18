"""Reads about merged tickets (#19): where a ticket's mail goes now, what went into it.

A merged ticket keeps its row, closed as ``duplicate`` with ``merged_into_id``
set; whatever still names it (its reply addresses, its Message-IDs, its subject
tag) is followed here to the ticket that holds it now.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from store.advisory import key_here
from store.fast_query import FastQuery
from store.in_lists import chunks
from store.models import Participant, Ticket, TicketEvent, table_of

MAX_HOPS = 32  # merges are refused into merged tickets, so a chain is one hop; a guard


# the purpose named in the key of the merges' lock (store.advisory: the schema's own, as
# another team's gateway in another schema of the database merges its own tickets)
MERGES = "merges"


def hold_merges(session: Session) -> None:
    """Until this transaction ends, no other merge or unmerge runs: their check (would
    it make a cycle? was the target merged meanwhile?) and their write are one step.
    Two members merging #1 into #2 and #2 into #1 at the same moment each read the
    other ticket unmerged and would both write, a cycle; a chain of several merges at
    once could close a longer one, which locking the two rows would not stop. On
    PostgreSQL a transaction-scoped advisory lock, the schema's own; SQLite's write transactions
    (``BEGIN IMMEDIATE``, :mod:`store.db`) already run one at a time. The caller reads
    the tickets again after it (``populate_existing``)."""
    if locked(session):
        key = key_here(session, MERGES)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def locked(session: Session) -> bool:
    """Whether merges take a lock here (PostgreSQL), so a caller knows whether the
    order it takes its locks in matters at all."""
    return session.get_bind().dialect.name == "postgresql"


def fresh(session: Session, ticket_id: int) -> Ticket | None:
    """Ticket ``ticket_id`` as committed now (after :func:`hold_merges`), not as this
    session loaded it earlier."""
    stmt = select(Ticket).where(Ticket.id == ticket_id).execution_options(populate_existing=True)
    return session.scalars(stmt).first()


def chain(session: Session, ticket_id: int) -> list[int]:
    """The tickets reached from ``ticket_id`` by ``merged_into_id``, nearest first."""
    out: list[int] = []
    current: int | None = ticket_id
    while current is not None and len(out) < MAX_HOPS:
        current = _MERGED_INTO.scalar(session, {"tid": current})
        if current is None or current in out or current == ticket_id:
            break
        out.append(current)
    return out


_TICKETS = table_of(Ticket)
# built once: every reply's threading follows it (issue #18)
_MERGED_INTO = FastQuery(select(_TICKETS.c.merged_into_id).where(_TICKETS.c.id == bindparam("tid")))
# built once: every customer reply's proof reads it (gateway/runner/proof.py); the ORM's
# select, built per call, was a twelfth of the processing child's time on replies
_MERGED_FROM = FastQuery(
    select(_TICKETS.c.id)
    .where(_TICKETS.c.merged_into_id == bindparam("tid"))
    .order_by(_TICKETS.c.id)
)


def final(session: Session, ticket_id: int | None) -> int | None:
    """The ticket that holds ``ticket_id``'s conversation now (itself unless merged)."""
    if ticket_id is None:
        return None
    reached = chain(session, ticket_id)
    return reached[-1] if reached else ticket_id


def sources(session: Session, ticket_id: int) -> list[int]:
    """The tickets merged into ``ticket_id``, directly or through a ticket merged into it
    (#3 into #2, then #2 into #1: both are #1's), nearest first: the mail that names any
    of them threads into ``ticket_id`` (:func:`final`), so their reply addresses count
    for it too."""
    out: list[int] = []
    seen = {ticket_id}
    level = [ticket_id]
    for _ in range(MAX_HOPS):
        found: list[int] = []
        if len(level) == 1:  # every reply's proof asks of its own ticket (issue #18)
            found += (r.id for r in _MERGED_FROM.all(session, {"tid": level[0]}))
        else:
            for chunk in chunks(level):  # a level may hold every ticket ever merged into one
                stmt = select(Ticket.id).where(Ticket.merged_into_id.in_(chunk))
                found += session.scalars(stmt.order_by(Ticket.id))
        level = [t for t in sorted(found) if t not in seen]
        if not level:
            break
        out.extend(level)
        seen.update(level)
    return out


def last_merge_event(session: Session, ticket_id: int) -> TicketEvent | None:
    """The ``merged-into`` event of a merged ticket: what moved, for ``unmerge``."""
    stmt = (
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket_id, TicketEvent.kind == "merged-into")
        .order_by(TicketEvent.id.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def was_unmerged(session: Session, ticket_id: int) -> bool:
    """Whether a merge of ``ticket_id`` was ever undone: an unmerge asked again reads it
    (with the ticket not merged now: undone already). Read from the ``unmerged`` event
    its target kept, which names it as the source: a ticket's own events move with it
    into any later target, so what a ticket holds does not say whose they were."""
    stmt = select(TicketEvent.detail).where(
        TicketEvent.kind == "unmerged", TicketEvent.new == str(ticket_id)
    )
    return any(d.get("source") == ticket_id for d in session.scalars(stmt))


def watchers(session: Session, ticket_id: int) -> list[str]:
    """The ticket's watchers, in the order they were added."""
    stmt = (
        select(Participant.email)
        .where(Participant.ticket_id == ticket_id, Participant.role == "watcher")
        .order_by(Participant.id)
    )
    return list(session.scalars(stmt))


def participants(session: Session, ticket_id: int) -> list[tuple[str, str]]:
    """``(email, role)`` of everyone on the ticket, in the order they joined."""
    stmt = (
        select(Participant.email, Participant.role)
        .where(Participant.ticket_id == ticket_id)
        .order_by(Participant.id)
    )
    return [(e, r) for e, r in session.execute(stmt)]


def event_ids(session: Session, ticket_id: int) -> list[int]:
    stmt = select(TicketEvent.id).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
    return list(session.scalars(stmt))


def requester_bound_events(session: Session, ticket_id: int) -> list[int]:
    """Events about the ticket's requester rather than its conversation, which a merge
    leaves where they are: a lasting "no automatic answer" (the request was automated
    or imported) silences the requester of the ticket it is on."""
    stmt = select(TicketEvent.id, TicketEvent.detail).where(
        TicketEvent.ticket_id == ticket_id, TicketEvent.kind == "no-auto-answer"
    )
    return [i for i, d in session.execute(stmt) if isinstance(d, dict) and d.get("lasting")]
