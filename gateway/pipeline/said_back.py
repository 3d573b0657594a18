"""Does a new mail repeat the subject of an automatic mail we sent on a ticket?

Another helpdesk's robot (or a vacation program with no header to say so) answers our
acknowledgement under an address of its own, to the address our mail came from, with
no In-Reply-To and no Auto-Submitted: ``Re: [#1] We have received your request: VPN
down``. Its sender is on no ticket, so the tag opens a new ticket linked to #1 (README
"Threading"). Acknowledged, the robot answered that acknowledgement too, the subject
grew by a round each time and only the hourly limit stopped it. The subject is all
that says what it answers: when it holds the whole subject of a mail of ours on the
ticket its tag names, under any reply prefix, tag or words around it (``[OTH#7] Re:
…``, ``Your request (…) was received``), it answers that mail, and is not answered.
So is one from an address we sent an automatic mail to within :data:`WINDOW`, whose
tag is none of ours or names a ticket of another numbering: two gateways, each the
other's requester, with the headers that say what their mails are dropped on the way,
acknowledged each other's acknowledgements, each round's subject holding the one
before.

Pure: the subjects of our mails come from the caller (``store.conversation``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import timedelta

from gateway.pipeline import thread

# our mail's subject without its tag and prefixes must say this much to be recognised:
# the subject of a ticket titled "Hi" is no fingerprint of a mail of ours
MIN_CHARS = 8


# how long after an automatic mail of ours an answer from its recipient is looked for:
# a robot answers in seconds, a queue that held the mail may take hours more
WINDOW = timedelta(days=1)


def repeated(subject: str, ours: Iterable[tuple[int, str, str]], prefix: str = "") -> int | None:
    """The ticket of the first of ``ours`` (ticket, subject of a mail we sent, the
    ticket's own subject) whose subject ``subject`` holds whole, each without our tag
    and reply prefixes, compared in one width and case with the spacing folded; None
    for none. A subject of ours that the ticket's own subject holds (a team's template
    ``Re: {{ ticket.subject }}``) is the requester's words, no mark of ours: their next
    request on the same matter is not a robot's answer. Linear in the subjects' length
    (``in`` on two strings)."""
    theirs = _folded(thread.base_subject(subject, prefix))
    for ticket, sent, title in ours:
        said = _folded(thread.base_subject(sent, prefix))
        if len(said) < MIN_CHARS or said in _folded(thread.base_subject(title, prefix)):
            continue
        if said in theirs:
            return ticket
    return None


def _folded(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())
