"""What a member's reply that merges is about after its ``/merge`` (#19).

A member who replies to #42's notice with "/merge 41" and a few words for the
customer means: this goes on in #41, and here is my answer. So the words are an
answer on #41 (:func:`goes_on`): threaded there, the mail names #41 and its reply
address, and #41's first-response clock stops. They are still addressed to the
people the member wrote to, #42's (:func:`people_of`), who are on #41 since the
merge (a saved answer is rendered for them, as #42's). The commands of the reply
stay #42's, as written: "/merge 41" then "/close duplicate", a habit from other
tools, must not close #41.
"""

from __future__ import annotations

from gateway.runner.arrival import Arrival
from store import tickets
from store.models import Ticket


def goes_on(a: Arrival, ticket: Ticket) -> Ticket:
    """The ticket a reply's words for the requester are on: ``ticket``, or the one a
    ``/merge`` in the same reply put it into (a member who writes "/merge 41" and a few
    words for the customer answers on #41, where the conversation goes on: that answer
    stops #41's first-response clock and names #41's number)."""
    if ticket.merged_into_id is None:
        return ticket
    return tickets.get_to_change(a.session, ticket.merged_into_id) or ticket


def people_of(a: Arrival, ticket: Ticket) -> set[str]:
    """Whom a member wrote to when replying to ``ticket``: its requester and people.
    After ``/merge`` their words go on the target, but to these alone: "Bob, this is
    the same problem as another request" is not for the target's own requester."""
    return {ticket.requester.lower(), *tickets.participant_emails(a.session, ticket.id)}
