"""A message stored on a ticket, and who hears of it.

Apart from :mod:`gateway.tickets.changes` because storing a message changes no state,
field or assignee: it records words, touches the ticket's activity when a person wrote,
and tells the members who have the ticket (a notice at commit) and the ticket's chat
thread (the requester's own words only) what arrived.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from gateway.tickets import news
from gateway.tickets.conversation import Fact, note
from store import ticket_rows
from store.messages import NewMessage, add_message
from store.models import Ticket

# the kinds of arriving message the members who have the ticket hear of
HEARD_KINDS = frozenset(
    {
        "reply",  # a person's reply (their words, or their thanks)
        "unverified",  # a reply that proves nothing about its sender: told as such
    }
)


def attach(
    session: Session,
    ticket: Ticket,
    message: NewMessage,
    now: datetime,
    *,
    touch: bool,
    heard: str = "reply",
) -> int:
    """Store a message on the ticket; ``touch``: it counts as activity (a person wrote).
    ``heard``: what the members who have the ticket hear of a person's reply (``reply``,
    ``thanks`` when it only thanked, ``unverified`` for words not proven the sender's,
    "" nothing). Only a proven reply of the requester goes to the chat thread."""
    row_id = add_message(session, message)
    if touch:
        ticket_rows.set_columns(session, ticket, updated_at=now)
    if message.direction == "in" and message.kind in HEARD_KINDS:
        if heard:
            who = message.from_addr.strip().lower()
            # the files sent, not a signature's logo nor winmail.dat (NewAttachment.told)
            files = tuple((a.filename, a.size) for a in message.attachments if a.told)
            note(
                session,
                Fact(ticket, heard, now, who, text=message.new_text.strip(), attached=files),
            )
        if message.kind == "reply" and _from_requester(ticket, message):
            news.replied(
                session, ticket, message.message_id, message.from_addr, message.new_text, now
            )
    return row_id


def _from_requester(ticket: Ticket, message: NewMessage) -> bool:
    """Only the requester's own words go to the chat thread (a member's mail may carry
    internal notes, and the requester may well be reading that channel)."""
    return message.from_addr.strip().lower() == ticket.requester.strip().lower()
