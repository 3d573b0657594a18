"""What ``catalog refile`` would do to each ticket, worked out without writing.

A dry run that says only "other → projector" leaves the manager to guess the rest:
who gets the ticket, which values of the new sheet the request already holds. Those
follow :func:`gateway.runner.filing.refile`'s rules, read from the same facts; the
one fact a dry run cannot read from the store is the round robin's turn after the
moves before it in the same run, so :class:`Rotation` carries it from move to move,
as the rows written one by one would. The dry run then prints the very lines
``--apply`` prints.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from gateway.actions import trigger
from gateway.catalog.assign import choose_assignee
from gateway.catalog.model import Catalog, Entry
from gateway.catalog.refile import Move
from gateway.catalog.sheet import parse_sheet
from gateway.core.model import TicketState
from gateway.runner.filing import Refiled, held_by, request_day
from store import fields, tickets
from store.refile import Filed


class Rotation:
    """Each entry's round robin over one run: the newest ticket of each member (as
    :func:`store.fields.last_served` reads it), advanced by every move foreseen."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._served: dict[str, dict[str, int]] = {}

    def served(self, entry: Entry) -> dict[str, int]:
        if entry.id not in self._served:
            many = len(entry.assignees) > 1  # as filing's _assignment reads it
            read = fields.last_served(self._session, entry.id, entry.assignees) if many else {}
            self._served[entry.id] = dict(read)
        return self._served[entry.id]

    def took(self, entry: Entry, assignee: str | None, ticket_id: int) -> None:
        """The ticket is now the entry's, held by ``assignee``: their turn has passed."""
        served = self.served(entry)
        if assignee in entry.assignees:
            served[assignee] = max(served.get(assignee, 0), ticket_id)


def foresee(
    session: Session, catalog: Catalog, filed: Filed, move: Move, rotation: Rotation, zone: str
) -> Refiled:
    """What :func:`gateway.runner.filing.refile` would leave: the assignee, the sheet
    values stored and the action the move would start, by the rule that starts it
    (a closed ticket: its entry only). ``zone``: the team's, as ``refile`` reads the
    request from the day it came in it (:func:`gateway.runner.filing.request_day`)."""
    assignee, values, action, held = filed.assignee, {}, None, None
    if filed.state != TicketState.CLOSED:
        if move.reassign:
            chosen = choose_assignee(catalog, move.entry, rotation.served(move.entry))
            assignee = chosen.assignee or assignee
        existing = fields.field_values(session, filed.ticket_id)
        ticket = tickets.get(session, filed.ticket_id)
        today = request_day(session, ticket, zone) if ticket is not None else None
        sheet = parse_sheet(move.entry, filed.new_text, today)
        values = {k: v for k, v in sheet.values.items() if k not in existing}
        if trigger.starts(session, filed.ticket_id, move.entry, {**existing, **values}):
            action = move.entry.action
            held = held_by(session, filed.ticket_id, move.entry.id)
    rotation.took(move.entry, assignee, filed.ticket_id)
    return Refiled(assignee, values, action, None, held)
