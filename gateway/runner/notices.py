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

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from gateway.config.settings import Member, Settings
from gateway.core.model import ParsedMessage
from gateway.notify import views
from gateway.notify.queue import queue_ticket_mail, team, ticket_ref
from gateway.pipeline import loops
from gateway.runner.arrival import Arrival
from gateway.tickets import changes
from store import outbox, tickets
from store.models import Ticket

RATE_WINDOW = timedelta(hours=1)
ANSWER_WITHIN = timedelta(days=2)  # older requests (an archive being imported) get no mail


def acknowledge_new_ticket(a: Arrival, ticket: Ticket) -> bool:
    """Queue the acknowledgement unless a loop rule or the rate limit forbids it."""
    if not _may_answer(a, ticket, "acknowledgement"):
        return False
    view = views.Acknowledgement(
        team=team(a.settings),
        recipient=views.Person(ticket.requester, ticket.requester_name),
        ticket=ticket_ref(ticket, a.settings, a.now),
    )
    return (
        queue_ticket_mail(
            a.session,
            a.settings,
            ticket,
            view,
            key=f"ack:{ticket.id}",
            now=a.now,
            in_reply_to=a.answer_to,
        )
        is not None
    )


def ask_for_missing_fields(
    a: Arrival, ticket: Ticket, missing: Sequence[views.FieldRequest]
) -> bool:
    """One mail per ticket listing exactly the required fields the request left out."""
    if not missing or not _may_answer(a, ticket, "missing_fields"):
        return False
    view = views.MissingFields(
        team=team(a.settings),
        recipient=views.Person(ticket.requester, ticket.requester_name),
        ticket=ticket_ref(ticket, a.settings, a.now),
        missing=tuple(missing),
    )
    return (
        queue_ticket_mail(
            a.session,
            a.settings,
            ticket,
            view,
            key=f"fields:{ticket.id}",
            now=a.now,
            in_reply_to=a.answer_to,
        )
        is not None
    )


def notify_assignee(a: Arrival, ticket: Ticket) -> bool:
    """The new-ticket notice to its assignee, a member (so no loop rules apply, but
    one sender may cause at most ``ops_notices_per_hour`` of them)."""
    member = a.settings.member(ticket.assignee or "")
    if member is None or _too_old(a.msg, a.now):
        return False
    if not _ops_notice_allowed(a, ticket, "new_ticket"):
        return False
    view = views.NewTicket(
        team=team(a.settings),
        recipient=views.Person(member.email, member.name),
        ticket=ticket_ref(ticket, a.settings, a.now),
        excerpt=_excerpt(a.msg.new_text or a.msg.text),
    )
    return (
        queue_ticket_mail(
            a.session,
            a.settings,
            ticket,
            view,
            key=f"new:{ticket.id}",
            now=a.now,
            in_reply_to=a.answer_to,
            locale=member.locale or a.settings.gateway.locale,
        )
        is not None
    )


def notify_outsider(a: Arrival, ticket: Ticket) -> bool:
    """Tell the assignee (else the entry's manager) that someone not on the ticket
    answered one of its mails: the mail is attached, the sender gets nothing."""
    member = a.settings.member(ticket.assignee or "") or _manager(a, ticket)
    if member is None or not _ops_notice_allowed(a, ticket, "outsider_reply"):
        return False
    view = views.OutsiderReply(
        team=team(a.settings),
        recipient=views.Person(member.email, member.name),
        ticket=ticket_ref(ticket, a.settings, a.now),
        sender=views.Person(a.sender, a.msg.from_.name if a.msg.from_ else ""),
        excerpt=_excerpt(a.msg.new_text or a.msg.text),
        add_command=f"ticket-gateway tickets add-participant {ticket.id} {a.sender}",
    )
    return (
        queue_ticket_mail(
            a.session,
            a.settings,
            ticket,
            view,
            key=f"outsider:{a.row.id}",
            now=a.now,
            locale=member.locale or a.settings.gateway.locale,
        )
        is not None
    )


def _manager(a: Arrival, ticket: Ticket) -> Member | None:
    entry = a.catalog.entry(ticket.catalog or "")
    return a.settings.member(entry.manager or "") if entry is not None else None


def _ops_notice_allowed(a: Arrival, ticket: Ticket, kind: str) -> bool:
    """The hourly brake on mail to ops caused by one sender: a flood of requests (or
    of stranger replies) must not become a flood of notices. A notice not sent is
    an event, like an answer not sent."""
    since = a.now - RATE_WINDOW
    caused = tickets.opened_since(a.session, a.sender, since) + tickets.events_since(
        a.session, "outsider", a.sender, since
    )
    limit = a.settings.limits.ops_notices_per_hour
    if caused <= limit:
        return True
    changes.record(
        a.session,
        ticket,
        "no-ops-notice",
        a.now,
        actor="gateway",
        channel="system",
        detail={
            "reason": f"{caused} notices caused by {a.sender} in the last hour (limit {limit})",
            "mail": kind,
        },
    )
    return False


def under_rate_limit(
    session: Session,
    email: str,
    settings: Settings,
    now: datetime,
    kinds: Collection[str] = views.RATE_LIMITED,
) -> tuple[bool, int]:
    """The per-recipient hourly brake shared by every automatic answer; (ok, sent)."""
    recent = outbox.count_recent(session, email, kinds, now - RATE_WINDOW)
    return loops.within_rate_limit(recent, settings.gateway.auto_reply_limit), recent


def _may_answer(a: Arrival, ticket: Ticket, kind: str) -> bool:
    allowed, why = loops.may_auto_answer(
        a.msg, a.verdict, a.settings.own_addresses, a.row.envelope_from
    )
    if allowed and _too_old(a.msg, a.now):
        allowed, why = False, f"the message is dated {a.msg.date:%Y-%m-%d}, too old to answer"
    if allowed:
        allowed, recent = under_rate_limit(a.session, ticket.requester, a.settings, a.now)
        why = (
            ""
            if allowed
            else (f"rate limit: {recent} automatic mails to {ticket.requester} in the last hour")
        )
    if not allowed:
        changes.record(
            a.session,
            ticket,
            "no-auto-answer",
            a.now,
            actor="gateway",
            channel="system",
            detail={"reason": why, "mail": kind},
        )
    return allowed


def action_hold(a: Arrival) -> str:
    """Why a completed sheet must not start its action now ("" when it may): an imported
    archive's years-old request must not create accounts today, as it gets no answer."""
    if _too_old(a.msg, a.now) and a.msg.date is not None:
        return f"the message is dated {a.msg.date:%Y-%m-%d}, too old to act on"
    return ""


def _too_old(msg: ParsedMessage, now: datetime) -> bool:
    return msg.date is not None and now - msg.date > ANSWER_WITHIN


def _excerpt(text: str, limit: int = 1200) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit].rstrip() + " …"
