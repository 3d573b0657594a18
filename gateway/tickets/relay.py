"""A member's answer to the requester: the one relay path, whichever door it came by.

A member's reply mail (``gateway/runner/ops.py``) and a member's Slack thread
reply sent on purpose (the "send to requester" shortcut, ``/reply``) both end
here: one answer mail per recipient — the requester and every non-member
participant, at most ``[limits] max_relay`` of them (the rest are recorded in an
event, never mailed) — queued through the outbox in the caller's transaction, from the
team address, threaded, and the first-response SLA stopped.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from gateway.config.settings import Member, Settings
from gateway.notify import views
from gateway.notify.queue import queue_ticket_mail, team, ticket_ref
from gateway.pipeline import loops
from gateway.tickets import changes
from store import tickets
from store.models import Ticket


def relay_answer(
    session: Session,
    settings: Settings,
    ticket: Ticket,
    member: Member,
    text: str,
    *,
    key: str,
    now: datetime,
    channel: str,
) -> int:
    """Queue ``text`` to the ticket's people; how many it went to. ``key`` names the
    cause (an inbox row, a Slack message), so doing it again queues nothing new."""
    text = text.strip()
    if not text:
        return 0
    people = [ticket.requester.lower(), *tickets.participant_emails(session, ticket.id)]
    everyone = [
        p
        for p in dict.fromkeys(people)
        if settings.member(p) is None
        and "@" in p
        and not loops.is_own_address(p, settings.own_addresses)
    ]
    limit = settings.limits.max_relay  # the requester first, then in the order they joined
    recipients, left_out = everyone[:limit], everyone[limit:]
    if left_out:
        changes.record(
            session,
            ticket,
            "relay-limited",
            now,
            actor=member.email,
            channel=channel,
            detail={"limit": limit, "not_sent": len(left_out), "first_not_sent": left_out[:20]},
        )
    thread = tickets.thread_ids(session, ticket.id)
    for email in recipients:
        name = ticket.requester_name if email == ticket.requester.lower() else ""
        view = views.OpsReply(
            team=team(settings),
            recipient=views.Person(email, name),
            ticket=ticket_ref(ticket, settings, now),
            author=views.Person(member.email, member.name),
            text=text,
        )
        queue_ticket_mail(
            session,
            settings,
            ticket,
            view,
            key=f"{key}:{email}",
            now=now,
            in_reply_to=thread[0] if thread else "",
        )
    if recipients:
        changes.record_first_response(session, ticket, now, actor=member.email, channel=channel)
    return len(recipients)
