"""A member's answer to the requester: the one relay path, whichever door it came by.

A member's reply mail (``gateway/runner/ops.py``) and a member's Slack thread
reply sent on purpose (the "send to requester" shortcut, ``/reply``) both end
here: the member's words, as written, go to the requester and every non-member
participant (at most ``[limits] max_relay`` of them; the rest are recorded in an
event, never mailed), one answer mail each from the team address, threaded; the
first-response SLA stops. The mails are queued when the transaction commits
(:mod:`gateway.tickets.conversation`), so a state change made in the same
transaction — ``/close`` in the same reply — rides in the same mail.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from gateway.config.settings import Member, Settings
from gateway.pipeline import loops
from gateway.tickets import changes, conversation
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
    """Queue ``text`` to the ticket's people; how many it goes to. ``key`` names the
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
        and loops.writable(p)  # a Cc of 田中@例え.jp never stops the others' answer
        and not loops.is_own_address(p, settings.own_addresses)
    ]
    limit = settings.limits.max_relay  # the requester first, then in the order they joined
    recipients, left_out = tuple(everyone[:limit]), everyone[limit:]
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
    if recipients:
        conversation.relayed(session, ticket, member.email, text, recipients, now, key=key)
        changes.record_first_response(session, ticket, now, actor=member.email, channel=channel)
    return len(recipients)
