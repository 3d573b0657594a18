"""The ticket page's ``seen`` (gateway.web.ticket_conflict) must not reach past what the
page shows: a press made on that page is checked against the changes made after it.

On PostgreSQL a read unit is READ COMMITTED, each statement seeing what committed before
it: the page read the ticket's row, then its runs and attachments, and only then the
latest event's id. A colleague's assignment committed in between was not on the page
(nobody was shown as the assignee) but was inside its ``seen``: "Assign to me" pressed
there took the ticket from the colleague with no conflict said, the very overwrite the
check is for. The view's end is read first: a change committed during the read is after
it, and a press on that page is stopped (at worst a change already shown is said again).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from gateway.web import ticket_pages
from store import seen
from store import tickets as store_tickets
from store.db import transaction
from store.models import Ticket, TicketEvent
from tests.support.long_lists import NOW, long_store, put, ticket_row

ME, COLLEAGUE = "me@example.test", "colleague@example.test"


def test_a_change_committed_while_the_page_is_read_is_after_its_view(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with long_store(db_url) as (_engine, sessions):
        put(sessions, Ticket, [ticket_row(1, "open")])
        put(
            sessions,
            TicketEvent,
            [{"ticket_id": 1, "at": NOW, "actor": "u1@x.test", "channel": "email",
              "kind": "created", "detail": {}}],
        )  # fmt: skip
        real = store_tickets.detail

        def colleague_assigns_meanwhile(session: Any, ticket_id: int) -> Any:
            data = real(session, ticket_id)  # the row as the page shows it: nobody
            with transaction(sessions) as other:  # the colleague's "Assign to me"
                stmt = update(Ticket).where(Ticket.id == ticket_id).values(assignee=COLLEAGUE)
                other.execute(stmt)
                other.add(
                    TicketEvent(
                        ticket_id=ticket_id,
                        at=NOW + timedelta(seconds=1),
                        actor=COLLEAGUE,
                        channel="web",
                        kind="assign",
                        new=COLLEAGUE,
                        detail={},
                    )
                )
            return data

        monkeypatch.setattr(store_tickets, "detail", colleague_assigns_meanwhile)
        with transaction(sessions, read_only=True) as s:
            data = ticket_pages._detail(s, 1)
        assert data is not None and data["assignee"] is None  # the page: nobody
        with transaction(sessions, read_only=True) as s:
            missed = seen.changed_since(s, 1, data["seen"], ("assign",), ME)
        assert [e.actor for e in missed] == [COLLEAGUE]
