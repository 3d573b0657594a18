"""Message rows: the one builder for a mail stored on a ticket, in either direction.

The runner stores what came in (through the tickets service), the outbox
queue stores what we send; both describe the message with :class:`NewMessage`,
so the columns are filled in one place. INSERTs compiled once and run on the
driver (:mod:`store.fast_insert`): on the ingest path building and flushing ORM
objects, and then SQLAlchemy's per-statement work, cost more than the SQL itself
(bench/ingest.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from store.fast_insert import FastInsert
from store.models import AttachmentRow, InboxRaw, Message, table_of


@dataclass(frozen=True, slots=True)
class NewAttachment:
    filename: str  # already one safe path component
    original_filename: str
    content_type: str
    size: int
    sha256: str
    # named in the members' notice of the message: a file its writer sent, not a logo
    # the HTML shows nor winmail.dat (gateway.pipeline.files_sent); no column of its own
    told: bool = True


@dataclass(frozen=True, slots=True)
class NewMessage:
    ticket_id: int
    direction: str  # in | out
    message_id: str  # without angle brackets
    kind: str  # request | reply | bounce | auto-reply | … | the template kind when out
    created_at: datetime
    inbox_id: int | None = None  # where the raw bytes are (in)
    outbox_id: int | None = None  # … (out)
    in_reply_to: str = ""  # Message-IDs, space separated
    references: str = ""
    from_addr: str = ""
    from_name: str = ""
    to: Sequence[str] = ()
    cc: Sequence[str] = ()
    subject: str = ""
    date: datetime | None = None
    text: str = ""
    new_text: str = ""
    defects: Sequence[str] = ()
    attachments: Sequence[NewAttachment] = ()

    def values(self) -> dict[str, Any]:
        """The ``messages`` columns (attachments go in their own rows)."""
        return {
            "ticket_id": self.ticket_id,
            "inbox_id": self.inbox_id,
            "outbox_id": self.outbox_id,
            "direction": self.direction,
            "message_id": self.message_id,
            "in_reply_to": self.in_reply_to,
            "references": self.references,
            "from_addr": self.from_addr,
            "from_name": self.from_name,
            "to": list(self.to),
            "cc": list(self.cc),
            "subject": self.subject,
            "date": self.date,
            "text": self.text,
            "new_text": self.new_text,
            "kind": self.kind,
            "defects": list(self.defects),
            "created_at": self.created_at,
        }


def add_message(session: Session, message: NewMessage) -> int:
    """Insert a message and its attachment rows; returns the message's row id."""
    row_id: int = _INSERT_MESSAGE.one(session, message.values())
    if message.attachments:
        _INSERT_ATTACHMENT.many(
            session,
            [
                {
                    "message_id": row_id,
                    "filename": a.filename,
                    "original_filename": a.original_filename,
                    "content_type": a.content_type,
                    "size": a.size,
                    "sha256": a.sha256,
                }
                for a in message.attachments
            ],
        )
    return row_id


_MESSAGES = table_of(Message)
_INSERT_MESSAGE = FastInsert(
    _MESSAGES, [c.name for c in _MESSAGES.columns if c.name != "id"], returning="id"
)
_INSERT_ATTACHMENT = FastInsert(
    table_of(AttachmentRow),
    ["message_id", "filename", "original_filename", "content_type", "size", "sha256"],
)


def rewrite_outgoing(
    session: Session, outbox_id: int, *, subject: str, text: str, date: datetime
) -> None:
    """The stored copy of a held notice, after it was rendered again with more in it."""
    session.execute(
        table_of(Message)
        .update()
        .where(table_of(Message).c.outbox_id == outbox_id)
        .values(subject=subject, text=text, new_text=text, date=date)
    )


# what :func:`returned_since` reads of each bounce, and how many: the returned headers
# come before any returned body, and a ticket that gets more bounces than this after one
# mail of ours is under a flood, not being told of one mail
RETURNED_HEAD = 256 * 1024
RETURNED_MOST = 50


def returned_since(session: Session, ticket_id: int, since: datetime, kind: str) -> list[bytes]:
    """The first bytes (``RETURNED_HEAD``) of the first ``RETURNED_MOST`` mails of
    ``kind`` (a loop verdict: ``bounce``) stored on the ticket since ``since``: which
    mail they are about is in the bytes only (the Message-ID they quote)."""
    stmt = (
        select(func.substr(InboxRaw.raw, 1, RETURNED_HEAD))
        .join(Message, Message.inbox_id == InboxRaw.inbox_id)
        .where(
            Message.ticket_id == ticket_id,
            Message.direction == "in",
            Message.kind == kind,
            Message.created_at >= since,
        )
        .order_by(Message.id)
        .limit(RETURNED_MOST)
    )
    return [bytes(raw) for raw in session.scalars(stmt)]


def drop_outgoing(session: Session, outbox_ids: Sequence[int]) -> None:
    """The stored copies of outgoing mails that were taken back unsent
    (:func:`store.outbox.withdraw`): a ticket lists the mails that went out."""
    if outbox_ids:
        session.execute(delete(Message).where(Message.outbox_id.in_(list(outbox_ids))))
