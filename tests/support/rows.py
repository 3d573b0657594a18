"""Rows written straight through the store, for tests of the store's own statements."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from store import ticket_rows
from store.models import Ticket


def stored_ticket(session: Session, subject: str, locale: str, at: datetime) -> Ticket:
    """A new ticket from alice@customer.test, as the tickets service would insert it."""
    return ticket_rows.insert_ticket(
        session,
        subject=subject,
        requester="alice@customer.test",
        requester_name="Alice",
        state="new",
        locale=locale,
        linked_ticket_id=None,
        created_at=at,
        updated_at=at,
    )
