"""A press on a ticket's page that would undo a change the member has not seen.

The page keeps the id of the latest event it was drawn with (``seen``); a state or an
assignee another member, the scheduler or a reply changed after it is not overwritten by
a press made on the older page: nothing is done, and the page comes back saying who
changed the ticket, drawn as it is now, with the typed note kept. A press that asks for
what the ticket already is (both members closed it) undoes nothing and goes through, and
a note alone never conflicts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from gateway.config.settings import Member
from gateway.core.i18n import N_, Msg
from gateway.notify.labels import SYSTEM_ACTORS
from store import seen
from store.models import Ticket

# the page's button → the kinds of change made by someone else since that it would undo
UNDOES: Mapping[str, tuple[str, ...]] = {
    "assign": ("assign",),  # "Assign to me", "Change assignee": a colleague's assignee
    "pending": ("state",),  # "Wait for the requester": a close, a reopen made meanwhile
    "open": ("state",),  # "Work on it", "Reopen": a close made meanwhile
    "close": ("state",),  # "Close": a reopen (a reply, a colleague) made meanwhile
}
STATE_OF = {"pending": "pending", "open": "open", "close": "closed"}


@dataclass(frozen=True, slots=True)
class Conflict:
    """Why a press did nothing: who changed the ticket since its page was drawn."""

    said: Msg


def seen_of(posted: object) -> int | None:
    """The page's ``seen`` as posted; None (no check) from a page drawn before it was
    carried, a form kept by a refused CSRF check, a script, or a value tampered with:
    ASCII digits alone ("²" is a digit to ``str.isdigit`` and no number to ``int``)."""
    text = str(posted or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def conflict(
    session: Session,
    ticket: Ticket,
    action: str,
    asked: str | None,
    after: int | None,
    actor: str,
    members: Sequence[Member],
) -> Conflict | None:
    """The conflict ``action`` (to ``asked``, the assignee asked for) pressed on a page
    drawn at event ``after`` meets, or None."""
    kinds = UNDOES.get(action)
    if after is None or kinds is None or _already(ticket, action, asked):
        return None
    changes = seen.changed_since(session, ticket.id, after, kinds, actor)
    if not changes:
        return None
    return Conflict(
        N_(
            "{who} changed this ticket while you had its page open. Nothing was changed,"
            " so as not to undo that: the ticket is shown below as it is now. Press the"
            " button again if it is still needed.",
            who=_who(changes[-1].actor, members),
        )
    )


def _already(ticket: Ticket, action: str, asked: str | None) -> bool:
    """The ticket is already what the press asks: nothing would be undone."""
    if action == "assign":
        return ticket.assignee == asked
    return ticket.state == STATE_OF[action]


def _who(actor: str, members: Sequence[Member]) -> Msg | str:
    """The one who changed it, as the history names them: a member by name, the
    gateway's parts in the reader's words, anyone else by address."""
    if actor in SYSTEM_ACTORS:
        return SYSTEM_ACTORS[actor]
    return next((m.name or m.email for m in members if m.email == actor), actor)
