"""A ticket's SLA deadlines, from its catalog entry: pure, shared by the scheduler
(:mod:`gateway.scheduling.rules`: what is overdue) and the mails that show them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class Deadline:
    target: str  # "first_response" | "resolve"
    at: datetime
    since: datetime  # when its window opened (the ticket's creation): "due soon" is a share


def deadlines(
    state: str,
    created_at: datetime,
    *,
    first_response_at: datetime | None,
    due_at: datetime | None,
    first_response: timedelta | None,
    resolve: timedelta | None,
) -> list[Deadline]:
    """The deadlines still open, nearest first: a first response until someone answers,
    a resolve until the ticket is closed. Leaving ``new`` counts as the first response
    too (ops may work a ticket without writing to the requester); a due date set on the
    ticket (``/due``) is the resolve deadline agreed for it, so it replaces the entry's."""
    if state == "closed":
        return []
    out = []
    if first_response is not None and first_response_at is None and state == "new":
        out.append(Deadline("first_response", created_at + first_response, created_at))
    if due_at is not None:
        out.append(Deadline("resolve", due_at, created_at))
    elif resolve is not None:
        out.append(Deadline("resolve", created_at + resolve, created_at))
    return sorted(out, key=lambda d: d.at)
