"""One event in a ticket's history, as every change of the tickets service writes it.

Shared by :mod:`.changes`, :mod:`.sheet_values` (which ``changes`` re-exports, so it
cannot import ``changes`` back) and :mod:`.priority`: ``who`` is the (actor, channel)
pair the callers carry.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from store import ticket_rows
from store.models import Ticket


def add_event(
    session: Session,
    ticket: Ticket,
    now: datetime,
    who: tuple[str, str],
    kind: str,
    *,
    old: str | None = None,
    new: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """One event: ``who`` is (actor, channel)."""
    actor, channel = who
    ticket_rows.add_event(
        session,
        ticket,
        at=now,
        actor=actor,
        channel=channel,
        kind=kind,
        old=old,
        new=new,
        detail=dict(detail or {}),
    )
