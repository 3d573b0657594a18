"""Outbox rows addressed to the team, checked against who is on it now.

A notice is queued for a member (held to be coalesced, waiting for a relay that is
down, due at the next digest); if the restart that reads ``[[members]]`` without them
comes first, the row would still go to their address, which is no longer the team's.
Like every query module, nothing here commits.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import in_lists, outbox
from store.models import OutboxRow
from store.outbox import PENDING


def withdraw_unless_to(
    session: Session, kinds: Collection[str], team: Collection[str], now: datetime
) -> list[int]:
    """Take back the unsent mails of ``kinds`` (mail only members get) none of whose
    recipients is in ``team`` (addresses as ``[[members]]`` keeps them): never sent,
    their bytes dropped (:func:`store.outbox.take_back`). A mail the
    sender holds at this moment goes anyway."""
    stmt = select(OutboxRow.id, OutboxRow.recipients).where(
        OutboxRow.state == PENDING, OutboxRow.kind.in_(list(kinds))
    )
    gone = [i for i, rcpts in session.execute(stmt) if not any(r in team for r in rcpts or [])]
    taken: list[int] = []
    for chunk in in_lists.chunks(gone, in_lists.CHUNK):  # many held notices: the bind limit
        taken += outbox.take_back(session, now, OutboxRow.id.in_(chunk))
    return sorted(taken)
