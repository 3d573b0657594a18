"""How each catalog entry looked on the Slack cards (:class:`CardLook`), and the open
tickets whose cards show an entry: what a catalog change needs to bring cards up to
date (:mod:`gateway.chat.refresh`). Like every query module, nothing here commits."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gateway.core.model import TicketState
from store.models import CardLook, ChatOutboxRow, ChatThread, Ticket


@dataclass(frozen=True, slots=True)
class Look:
    look: str  # a digest of what the cards show of the entry
    generation: int  # how many times it changed since first recorded


@dataclass(frozen=True, slots=True)
class Card:
    ticket_id: int
    entry_id: str
    channel: str


def stored(session: Session) -> dict[str, Look]:
    """Every entry's recorded look, by entry id; locked on PostgreSQL, so two posters
    of one database do not both count a change (the second waits, then sees it)."""
    rows = session.scalars(select(CardLook).with_for_update())
    return {r.entry_id: Look(r.look, r.generation) for r in rows}


def record(session: Session, entry_id: str, look: Look, now: datetime) -> None:
    row = session.get(CardLook, entry_id)
    if row is None:
        session.add(CardLook(entry_id=entry_id, look=look.look, generation=look.generation,
                             changed_at=now))  # fmt: skip
    else:
        row.look, row.generation, row.changed_at = look.look, look.generation, now
    session.flush()


def open_cards(session: Session, entry_ids: Collection[str]) -> list[Card]:
    """The Slack cards (posted: they have a ts) of the tickets filed under
    ``entry_ids`` that are not closed, oldest ticket first."""
    if not entry_ids:
        return []
    stmt = (
        select(Ticket.id, Ticket.catalog, ChatThread.channel)
        .join(ChatThread, ChatThread.ticket_id == Ticket.id)
        .where(
            Ticket.catalog.in_(sorted(entry_ids)),
            Ticket.state != TicketState.CLOSED.value,
            ChatThread.provider == "slack",
            ChatThread.card_ts != "",
        )
        .order_by(Ticket.id)
    )
    return [Card(int(t), str(e), str(ch)) for t, e, ch in session.execute(stmt)]


def due_at(session: Session, post_id: int, when: datetime) -> None:
    """A queued chat post is not tried before ``when`` (spread out under Slack's limits)."""
    session.execute(
        update(ChatOutboxRow).where(ChatOutboxRow.id == post_id).values(next_attempt_at=when)
    )
