"""Mails of a waiting ticket that came back: the requester never saw them.

A bounce is attached to the ticket whose mail it returns, and its member told
(automated mail never changes a ticket). While the ticket waits on its
requester, what came back matters twice: an answer that bounced asked them nothing, so
it must not restart their clock (:mod:`gateway.scheduling.waiting`), or the reminder and
the no-response close would follow an answer they never got; and a reminder that
bounced must not lead to the close (:mod:`gateway.scheduling.reminded`). Either way the
member is told, once, by the one notice of an undelivered mail: the runner tells it as
the bounce arrives, and what it told the sweeps do not tell again (one claim per
returned mail, :func:`gateway.tickets.returned_mail.tell_once`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from gateway.pipeline import bounced, loops
from gateway.scheduling import waiting
from gateway.tickets import returned_mail
from store import messages, outbox_delivery
from store.models import Ticket


def came_back(
    session: Session, ticket: Ticket, mails: Mapping[str, Collection[str]], since: datetime
) -> set[str]:
    """Those of ``mails`` (Message-ID → recipients) that a bounce stored on the ticket
    since ``since`` returns as not delivered to its requester
    (:func:`gateway.pipeline.bounced.came_back_from_requester`)."""
    if not mails:
        return set()
    back: set[str] = set()
    for raw in messages.returned_since(session, ticket.id, since, loops.LoopVerdict.BOUNCE):
        named = set(loops.returned_message_ids(raw)) & set(mails)
        back.update(
            m for m in named if bounced.came_back_from_requester(raw, ticket.requester, mails[m])
        )
    return back


def seen(
    session: Session, ticket: Ticket, touches: Sequence[waiting.Touch], now: datetime
) -> list[waiting.Touch]:
    """``touches`` without the mails to the requester that came back, each told once.
    Only a mail that would restart the clock is looked for, so a wait with no answer in
    it reads no bounce at all."""
    answers = [t for t in touches if t.message_id and waiting.restarts(t, ticket.requester)]
    if not answers:
        return list(touches)
    since = min(t.at for t in answers)  # a bounce comes after the mail it returns
    back = came_back(session, ticket, {t.message_id: t.to for t in answers}, since)
    for mail in outbox_delivery.deliveries(session, back):
        returned_mail.tell_once(session, ticket, mail, now)
    return [t for t in touches if t.message_id not in back]
