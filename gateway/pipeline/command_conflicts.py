"""Commands of one reply that contradict each other: ``/close`` and ``/open``,
``/assign ops2`` and ``/assign boss``, ``/priority high`` and ``/priority low``.

Done in order, each was applied: the ticket closed and reopened within one mail (two
events, the assignee told of both), and what the reply meant was whichever line came
last, by accident of order. A reply sets each thing once; when it asks two values of one
thing, which is meant is not ours to guess, so none of those lines is done and each is
refused naming the other (the writer sends the one they mean). Lines that ask the same
value (``/close`` and ``/close resolved``) do not contradict.

A ``/close`` beside a ``/merge`` (bare, or ``duplicate``: the habit of tools that close
and merge a duplicate in two steps) asks what the merge does itself: it runs right after
the merge and, when the merge was done, is done by it (:func:`closes_by_merge`). Above
the merge it closed the ticket first, and the merge was refused as of a closed ticket.

Pure: decided commands in, the refusals out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from gateway.core.i18n import N_, Msg
from gateway.core.model import CloseReason, TicketState
from gateway.pipeline.commands import (
    Action,
    Assign,
    Command,
    Refused,
    SetCategory,
    SetDue,
    SetField,
    SetState,
)
from gateway.pipeline.merging import Merge
from gateway.pipeline.priority import SetPriority
from gateway.pipeline.watching import Watch

# what each kind of decided command sets: two lines of a reply setting one thing to two
# values contradict; a kind not listed (a note, an approval, a saved answer) may recur
SETS: dict[type, Callable[[Any], str]] = {
    SetState: lambda a: "state",  # a ticket has one state (and one close reason)
    Assign: lambda a: "assignee",  # one member has it
    SetPriority: lambda a: "priority",  # one level
    SetDue: lambda a: "due",  # one due date
    SetCategory: lambda a: "category",  # one catalog entry
    SetField: lambda a: f"field:{a.name}",  # one value per field of the sheet
    Merge: lambda a: "merge",  # a ticket goes into one other ticket
    Watch: lambda a: f"cc:{a.address}",  # someone watches, or does not
}


def contradictions(decided: Sequence[tuple[Command, Action | Refused]]) -> dict[int, Msg]:
    """For each line (by its index in ``decided``) that asks another value of a thing
    than another line of the reply asks, why it is refused; a refused line sets nothing."""
    asked: dict[str, list[tuple[int, Command, Action]]] = {}
    for i, (cmd, action) in enumerate(decided):
        what = SETS.get(type(action))
        if what is not None and not isinstance(action, Refused):
            asked.setdefault(what(action), []).append((i, cmd, action))
    out: dict[int, Msg] = {}
    for lines in asked.values():
        for i, _, action in lines:
            other = next((c for _, c, a in lines if a != action), None)
            if other is not None:
                out[i] = _contradicts(other.line)
    return out


def _contradicts(other: str) -> Msg:
    return N_(
        "contradicts {other} in the same reply: none of these lines was done; send again "
        "only the one you mean",
        other=other,
    )


def closes_by_merge(decided: Sequence[tuple[Command, Action | Refused]]) -> tuple[int, list[int]]:
    """The reply's ``/merge`` line (its index; -1: none) and the ``/close`` lines that ask
    what the merge does itself: closing this ticket, bare or as a duplicate."""
    merge = next((i for i, (_, a) in enumerate(decided) if isinstance(a, Merge)), -1)
    if merge < 0:
        return merge, []
    return merge, [
        i
        for i, (cmd, a) in enumerate(decided)
        if isinstance(a, SetState)
        and a.target == TicketState.CLOSED
        and (not cmd.arg or a.reason == CloseReason.DUPLICATE)
    ]


def run_order(
    count: int, merge: int, closes: Sequence[int], opens: Sequence[int] = ()
) -> list[int]:
    """The lines' indices in the order they run: as written, but the ``closes`` (of
    :func:`closes_by_merge`) right after the merge and the ``opens`` (the ``/open``
    lines that reopen its closed target: ``gateway.runner.merge_open``) right before it,
    whether written above or below it."""
    rest = [i for i in range(count) if i not in closes and i not in opens]
    if merge not in rest:
        return rest
    at = rest.index(merge)
    return [*rest[:at], *opens, merge, *closes, *rest[at + 1 :]]


def done_by_merge(merge_line: str) -> Msg:
    """A ``/close`` the merge did: news, not a refusal (no event, no grammar)."""
    return N_("done by {merge}: it closes this ticket as a duplicate", merge=merge_line)


def reopened_for_merge(target: int) -> Msg:
    """A ``/open`` beside a ``/merge`` into a closed ticket: it reopened that ticket."""
    return N_("ticket #{target} reopened, for the merge into it", target=target)
