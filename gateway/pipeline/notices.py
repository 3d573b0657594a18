"""Which automatic mails a processed message causes, queued in its transaction.

For now: the acknowledgement of a new ticket opened by a person. The brakes
come first: :func:`gateway.pipeline.loops.may_auto_answer` (auto-replies,
bounces, lists, daemons, ourselves) and the per-recipient hourly limit. A mail
we decide not to send is an event on the ticket, so "why did the customer get
no answer?" has an answer.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from gateway.model import ParsedMessage
from gateway.notify import views
from gateway.notify.queue import queue_ticket_mail, team, ticket_ref
from gateway.pipeline import loops
from gateway.pipeline.loops import LoopVerdict
from gateway.settings import Settings
from store import outbox, tickets
from store.inbox import PendingRow
from store.models import Ticket

RATE_WINDOW = timedelta(hours=1)

# The kinds that answer somebody's message; these count against the hourly limit.
AUTO_ANSWERS = frozenset({"acknowledgement", "missing_fields", "status_change",
                          "command_result", "command_refused"})


def own_addresses(settings: Settings) -> frozenset[str]:
    return frozenset({settings.gateway.address, *settings.smtp.aliases})


def acknowledge_new_ticket(
    session: Session,
    ticket: Ticket,
    msg: ParsedMessage,
    row: PendingRow,
    settings: Settings,
    now: datetime,
    verdict: LoopVerdict,
) -> bool:
    """Queue the acknowledgement unless a loop rule or the rate limit forbids it."""
    allowed, why = loops.may_auto_answer(msg, verdict, own_addresses(settings),
                                         row.envelope_from)
    if allowed:
        recent = outbox.count_recent(session, ticket.requester, AUTO_ANSWERS, now - RATE_WINDOW)
        if not loops.within_rate_limit(recent, settings.gateway.auto_reply_limit):
            allowed, why = False, (f"rate limit: {recent} automatic mails to "
                                   f"{ticket.requester} in the last hour")
    if not allowed:
        tickets.add_event(session, ticket, at=now, actor="gateway", channel="system",
                          kind="no-auto-answer", detail={"reason": why})
        return False
    view = views.Acknowledgement(
        team=team(settings),
        recipient=views.Person(ticket.requester, ticket.requester_name),
        ticket=ticket_ref(ticket, settings, now),
    )
    queued = queue_ticket_mail(session, settings, ticket, view, key=f"ack:{ticket.id}",
                               now=now, in_reply_to=_answerable(msg))
    return queued is not None


def _answerable(msg: ParsedMessage) -> str:
    return "" if msg.message_id_synthetic else msg.message_id
