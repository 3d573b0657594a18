"""A new ticket's priority: what the mail marked, else its catalog entry's default.

Runs once, after the catalog filed the ticket (the entry's default needs the
entry) and before the member's notice is written (it shows the level). The
decision is :mod:`gateway.pipeline.priority`'s; the change and its event are
the tickets service's. A mark is the sender's doing (actor: the sender, on the
door it came through); an entry's default is the gateway's.
"""

from __future__ import annotations

from gateway.catalog.model import Catalog
from gateway.core.model import ParsedMessage
from gateway.pipeline import priority
from gateway.runner.arrival import Arrival
from gateway.tickets.priority import set_priority
from store.models import Ticket


def initial_priority(a: Arrival, ticket: Ticket, request: ParsedMessage, catalog: Catalog) -> str:
    """Set and return the level of a ticket just opened from ``request`` (for a forward:
    the original's subject, the forwarding mail's headers)."""
    marked = priority.from_mail(request.subject, a.msg.urgency, a.settings.priority.markers)
    entry = catalog.entry(ticket.catalog)
    level, source = priority.initial(marked, entry.priority if entry else None)
    actor, channel = (a.sender, a.channel) if marked else ("gateway", "system")
    detail = {"marked": marked.value} if marked else {"entry": ticket.catalog}
    set_priority(
        a.session, ticket, level, a.now, actor=actor, channel=channel, source=source, detail=detail
    )
    return level.value
