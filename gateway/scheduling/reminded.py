"""When the requester's pending reminder reached them: the start of the close's grace.

The sweep claims the reminder (``job_runs``) and queues it in the outbox in one
transaction, but the mail leaves when the sender gets it through: a relay down for
two days held the reminder that long, and a grace counted from the claim then closed
the ticket as the reminder arrived. So the grace counts from the outbox's ``sent_at``;
while the mail waits there the close waits too, and a reminder that never arrived —
refused or given up on by the relay (``failed``), or sent and then bounced (a bounce
on the ticket quoting its Message-ID) — holds the close for good: the requester was
never asked, and closing "for no response" would close on them silently. The member
who has the ticket is told, as of any mail of it that was not delivered
(:mod:`gateway.tickets.undelivered`: by the sender for a refusal; for a bounce by the
runner as it arrives, else here, once: :mod:`gateway.tickets.returned_mail`); the
ticket stays pending for them to decide, and as
nothing else will ask about it, they are reminded of it as of a stale ticket
(:mod:`gateway.scheduling.stale`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from gateway.scheduling import returned
from gateway.tickets import returned_claims, returned_mail
from store import outbox, outbox_delivery
from store.models import Ticket


def reminder_key(period: str) -> str:
    """The outbox key of the pending reminder of ``period`` (a ``PendingDue.key``)."""
    return returned_claims.REMINDER + period


def grace_from(
    session: Session, ticket: Ticket, period: str, claimed: datetime, now: datetime
) -> datetime | None:
    """When the reminder of ``period`` (claimed at ``claimed``) went out, or None while
    it has not reached the requester (queued still, failed, bounced): no close then.
    No mail queued at all (a requester we do not write to, such as a monitoring
    alert's: its ``no-auto-answer`` event says why) has nothing to wait for, and counts
    from the claim. A bounce found is told once, at ``now``, unless the runner told it
    as it arrived (:func:`gateway.tickets.returned_mail.tell_once`)."""
    mail = outbox_delivery.delivery(session, reminder_key(period))
    if mail is None:
        return claimed
    if mail.state != outbox.SENT or mail.sent_at is None:
        return None  # waiting for the relay, or failed for good (the sender told it)
    if returned_mail.told(session, ticket.id, mail):
        return None  # bounced, and told (by the runner as it arrived, or a pass)
    since = min(claimed, mail.sent_at)  # a bounce comes after the mail it returns
    if returned.came_back(session, ticket, {mail.message_id: mail.recipients}, since):
        returned_mail.tell_once(session, ticket, mail, now)
        return None
    return max(mail.sent_at, claimed)  # a clock stepped back while it was sent: the claim
