"""Where a mail the gateway queued is on its way (pending, sent, failed), read by what
answers for it later: a bounce names the mail it returns (its Message-ID), a pending
reminder its key. Apart from :mod:`store.outbox`, which writes and sends the rows."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.fast_query import PerLength
from store.models import InboxRaw, InboxRow, OutboxRow
from store.tickets import FAST_ID_LISTS


@dataclass(frozen=True, slots=True)
class Delivery:
    """Where one mail is on its way: ``state`` pending|sent|failed, and when it left."""

    id: int
    kind: str
    message_id: str
    recipients: tuple[str, ...]
    state: str
    sent_at: datetime | None
    author: str | None = None  # the member whose words it carries: told if it fails
    ticket_id: int | None = None  # the ticket it was written on (merged since, maybe)
    key: str = ""  # its idempotency key: what queued it (a pending reminder's period)


_DELIVERY = select(
    OutboxRow.id,
    OutboxRow.kind,
    OutboxRow.message_id,
    OutboxRow.recipients,
    OutboxRow.state,
    OutboxRow.sent_at,
    OutboxRow.author,
    OutboxRow.ticket_id,
    OutboxRow.idempotency_key,
)


# every bounce on a ticket asks which of our mails it names (a handful of Message-IDs):
# built once per length and run on the driver (issue #18: through the ORM it was 4 % of
# a bulk ingest's time)
_BY_MESSAGE_IDS = PerLength(
    "mid", lambda ids: _DELIVERY.where(OutboxRow.message_id.in_(ids)).order_by(OutboxRow.id)
)


def delivery(session: Session, key: str) -> Delivery | None:
    """The mail queued under idempotency ``key``, or None when none was (nothing
    written: the caller's brakes withheld it)."""
    found = session.execute(_DELIVERY.where(OutboxRow.idempotency_key == key)).first()
    return None if found is None else _delivery(*found)


def deliveries(session: Session, message_ids: Collection[str]) -> list[Delivery]:
    """The mails queued here under these Message-IDs (a bounce names one), in id order."""
    if not message_ids:
        return []
    if len(message_ids) > FAST_ID_LISTS:  # a long list: one statement made for it
        stmt = _DELIVERY.where(OutboxRow.message_id.in_(sorted(message_ids)))
        return [_delivery(*found) for found in session.execute(stmt.order_by(OutboxRow.id))]
    query, values = _BY_MESSAGE_IDS.query(sorted(message_ids))
    return [_delivery(*found) for found in query.all(session, values)]


def waiting_for_retry(session: Session) -> int:
    """Pending mail that was tried and waits for its next try (the relay down, a
    recipient deferred), due now or later: what ``send`` says is left to retry, not
    only what its own pass put back (a pass before the retry is due tries none)."""
    stmt = select(func.count()).where(OutboxRow.state == "pending", OutboxRow.attempts > 0)
    return int(session.execute(stmt).scalar_one())


def _delivery(
    i: int,
    kind: str,
    mid: str,
    to: list[str] | None,
    state: str,
    sent: datetime | None,
    author: str | None,
    ticket_id: int | None,
    key: str,
) -> Delivery:
    return Delivery(i, kind, mid, tuple(to or ()), state, sent, author, ticket_id, key)


# the row of a bounce of a mail of ours about no ticket: ignored, on no ticket, its
# reason "bounce: our … came back" (gateway.runner.early). Not every bounce on no ticket
# ("bounce that belongs to no ticket"): the backscatter of spam sent under our address
# comes by the hundred and would push a member's bounce out of the newest ``limit``
OUR_MAIL_BOUNCED = "bounce: our"  # the reason's first words, written by the runner


def ticketless_bounces(
    session: Session, since: datetime, limit: int = 50
) -> list[tuple[int, datetime, bytes]]:
    """(inbox id, when processed, raw bytes) of the bounces of our mails about no
    ticket, processed since ``since``, the newest ``limit``: what ``status`` reads to
    find a member's mail that came back (the raw bytes name it; the reason only picks
    the rows)."""
    stmt = (
        select(InboxRow.id, InboxRow.processed_at, InboxRaw.raw)
        .join(InboxRaw, InboxRaw.inbox_id == InboxRow.id)
        .where(
            InboxRow.state == "ignored",
            InboxRow.ticket_id.is_(None),
            InboxRow.processed_at >= since,
            InboxRow.reason.startswith(OUR_MAIL_BOUNCED + " ", autoescape=True),
        )
        .order_by(InboxRow.id.desc())
        .limit(limit)
    )
    return [(i, at or since, bytes(raw)) for i, at, raw in session.execute(stmt)]
