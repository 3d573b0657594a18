"""Which automatic mails a processed message causes, queued in its transaction.

A new ticket opened by a person gets an acknowledgement and, when its catalog
entry's required fields are missing, one mail asking for exactly those; its
assignee gets a new-ticket notice. The brakes come first:
:func:`gateway.pipeline.loops.may_auto_answer` (auto-replies, bounces, lists,
daemons, ourselves), the per-recipient hourly limit, and the message's age (an
imported archive must not answer years-old requests). A mail we decide not to
send is an event on the ticket, so "why did the customer get no answer?" has
an answer.
"""

from __future__ import annotations

from collections.abc import Sequence
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
ANSWER_WITHIN = timedelta(days=2)  # older requests (an archive being imported) get no mail

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
    if not _may_answer(session, ticket, msg, row, settings, now, verdict, "acknowledgement"):
        return False
    view = views.Acknowledgement(
        team=team(settings),
        recipient=views.Person(ticket.requester, ticket.requester_name),
        ticket=ticket_ref(ticket, settings, now),
    )
    queued = queue_ticket_mail(session, settings, ticket, view, key=f"ack:{ticket.id}",
                               now=now, in_reply_to=_answerable(msg))
    return queued is not None


def ask_for_missing_fields(
    session: Session,
    ticket: Ticket,
    msg: ParsedMessage,
    row: PendingRow,
    settings: Settings,
    now: datetime,
    verdict: LoopVerdict,
    missing: Sequence[views.FieldRequest],
) -> bool:
    """One mail per ticket listing exactly the required fields the request left out."""
    if not missing or not _may_answer(session, ticket, msg, row, settings, now, verdict,
                                      "missing_fields"):
        return False
    view = views.MissingFields(
        team=team(settings),
        recipient=views.Person(ticket.requester, ticket.requester_name),
        ticket=ticket_ref(ticket, settings, now),
        missing=tuple(missing),
    )
    return queue_ticket_mail(session, settings, ticket, view, key=f"fields:{ticket.id}",
                             now=now, in_reply_to=_answerable(msg)) is not None


def notify_assignee(
    session: Session, ticket: Ticket, msg: ParsedMessage, settings: Settings, now: datetime
) -> bool:
    """The new-ticket notice to its assignee, a member (so no loop rules apply)."""
    member = settings.member(ticket.assignee or "")
    if member is None or _too_old(msg, now):
        return False
    view = views.NewTicket(
        team=team(settings),
        recipient=views.Person(member.email, member.name),
        ticket=ticket_ref(ticket, settings, now),
        excerpt=_excerpt(msg.new_text or msg.text),
    )
    return queue_ticket_mail(session, settings, ticket, view, key=f"new:{ticket.id}", now=now,
                             in_reply_to=_answerable(msg),
                             locale=member.locale or settings.gateway.locale) is not None


def _may_answer(
    session: Session,
    ticket: Ticket,
    msg: ParsedMessage,
    row: PendingRow,
    settings: Settings,
    now: datetime,
    verdict: LoopVerdict,
    kind: str,
) -> bool:
    allowed, why = loops.may_auto_answer(msg, verdict, own_addresses(settings),
                                         row.envelope_from)
    if allowed and _too_old(msg, now):
        allowed, why = False, f"the message is dated {msg.date:%Y-%m-%d}, too old to answer"
    if allowed:
        recent = outbox.count_recent(session, ticket.requester, AUTO_ANSWERS, now - RATE_WINDOW)
        if not loops.within_rate_limit(recent, settings.gateway.auto_reply_limit):
            allowed, why = False, (f"rate limit: {recent} automatic mails to "
                                   f"{ticket.requester} in the last hour")
    if not allowed:
        tickets.add_event(session, ticket, at=now, actor="gateway", channel="system",
                          kind="no-auto-answer", detail={"reason": why, "mail": kind})
    return allowed


def _too_old(msg: ParsedMessage, now: datetime) -> bool:
    return msg.date is not None and now - msg.date > ANSWER_WITHIN


def _excerpt(text: str, limit: int = 1200) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit].rstrip() + " …"


def _answerable(msg: ParsedMessage) -> str:
    return "" if msg.message_id_synthetic else msg.message_id
