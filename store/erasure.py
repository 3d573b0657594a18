"""What a person's erasure finds (``requesters forget``): the rows that hold their data.

Query functions only, one question each; they never write (the deletes are
:mod:`store.erasure_rows`) and never commit. The service that decides what goes and
writes the record is :mod:`gateway.tickets.erasure`. ``address`` is always the
canonical, lower-case address; the stored addresses are compared lower-cased.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Text, func, or_, select
from sqlalchemy.orm import Session, aliased

from store.in_lists import chunks
from store.models import (
    AttachmentRow,
    InboxRaw,
    InboxRow,
    Message,
    OutboxRow,
    Participant,
    Ticket,
    TicketEvent,
)

# Policy: how much of a raw row is read to see who sent it (the header block of any
# real mail; a submission's JSON names its requester before its text)
HEAD_BYTES = 65_536


def requested(session: Session, address: str, *, lock: bool = True) -> list[int]:
    """The tickets ``address`` asked for (their requester), oldest first, row-locked until
    the transaction ends (PostgreSQL; SQLite's writers take turns anyway): a runner
    filing a reply onto one (which locks it, :func:`store.tickets.get_to_change`) either
    committed before and its message is found and erased with the ticket, or waits and
    finds the ticket gone. Unlocked, its message was committed between the erasure's
    read and its delete, and the ticket's delete failed on the message's foreign key.
    ``lock`` False: only looked at, in a read-only unit (what the lists name)."""
    stmt = select(Ticket.id).where(func.lower(Ticket.requester) == address).order_by(Ticket.id)
    return list(session.scalars(stmt.with_for_update() if lock else stmt))


def lock(session: Session, ticket_ids: Sequence[int]) -> None:
    """Row-lock ``ticket_ids`` (in id order, as :func:`requested` does) for the rest of
    the transaction: a reply of theirs a runner files on one meanwhile is waited for
    and then seen, not left behind with their words after the erasure."""
    for chunk in chunks(sorted(ticket_ids)):
        session.execute(
            select(Ticket.id).where(Ticket.id.in_(chunk)).order_by(Ticket.id).with_for_update()
        )


def merged_in(session: Session, ticket_ids: Sequence[int]) -> list[int]:
    """Tickets merged into one of ``ticket_ids`` (their mail moved there), oldest first."""
    out: list[int] = []
    for chunk in chunks(ticket_ids):
        out += session.scalars(select(Ticket.id).where(Ticket.merged_into_id.in_(chunk)))
    return sorted(set(out))


def expired(session: Session, before: datetime, limit: int, *, to_erase: bool = True) -> list[int]:
    """Up to ``limit`` tickets closed before ``before``, the longest closed first,
    row-locked until the transaction ends; on PostgreSQL one another transaction holds
    is passed over (``SKIP LOCKED``): another instance's pass erasing it (whose commit
    takes it away; waiting for it, both passes erased it and each wrote an audit row
    for it), a reply being filed on it (it is no longer closed, or a later pass takes
    it). Not one merged into a ticket still kept, open or closed: the way there.
    ``to_erase`` False: only looked at (``sweep --dry-run``, a read-only unit),
    nothing locked."""
    target = aliased(Ticket)
    # a ticket merged into another (closed by the merge, its mail moved there) is the
    # way its requester's replies reach that target, which they reopen or link to once
    # it is closed too: kept as long as the target is (the target's erasure takes the
    # pointer, the chain's end going first, and this one goes at a later pass)
    live = select(target.id).where(target.id == Ticket.merged_into_id)
    stmt = (
        select(Ticket.id)
        .where(Ticket.state == "closed", Ticket.closed_at < before, ~live.exists())
        .order_by(Ticket.closed_at, Ticket.id)
        .limit(limit)
    )
    if to_erase:
        stmt = stmt.with_for_update(skip_locked=True)
    return list(session.scalars(stmt))


def joined(session: Session, address: str, excluding: Sequence[int]) -> list[int]:
    """Tickets of others that ``address`` is on (Cc, watcher) or wrote to, oldest first.

    Not one of their own that :func:`requested` did not find (``excluding``): another
    instance's runner filed it after that look, a request that came as the erasure ran.
    It is kept whole, not taken for someone else's ticket and left with their address
    as its requester and none of their mail."""
    on = select(Participant.ticket_id).where(func.lower(Participant.email) == address)
    wrote = select(Message.ticket_id).where(
        func.lower(Message.from_addr) == address, Message.direction == "in"
    )
    found = set(session.scalars(on)) | set(session.scalars(wrote))
    found -= set(excluding)
    for chunk in chunks(sorted(found)):
        theirs = select(Ticket.id).where(
            Ticket.id.in_(chunk), func.lower(Ticket.requester) == address
        )
        found -= set(session.scalars(theirs))
    return sorted(found)


def messages_on(session: Session, ticket_ids: Sequence[int]) -> list[int]:
    out: list[int] = []
    for chunk in chunks(ticket_ids):
        out += session.scalars(select(Message.id).where(Message.ticket_id.in_(chunk)))
    return sorted(out)


def messages_of(session: Session, ticket_ids: Sequence[int]) -> list[tuple[Any, ...]]:
    """``(id, direction, from_addr, to, cc, subject, text, new_text)`` of every message
    on ``ticket_ids``."""
    cols = (
        Message.id,
        Message.direction,
        Message.from_addr,
        Message.to,
        Message.cc,
        Message.subject,
        Message.text,
        Message.new_text,
    )
    out: list[tuple[Any, ...]] = []
    for chunk in chunks(ticket_ids):
        out += [
            tuple(r) for r in session.execute(select(*cols).where(Message.ticket_id.in_(chunk)))
        ]
    return sorted(out)


def incoming_count(session: Session, message_ids: Sequence[int]) -> int:
    n = 0
    for chunk in chunks(message_ids):
        stmt = select(func.count()).where(Message.id.in_(chunk), Message.direction == "in")
        n += session.scalar(stmt) or 0
    return n


def attachment_count(session: Session, message_ids: Sequence[int]) -> int:
    n = 0
    for chunk in chunks(message_ids):
        stmt = select(func.count()).where(AttachmentRow.message_id.in_(chunk))
        n += session.scalar(stmt) or 0
    return n


def inbox_of(session: Session, message_ids: Sequence[int], ticket_ids: Sequence[int]) -> set[int]:
    """The inbox rows the messages were read from, and the rows filed on the tickets."""
    out: set[int] = set()
    for chunk in chunks(message_ids):
        stmt = select(Message.inbox_id).where(Message.id.in_(chunk), Message.inbox_id.is_not(None))
        out.update(i for i in session.scalars(stmt) if i is not None)
    for chunk in chunks(ticket_ids):
        out.update(session.scalars(select(InboxRow.id).where(InboxRow.ticket_id.in_(chunk))))
    return out


def inbox_still_read(session: Session, inbox_ids: Sequence[int], gone: set[int]) -> set[int]:
    """Of ``inbox_ids``, the rows a message that stays (not in ``gone``) was read from."""
    out: set[int] = set()
    for chunk in chunks(inbox_ids):
        stmt = select(Message.inbox_id, Message.id).where(Message.inbox_id.in_(chunk))
        out.update(i for i, m in session.execute(stmt) if m not in gone and i is not None)
    return out


def unfiled_heads(
    session: Session, address: str, ticket_ids: Sequence[int], also: Sequence[str] = ()
) -> list[tuple[int, str, str | None, bytes]]:
    """``(id, source, envelope_from, first bytes)`` of the inbox rows no message was read
    from, on no ticket or on ``ticket_ids``, whose envelope sender is ``address`` or whose
    bytes hold it anywhere (in any case): the ignored, rejected, shunted and pending rows
    that may be theirs. The caller decides from the head whose each one is.

    Row-locked; on PostgreSQL a row another instance's runner is filing right now is
    passed over (``SKIP LOCKED``): that runner waits for the erasure's ticket locks
    (:func:`requested`), so deleting its row waited on it in turn, a deadlock. Its mail
    came as the erasure ran, and is filed after it, as a new ticket. ``also``: the other
    ways a mail may write the address (its Unicode domain), looked for in the bytes too."""
    raw = InboxRaw.raw
    pg = session.get_bind().dialect.name == "postgresql"  # bytes as text: bytea escaped
    text = func.encode(raw, "escape") if pg else func.cast(raw, Text())
    holds = or_(*(_holds(session, text, a, escaped=pg) for a in (address, *also)))
    read = select(Message.inbox_id).where(Message.inbox_id.is_not(None))
    where = [InboxRow.ticket_id.is_(None)]
    where += [InboxRow.ticket_id.in_(chunk) for chunk in chunks(ticket_ids)]
    stmt = (
        select(
            InboxRow.id, InboxRow.source, InboxRow.envelope_from, func.substr(raw, 1, HEAD_BYTES)
        )
        .join(InboxRaw, InboxRaw.inbox_id == InboxRow.id)
        .where(or_(*where), InboxRow.id.not_in(read))
        .where(or_(func.lower(InboxRow.envelope_from) == address, holds))
        .order_by(InboxRow.id)
        .with_for_update(of=InboxRow, skip_locked=True)
    )
    return [(i, s, e, bytes(h or b"")) for i, s, e, h in session.execute(stmt)]


def outbox_of(session: Session, message_ids: Sequence[int], ticket_ids: Sequence[int]) -> set[int]:
    """The outbox rows of the messages, and every row of the tickets."""
    out: set[int] = set()
    for chunk in chunks(message_ids):
        stmt = select(Message.outbox_id).where(Message.id.in_(chunk))
        out.update(i for i in session.scalars(stmt) if i is not None)
    for chunk in chunks(ticket_ids):
        out.update(session.scalars(select(OutboxRow.id).where(OutboxRow.ticket_id.in_(chunk))))
    return out


def outbox_naming(session: Session, address: str, ticket_ids: Sequence[int]) -> list[Any]:
    """``(id, recipients)`` of the rows on no ticket or on ``ticket_ids`` whose
    recipients may hold ``address`` (the caller checks the list)."""
    where = [OutboxRow.ticket_id.is_(None)]
    where += [OutboxRow.ticket_id.in_(chunk) for chunk in chunks(ticket_ids)]
    listed = _holds(session, func.cast(OutboxRow.recipients, Text()), address)
    stmt = select(OutboxRow.id, OutboxRow.recipients).where(or_(*where), listed)
    return [(i, list(r or [])) for i, r in session.execute(stmt.order_by(OutboxRow.id))]


# a byte as PostgreSQL's bytea ``escape`` encoding writes it: a backslash doubled, a byte
# beyond ASCII as a backslash and three octal digits (zero bytes are in no address)
_ESCAPED = {0x5C: "\\\\", **{b: f"\\{b:03o}" for b in range(0x80, 0x100)}}


def _holds(session: Session, value: Any, address: str, *, escaped: bool = False) -> Any:
    """SQL: ``value`` (text) holds ``address`` in any case, or may (a plain search, no
    pattern: an address may hold ``_`` and ``%``). The database's lower() leaves letters
    beyond ASCII as they are (SQLite's; PostgreSQL's under the C locale, and a raw row's
    UTF-8 is escaped there), so for an address with such letters (``ünal@…`` of a mail
    from ``Ünal@…``) its ``@domain`` is looked for and the caller decides each row.
    ``escaped``: ``value`` is bytea as PostgreSQL's ``escape`` encoding writes it (a byte
    beyond ASCII as a backslash and three octal digits), and so is the needle."""
    needle = address if address.isascii() else address[address.rindex("@") :]
    if escaped:
        needle = "".join(_ESCAPED.get(b, chr(b)) for b in needle.encode())
    if session.get_bind().dialect.name == "postgresql":
        return func.strpos(func.lower(value), needle) > 0
    return func.instr(func.lower(value), needle) > 0  # SQLite: lower() folds ASCII


def events_of(session: Session, ticket_ids: Sequence[int]) -> list[tuple[Any, ...]]:
    """``(id, actor, old, new, detail)`` of every event on ``ticket_ids``."""
    cols = (TicketEvent.id, TicketEvent.actor, TicketEvent.old, TicketEvent.new, TicketEvent.detail)
    out: list[tuple[Any, ...]] = []
    for chunk in chunks(ticket_ids):
        stmt = select(*cols).where(TicketEvent.ticket_id.in_(chunk))
        out += [tuple(r) for r in session.execute(stmt)]
    return sorted(out)


def message_ids_of_outbox(session: Session, outbox_ids: Sequence[int]) -> dict[int, str]:
    """The Message-ID of each outbox row (what its copy in a maildir carries)."""
    out: dict[int, str] = {}
    for chunk in chunks(outbox_ids):
        stmt = select(OutboxRow.id, OutboxRow.message_id).where(OutboxRow.id.in_(chunk))
        out.update((i, m) for i, m in session.execute(stmt))
    return out


def count_sources(session: Session, inbox_ids: Sequence[int], sources: Iterable[str]) -> int:
    """How many of the inbox rows came through one of ``sources``."""
    n = 0
    for chunk in chunks(inbox_ids):
        stmt = select(func.count()).where(InboxRow.id.in_(chunk), InboxRow.source.in_(sources))
        n += session.scalar(stmt) or 0
    return n


def lifetimes(
    session: Session, ticket_ids: Sequence[int]
) -> list[tuple[int, datetime, datetime | None]]:
    """``(id, created_at, closed_at)`` of ``ticket_ids``: when a list could name each."""
    out: list[tuple[int, datetime, datetime | None]] = []
    for chunk in chunks(ticket_ids):
        stmt = select(Ticket.id, Ticket.created_at, Ticket.closed_at).where(Ticket.id.in_(chunk))
        out += [(i, c, d) for i, c, d in session.execute(stmt)]
    return sorted(out)


def sent_ticketless_between(
    session: Session, since: datetime, until: datetime
) -> list[tuple[int, datetime]]:
    """``(id, sent_at)`` of the sent mails on no ticket whose bytes are still kept, sent between
    ``since`` and ``until``: found on ``ix_outbox_sent_kept`` (the kept ones by when
    sent), so only the mails of that span are read, however many the outbox keeps. No
    ``state`` in the query (it would be planned on ``ix_outbox_due``, every row ever
    sent); a row with ``sent_at`` is a sent one."""
    stmt = select(OutboxRow.id, OutboxRow.sent_at, OutboxRow.ticket_id).where(
        OutboxRow.raw_dropped_at.is_(None),
        OutboxRow.sent_at >= since,
        OutboxRow.sent_at <= until,
    )
    found = session.execute(stmt)
    return sorted((i, at) for i, at, ticket in found if ticket is None and at is not None)


def raw_of(session: Session, outbox_ids: Sequence[int]) -> Iterator[tuple[int, bytes]]:
    """``(id, bytes)`` of the outbox rows whose bytes are still kept, a chunk at a time."""
    for chunk in chunks(sorted(outbox_ids)):
        stmt = select(OutboxRow.id, OutboxRow.raw).where(
            OutboxRow.id.in_(chunk), OutboxRow.raw_dropped_at.is_(None)
        )
        yield from ((i, bytes(raw or b"")) for i, raw in session.execute(stmt))


def sent_ticketless_ids(session: Session) -> list[int]:
    """The ids of the sent mails on no ticket whose bytes are still kept (a member's
    digest, a stale or SLA list, a handover mail: they list tickets)."""
    stmt = select(OutboxRow.id).where(
        OutboxRow.ticket_id.is_(None),
        OutboxRow.state == "sent",
        OutboxRow.raw_dropped_at.is_(None),
    )
    return sorted(session.scalars(stmt))
