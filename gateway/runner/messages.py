"""The arriving message stored on its ticket, through the tickets service."""

from __future__ import annotations

from gateway.pipeline.files_sent import is_told
from gateway.runner.arrival import Arrival
from gateway.tickets import attaching
from store.messages import NewAttachment, NewMessage
from store.models import Ticket


def attach(a: Arrival, ticket: Ticket, *, kind: str, touch: bool, heard: str = "reply") -> int:
    """``kind``: request | reply; automated mail is stored under its loop verdict
    (bounce, auto-reply, …). ``touch``: it counts as activity on the ticket. ``heard``:
    what the members who have the ticket hear of it (:func:`attaching.attach`). A member's
    mail with no words is stored with the text the "no words" stage wrote for it."""
    msg, row = a.msg, a.row
    message = NewMessage(
        ticket_id=ticket.id,
        inbox_id=row.id,
        direction="in",
        message_id=msg.message_id,
        in_reply_to=" ".join(msg.in_reply_to),
        references=" ".join(msg.references),
        from_addr=a.stored_sender,
        from_name=msg.from_.name if msg.from_ else "",
        to=[x.email for x in msg.to],
        cc=[x.email for x in msg.cc],
        subject=msg.subject,
        date=msg.date,
        text=msg.text or a.shown,
        new_text=msg.new_text or a.shown,
        kind=a.verdict.value if a.automated else kind,
        defects=msg.defects,
        created_at=a.now,
        attachments=[
            NewAttachment(
                x.filename, x.original_filename, x.content_type, x.size, x.sha256, is_told(x)
            )
            for x in msg.attachments
        ],
    )
    return attaching.attach(a.session, ticket, message, a.now, touch=touch, heard=heard)
