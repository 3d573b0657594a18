"""Test helpers that go through the real accept-then-process path."""

from __future__ import annotations

from typing import Any

from gateway.runner.runner import RowOutcome
from gateway.runtime.app import App
from store import inbox, tickets
from store.db import transaction


def deliver(app: App, raw: bytes, *, envelope_to: tuple[str, ...] = (),
            source: str = "test") -> RowOutcome:
    with transaction(app.sessions) as s:
        accepted = inbox.accept(s, raw, source=source, now=app.clock.now(),
                                envelope_to=envelope_to)
    return app.runner.process_one(accepted.inbox_id)


def show(app: App, ticket_id: int) -> dict[str, Any]:
    with transaction(app.sessions) as s:
        data = tickets.detail(s, ticket_id)
    assert data is not None
    return data


def all_tickets(app: App) -> list[dict[str, Any]]:
    with transaction(app.sessions) as s:
        return tickets.list_tickets(s)
