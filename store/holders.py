"""Who has a ticket, as every view counts it: someone on the team, or nobody.

A member taken out of ``[[members]]`` keeps their open tickets' ``assignee`` column
(the history says who had them), but nobody is left to work them: the reminders and
the digest treat such a ticket as nobody's (``Settings.on_team``). Every filter and
count of "nobody's" tickets in SQL — ``tickets list --assignee -``, the pages' list
and board, ``stats`` — asks the one expression here, handed the team's addresses, so
no view counts a leaver's ticket as held while the digest lists it as unassigned.

``team`` is the addresses of ``[[members]]`` in the form the store keeps
(:func:`gateway.core.domains.ascii_address`); empty when none are configured, and
then anyone may hold a ticket: only a ticket with no assignee is nobody's.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, and_, case, or_

from store import in_lists
from store.models import Ticket


def nobody_has(team: Collection[str]) -> ColumnElement[bool]:
    """True for a ticket nobody on ``team`` has: no assignee, or (with a team) one not
    on it. The team is bound a chunk at a time (:mod:`store.in_lists`): a directory-fed
    ``[[members]]`` of thousands still fits one statement's binds."""
    if not team:
        return Ticket.assignee.is_(None)
    members = sorted(set(team))
    outside = [Ticket.assignee.not_in(c) for c in in_lists.chunks(members, in_lists.CHUNK)]
    return or_(Ticket.assignee.is_(None), and_(*outside))


def holder(team: Collection[str]) -> ColumnElement[str | None]:
    """The assignee as the views count it: NULL where :func:`nobody_has`, else the
    address. Group by it through a subquery (PostgreSQL takes the same CASE with its own
    binds in the SELECT and the GROUP BY as two expressions)."""
    return case((nobody_has(team), None), else_=Ticket.assignee)
