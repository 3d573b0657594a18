"""The mail kinds a team may turn off: for every ticket (``[mail] off``) or for the
tickets of one catalog entry (the entry's ``mails_off``).

Only mails that keep people informed are here; the ones that answer what a person
just did (a transcript, a refusal, a relayed answer) or that someone's work depends on
(a new ticket's notice, SLA and stale reminders, the digest) are not switches.
"""

from __future__ import annotations

# kind → what goes quiet when it is off
SWITCHABLE: dict[str, str] = {
    # the first answer to a new request, with the fields it left out
    "acknowledgement": "the requester's acknowledgement of a new request",
    # a person or a rule closed, set pending or reopened the ticket
    "status_change": "the requester's mail when the ticket is closed, pending or reopened",
    # replies, reopens, fields and reassignments, to the members who have the ticket
    "ticket_notice": "the members' notices of what happened to their tickets",
    # the scheduler asks again while a ticket waits on its requester
    "pending_reminder": "the requester's reminder while the ticket waits on them",
}
