"""Which tickets are stale: one rule for the stale reminder, the digest and the board.

A ticket is stale when nobody touched it for its entry's ``stale_after``
(:func:`gateway.scheduling.rules.stale_period`). A pending ticket whose pending reminder
never reached the requester (refused or given up on by the relay, or come back: its
bounce told) waits on nothing: nobody asks the requester again and nothing closes it
(:mod:`gateway.scheduling.reminded`). Under an entry without ``stale_after`` it is
stale on ``[schedule] pending_reminder_after`` instead, so its member hears of it until
someone acts (RT and Zammad put it back in front of the agent).

The reminder, the digest's marks, the board's stale counts, its cards' badges and its
``mark=stale`` list all ask :func:`stale_times` with the ids :func:`unreached` found,
so none of them can say a ticket is stale that another does not. :func:`unreached`
reads every ticket it is given in three queries, not one per ticket: the board and the
digest read all the open tickets.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from gateway.config.settings import ScheduleSettings
from gateway.core.model import TicketState
from gateway.scheduling import rules, waiting
from gateway.scheduling.rules import TicketTimes
from gateway.tickets import returned_claims
from store import jobs, outbox, reminders

REMINDER_PREFIX = returned_claims.REMINDER  # the outbox keys of the pending reminders


class Waiting(Protocol):
    """What :func:`unreached` reads of a ticket: an ORM row or a plain query row."""

    @property
    def id(self) -> int: ...
    @property
    def state(self) -> str: ...


def unreached(session: Session, tickets: Iterable[Waiting]) -> frozenset[int]:
    """The ids of the pending ``tickets`` whose wait's reminder (the last one queued
    since the ticket was last set pending) never reached the requester: failed for
    good, or told as come back (:func:`gateway.tickets.returned_claims.told_claims`), and
    no answer reached them since (a new wait: :data:`gateway.scheduling.waiting.RESTARTS`;
    one that came back, told, restarts nothing). Three queries for any number."""
    pending = [t.id for t in tickets if t.state == TicketState.PENDING]
    last = reminders.last_reminders(session, pending, REMINDER_PREFIX)
    failed = {tid for tid, (_, _, state, _) in last.items() if state == outbox.FAILED}
    sent = {
        tid: returned_claims.told_claims(tid, oid, key)
        for tid, (oid, key, _, _) in last.items()
        if tid not in failed
    }
    answers = _answers_since(session, last)
    claims = {c for told in (*sent.values(), *answers.values()) for c in told}
    taken = jobs.claimed_among(session, claims)
    came_back = {tid for tid, told in sent.items() if taken.intersection(told)}
    # an answer that reached them (its bounce not told) began a new wait
    answered = {tid for (tid, _), told in answers.items() if not taken.intersection(told)}
    return frozenset((failed | came_back) - answered)


def _answers_since(
    session: Session, last: dict[int, tuple[int, str, str, datetime]]
) -> dict[tuple[int, str], list[tuple[str, str]]]:
    """The mails to the requester that would start a new wait, sent after each ticket's
    last reminder (``last``), by (ticket, Message-ID): the claims that say it came back
    (none for a mail that has no outbox row of ours)."""
    kinds = [k for k, rule in waiting.RESTARTS.items() if rule == waiting.Restart.TO_REQUESTER]
    found: dict[tuple[int, str], list[tuple[str, str]]] = {}
    for tid, kind, at, to, mid, requester, oid, key in reminders.sent_of_kinds(
        session, list(last), kinds
    ):
        if at <= last[tid][3] or not waiting.restarts(waiting.Touch(kind, at, to, mid), requester):
            continue
        found[(tid, mid)] = [] if oid is None else returned_claims.told_claims(tid, oid, key)
    return found


def stale_times(
    t: TicketTimes, unreached_ids: Collection[int], schedule: ScheduleSettings
) -> TicketTimes:
    """``t`` as every stale decision reads it: with ``pending_reminder_after`` as its
    ``stale_after`` when its entry has none and its reminder never reached the requester
    (its id in ``unreached_ids``, from :func:`unreached`); else ``t`` itself."""
    if t.stale_after is None and t.state == TicketState.PENDING and t.id in unreached_ids:
        return replace(t, stale_after=schedule.pending_reminder_after)
    return t


def is_stale(
    t: TicketTimes, now: datetime, unreached_ids: Collection[int], schedule: ScheduleSettings
) -> bool:
    """Whether ``t`` is stale at ``now``: the stale reminder's rule
    (:func:`gateway.scheduling.rules.stale_period` over :func:`stale_times`), the one the
    digest's marks, the board's counts, badges and ``mark=stale`` list ask."""
    return rules.stale_period(stale_times(t, unreached_ids, schedule), now) is not None
