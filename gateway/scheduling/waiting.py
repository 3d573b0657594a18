"""Since when a pending ticket waits on its requester: what restarts their clock.

The pending reminder ("we are still waiting for your answer") and the no-response close
count from the last thing that asked the requester something, not from the ticket's
last touch. A member's own work on a waiting ticket — a note, a reassignment, a refile,
a watcher, a new priority or due date — asks them nothing: restarting their clock on it
put the reminder off and, once it was sent, sent them a second one, although nothing
was asked of them again (Zammad, osTicket and RT count from what the customer sees).
Their own reply needs no row: it takes the ticket out of pending
(:func:`gateway.tickets.states.on_requester_reply`).

A mail that came back (a bounce on the ticket quoting its Message-ID, naming the
requester among the recipients it failed for) was not seen: it restarts nothing, and the
clock runs from what they last really could see (:mod:`gateway.scheduling.returned`).

The assignee's stale reminder is another clock (:func:`gateway.scheduling.rules.stale_period`):
it asks whether anyone works on the ticket, so every touch, a member's too, counts there.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime


class Restart(enum.Enum):
    NO = "no"
    YES = "yes"
    TO_REQUESTER = "to-requester"  # a mail: when the requester is one of its recipients


# What happened on a pending ticket, by kind: a ticket event's (``ticket_events.kind``,
# hyphenated) or a mail's sent on it (``messages.kind`` of an outgoing one, with an
# underscore) → does the requester's clock start again? A kind not here restarts nothing:
# new work of the team's must not ask the requester again unnoticed; add here what they see.
RESTARTS: Mapping[str, Restart] = {
    # set pending (again): their status mail asks them; while a ticket is pending its
    # last state change is the one into pending
    "state": Restart.YES,
    # a member's answer relayed to them: words they read, most often a new question
    "ops_reply": Restart.TO_REQUESTER,
    # the catalog action's reply in the team's words reached them: they read it too
    "action_reply": Restart.TO_REQUESTER,
    # the reminder itself: counting it would put the close off for ever (its grace is
    # counted from when it went out: gateway.scheduling.reminded)
    "pending_reminder": Restart.NO,
    # the status mail follows a state change, which the "state" row counts already
    "status_change": Restart.NO,
    # an internal note: never shown to the requester
    "note": Restart.NO,
    # who works on it is the team's business: nothing is asked of them
    "assign": Restart.NO,
    # refiled under another entry: its close time may differ, the wait began the same
    "category": Restart.NO,
    # someone else hears the answers from now on; the requester is asked nothing
    "watcher": Restart.NO,
    # a Cc who wrote, or a member who acted, joins the ticket
    "participant": Restart.NO,
    # how urgent it is for the team
    "priority": Restart.NO,
    # the team's own promise (/due), not a question to the requester
    "due": Restart.NO,
    # a sheet value a member set (the requester's own reply ends the wait anyway)
    "field": Restart.NO,
    # a saved answer's record: its words reach them as an ops_reply, counted there
    "answer": Restart.NO,
    # recorded with the first answer, which is counted as the answer it is
    "first-response": Restart.NO,
    # a mail the requester did not get, and why: nothing reached them
    "no-auto-answer": Restart.NO,
}


@dataclass(frozen=True, slots=True)
class Touch:
    """One thing that happened on the ticket: its kind, when, and a mail's recipients."""

    kind: str
    at: datetime
    to: tuple[str, ...] = ()
    message_id: str = ""  # a mail's: a bounce names it


def restart_kinds() -> frozenset[str]:
    """The kinds that may restart the clock: the only ones worth reading."""
    return frozenset(k for k, r in RESTARTS.items() if r != Restart.NO)


def restarts(touch: Touch, requester: str) -> bool:
    """Whether ``touch`` starts the requester's wait again (:data:`RESTARTS`)."""
    rule = RESTARTS.get(touch.kind, Restart.NO)
    if rule == Restart.TO_REQUESTER:
        return requester.lower() in (a.lower() for a in touch.to)
    return rule == Restart.YES


def requester_clock(since: datetime, touches: Iterable[Touch], *, requester: str) -> datetime:
    """When the requester's wait began: ``since`` (the ticket was set pending, or its
    last touch when no such event is known) or the last touch that restarts it."""
    return max([since, *(t.at for t in touches if restarts(t, requester))])
