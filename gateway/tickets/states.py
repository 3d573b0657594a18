"""The ticket state machine, as a table, enforced on every path.

Mail, the CLI and the scheduler all change state through :func:`check`, so no
path can skip the table (django-helpdesk's mail path bypassing its status rules
is the mistake we avoid).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from gateway.core.errors import InvalidTransition
from gateway.core.i18n import N_
from gateway.core.model import CloseReason, TicketState
from gateway.notify import labels

NEW, OPEN, PENDING, CLOSED = (
    TicketState.NEW,
    TicketState.OPEN,
    TicketState.PENDING,
    TicketState.CLOSED,
)

# (from, to): why this move exists
ALLOWED: dict[tuple[TicketState, TicketState], str] = {
    (NEW, OPEN): "someone started working on it",
    (NEW, PENDING): "ops asked the requester something straight away",
    (NEW, CLOSED): "answered at once, a duplicate, or spam",
    (OPEN, PENDING): "waiting on the requester",
    (OPEN, CLOSED): "done",
    (PENDING, OPEN): "the requester answered, or ops took it back",
    (PENDING, CLOSED): "done, or no response in time",
    (CLOSED, OPEN): "reopened by the requester or ops",
}

# (from, to) an undone merge alone takes (``unmerge``, an erasure giving a merged ticket
# back): the state the ticket had before the merge closed it, kept in the merge's event.
# Not in ALLOWED: nobody closes a ticket and sends it back to "new" or "pending" by hand
RESTORED: frozenset[tuple[TicketState, TicketState]] = frozenset(
    {(CLOSED, NEW), (CLOSED, OPEN), (CLOSED, PENDING)}
)


# (before, after) of a transaction's state change → does the requester get a status mail?
# Pairs that are not here (nothing changed) never mail.
REQUESTER_HEARS: dict[tuple[TicketState, TicketState], bool] = {
    (NEW, OPEN): False,  # someone took it: the acknowledgement said someone would
    (NEW, PENDING): True,  # we need something from them
    (OPEN, PENDING): True,  # … likewise
    (CLOSED, PENDING): True,  # reopened to ask them something
    (NEW, CLOSED): True,  # done: the reason, and how to reopen
    (OPEN, CLOSED): True,
    (PENDING, CLOSED): True,  # done, or no answer in time
    (CLOSED, OPEN): True,  # reopened: we work on it again
    (CLOSED, NEW): True,  # a merge undone: back among the tickets nobody has taken yet
    (PENDING, OPEN): True,  # we no longer wait for them
}


def check(
    current: TicketState,
    target: TicketState,
    reason: CloseReason | None = None,
    *,
    merged_into: int | None = None,
    restoring: bool = False,
) -> None:
    """Raise InvalidTransition unless the table allows ``current`` → ``target``; its
    message names the states as people read them (:mod:`gateway.notify.labels`).
    A ticket merged into another (``merged_into``) stays closed until the merge is
    undone: its mail, people and replies all go to the target, so reopened by hand it
    would be an open ticket nobody can write to, and its requester would be told it
    goes on under a number their replies never reach. ``restoring``: an undone merge
    giving the ticket back the state it had before (:data:`RESTORED`)."""
    if merged_into is not None:
        raise InvalidTransition(
            current,
            target,
            N_(
                "ticket #{target} holds this one's mail since it was merged there: work on "
                "#{target}, or undo the merge first (ticket-gateway tickets unmerge)",
                target=merged_into,
            ),
        )
    old, new = labels.state(current), labels.state(target)
    if current == target:
        raise InvalidTransition(current, target, N_("the ticket is already {state}", state=old))
    if (current, target) not in ALLOWED and not (restoring and (current, target) in RESTORED):
        raise InvalidTransition(
            current,
            target,
            N_("cannot go from {old} to {new}: not allowed by the state machine", old=old, new=new),
        )
    if reason is not None and target != CLOSED:
        raise InvalidTransition(
            current,
            target,
            N_("a close reason only goes with {closed}", closed=labels.state(CLOSED)),
        )


class ReplyEffect(enum.StrEnum):
    """What a requester's (or participant's) reply does to its ticket."""

    APPEND = "append"  # add the message, state unchanged
    REOPEN = "reopen"  # pending/closed → open
    NEW_LINKED = "new-linked"  # closed too long ago: a new ticket linked to the old one
    KEEP_CLOSED = "keep-closed"  # it only thanks: attached, the ticket stays closed


@dataclass(frozen=True, slots=True)
class ReplyDecision:
    effect: ReplyEffect
    target: TicketState | None


def on_requester_reply(
    state: TicketState,
    closed_at: datetime | None,
    now: datetime,
    reopen_window: timedelta,
    *,
    automated: bool,
    only_thanks: bool = False,
) -> ReplyDecision:
    """A reply never changes state if it is automated (auto-reply, bounce); one that only
    thanks (:mod:`gateway.pipeline.thanks`) leaves a closed ticket closed, however long
    ago it was closed: thanks is no new request."""
    if automated:
        return ReplyDecision(ReplyEffect.APPEND, None)
    if state == PENDING:
        return ReplyDecision(ReplyEffect.REOPEN, OPEN)
    if state == CLOSED and only_thanks:
        return ReplyDecision(ReplyEffect.KEEP_CLOSED, None)
    if state == CLOSED:
        if closed_at is not None and now - closed_at <= reopen_window:
            return ReplyDecision(ReplyEffect.REOPEN, OPEN)
        return ReplyDecision(ReplyEffect.NEW_LINKED, None)
    return ReplyDecision(ReplyEffect.APPEND, None)
