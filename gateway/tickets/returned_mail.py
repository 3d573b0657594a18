"""A mail of ours that came back (a bounce names it): told once, whoever notices first.

A bounce is attached to the ticket whose mail it returns (automated mail never changes
a ticket), and the member who has the ticket must hear of it: they, and the author of
an answer it carried, believe the customer has it. Any mail to the requester counts:
an answer on an open ticket, the acknowledgement, a status mail, a pending reminder.
The runner tells it as the bounce arrives (:func:`on_arrival`); the sweeps read the
bounces of a waiting ticket again (:mod:`gateway.scheduling.returned`), for what it
means to the requester's clock and the no-response close. Both tell through
:func:`tell_once`: one claim per outbox row (``job_runs``, :data:`JOB`), so a second
bounce of the mail, the same bounce processed again, another instance or the next
pass tell nothing more. The notice is the one of any undelivered mail
(:func:`gateway.tickets.undelivered.failed`); a mail the relay already refused was
told by the sender, and is not told again.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy.orm import Session

from gateway.pipeline import bounced, loops
from gateway.tickets import undelivered
from gateway.tickets.returned_claims import JOB, told_claims
from store import jobs, merges, outbox, outbox_delivery
from store.models import Ticket

__all__ = ["JOB", "on_arrival", "returned_by", "tell_once", "told", "told_claims"]


def told(session: Session, ticket_id: int, mail: outbox_delivery.Delivery) -> bool:
    """Whether ``mail`` (of the ticket ``ticket_id``) was told as come back already."""
    return any(
        jobs.claimed(session, job, key) for job, key in told_claims(ticket_id, mail.id, mail.key)
    )


def tell_once(
    session: Session,
    ticket: Ticket,
    mail: outbox_delivery.Delivery,
    now: datetime,
    reason: str = "",
) -> bool:
    """The mail that came back in the ticket's history and its member's next notice
    (its author's too), once: False when it was told already, by whoever. ``reason``:
    what the bounce says the receiving server answered ("" if nothing)."""
    if told(session, ticket.id, mail):
        return False
    if not jobs.claim(session, JOB, str(mail.id), now, ticket_id=ticket.id):
        return False  # another instance told it meanwhile
    undelivered.failed(
        session,
        ticket,
        now,
        outbox_id=mail.id,
        kind=mail.kind,
        message_id=mail.message_id,
        recipients=mail.recipients,
        code=0,
        error=undelivered.came_back(reason),
        author=mail.author,
    )
    return True


def returned_by(session: Session, ticket: Ticket, raw: bytes) -> list[outbox_delivery.Delivery]:
    """The mails of ours on ``ticket`` (merged into it, maybe) that the bounce ``raw``
    names and says did not reach its requester
    (:func:`gateway.pipeline.bounced.came_back_from_requester`). A mail the relay
    refused or was given up on is not among them: the sender told it when it failed."""
    named = loops.returned_message_ids(raw)
    return [
        mail
        for mail in outbox_delivery.deliveries(session, named)
        if mail.state != outbox.FAILED
        and merges.final(session, mail.ticket_id) == ticket.id
        and bounced.came_back_from_requester(raw, ticket.requester, mail.recipients)
    ]


def on_arrival(
    session: Session, ticket: Ticket, raw: bytes, now: datetime, members: Collection[str] = ()
) -> int:
    """The runner's part: a bounce just attached to ``ticket``; how many mails of its
    were told now (0: none of ours to the requester, or told already). A mail of its to
    ``members`` (their addresses) that came back goes into the ticket's history too, as
    the relay's refusal of it would, and is not counted: nobody is mailed about it."""
    why = bounced.reason(raw, ticket.requester)
    told = sum(
        tell_once(session, ticket, mail, now, why) for mail in returned_by(session, ticket, raw)
    )
    for mail in _to_members(session, ticket, raw, members):
        tell_once(session, ticket, mail, now, bounced.reason(raw, mail.recipients[0]))
    return told


def _to_members(
    session: Session, ticket: Ticket, raw: bytes, members: Collection[str]
) -> list[outbox_delivery.Delivery]:
    """The mails of ours on ``ticket`` to members only (a new-ticket mail, a notice)
    that the bounce ``raw`` names and says came back (not a delay warning)."""
    if not members or not bounced.gave_up(raw):
        return []
    return [
        mail
        for mail in outbox_delivery.deliveries(session, loops.returned_message_ids(raw))
        if mail.state != outbox.FAILED
        and merges.final(session, mail.ticket_id) == ticket.id
        and mail.recipients
        and all(r in members for r in mail.recipients)
    ]
