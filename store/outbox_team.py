"""Outbox rows addressed to the team, checked against who is on it now.

A notice is queued for a member (held to be coalesced, waiting for a relay that is
down, due at the next digest); if the restart that reads ``[[members]]`` without them
comes first, the row would still go to their address, which is no longer the team's.
Like every query module, nothing here commits.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from store.models import OutboxRow
from store.outbox import PENDING, WITHDRAWN


def withdraw_unless_to(
    session: Session, kinds: Collection[str], team: Collection[str], now: datetime
) -> list[int]:
    """Take back the unsent mails of ``kinds`` (mail only members get) none of whose
    recipients is in ``team`` (addresses as ``[[members]]`` keeps them): never sent,
    their bytes dropped, as :func:`store.outbox.withdraw` takes a mail back. A mail the
    sender holds at this moment goes anyway."""
    stmt = select(OutboxRow.id, OutboxRow.recipients).where(
        OutboxRow.state == PENDING, OutboxRow.kind.in_(list(kinds))
    )
    gone = [i for i, rcpts in session.execute(stmt) if not any(r in team for r in rcpts or [])]
    if gone:
        session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(gone), OutboxRow.state == PENDING)
            .values(state=WITHDRAWN, next_attempt_at=None, raw=b"", raw_dropped_at=now)
            .execution_options(synchronize_session=False)
        )
    return gone
