"""A ticket's priority changes here, with its event: by the mail that opened it, the
catalog entry's default, ``/priority`` or ``tickets priority``.

The SLA deadlines are not stored: they are computed from the entry's targets
at the ticket's level (:func:`gateway.scheduling.rules.times_of`), so changing
the level moves them at once, for the scheduler, the digest and ``tickets show``
alike. A due date someone set by hand (``/due``) is an agreement with the
requester and stays. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from gateway.core.priority import Priority
from gateway.tickets.conversation import Fact, note
from gateway.tickets.history import add_event
from store import ticket_rows
from store.models import Ticket


def set_priority(
    session: Session,
    ticket: Ticket,
    level: Priority,
    now: datetime,
    *,
    actor: str,
    channel: str,
    source: str,
    detail: Mapping[str, Any] | None = None,
) -> bool:
    """Give ``ticket`` the level ``level``; ``source`` says what decided it (``command``,
    ``subject``, ``importance``, ``x-priority``, ``priority``, ``catalog``). False (and no
    event) when it already had that level."""
    old = ticket.priority or Priority.NORMAL.value
    if old == level.value:
        return False
    ticket_rows.set_columns(session, ticket, priority=level.value, updated_at=now)
    add_event(
        session,
        ticket,
        now,
        (actor, channel),
        "priority",
        old=old,
        new=level.value,
        detail={"source": source, **(detail or {})},
    )
    # the member who has the ticket hears of it (an urgent SLA may be half an hour); a
    # new ticket's level is in its new-ticket notice instead (conversation.flush)
    note(session, Fact(ticket, "priority", now, actor, old, level.value))
    return True
