"""A sender's lease on the batch of outbox rows it claimed, kept while it sends them.

The mail outbox and the chat outbox are claimed the same way: due rows leased until
``now + LEASE`` in one transaction, sent outside any, the answer recorded after. With
several instances on one PostgreSQL database, a batch that a slow relay or webhook made
outlast its lease was taken by the other instance's sender (its rows were due again)
and sent a second time, while the first went on sending it too. So a sender renews the
lease of the rows it has still to send once half of it is spent: only the rows that are
still its own (pending, and due again at the moment its claim or last renewal said);
one taken by another instance meanwhile is left to that one. Like every query module,
nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from store.models import ChatOutboxRow, OutboxRow

PENDING = "pending"  # the state of a row not sent yet, in both outboxes


@dataclass(slots=True)
class Lease:
    """Until when a sender holds its batch, and which of the batch's rows it holds."""

    until: datetime
    length: timedelta
    held: set[int]

    @classmethod
    def claimed(cls, now: datetime, length: timedelta, ids: Iterable[int]) -> Lease:
        """The lease a claim at ``now`` took (``store.outbox.claim_due`` and its twin)."""
        return cls(now + length, length, set(ids))

    def half_spent(self, now: datetime) -> bool:
        return now >= self.until - self.length / 2

    def renew(
        self,
        session: Session,
        model: type[OutboxRow | ChatOutboxRow],
        ids: Iterable[int],
        now: datetime,
    ) -> set[int]:
        """Lease ``ids`` (the rows still to send) again from ``now``; those of them that
        are no longer this sender's (another took them), which it must then skip."""
        wanted = [i for i in ids if i in self.held]
        until = now + self.length
        kept: set[int] = set()
        if wanted:
            session.flush()  # a claim's lease in this same session is written first
            kept = set(
                session.scalars(
                    update(model)
                    .where(
                        model.id.in_(wanted),
                        model.state == PENDING,
                        model.next_attempt_at == self.until,
                    )
                    .values(next_attempt_at=until)
                    .returning(model.id)
                    .execution_options(synchronize_session=False)
                )
            )
        self.until, self.held = until, kept
        return set(wanted) - kept
