"""Whether one ticket may be merged into another, and whether a merge may be undone.

Pure: the caller gathers the facts (:class:`MergeFacts`) from the store and the
clock, this module says yes or why not. The refusals follow what Zammad, RT and
FreeScout users expect: no merge into itself, none into a ticket that was itself
merged away (say where it went instead), never a cycle, and nothing into a closed
ticket (the requester would be told their request goes on where nobody works;
reopen the target first). A closed source is refused too: it was settled already,
and closing it again as a duplicate would rewrite that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from gateway.core.i18n import N_, Msg
from gateway.core.model import TicketState, ticket_number


@dataclass(frozen=True, slots=True)
class Merge:
    """``/merge <id>``: fold the ticket the mail is about into ticket ``target``."""

    target: int


def merge_command(arg: str) -> Merge | Msg:
    """The argument of ``/merge``: a ticket number (``12``, ``#12``, ``[#12]``)."""
    target = parse_ticket_ref(arg)
    if target is None:
        return N_("not a ticket number: {value!r}", value=arg)
    return Merge(target)


@dataclass(frozen=True, slots=True)
class Side:
    """One ticket as the decision needs it (``None`` in :class:`MergeFacts`: unknown)."""

    id: int
    state: TicketState
    merged_into: int | None  # where it was merged, if it was


@dataclass(frozen=True, slots=True)
class MergeFacts:
    source: Side
    target: Side | None  # None: no such ticket
    target_chain: Sequence[int] = ()  # the tickets reached from the target by merged_into


def merge_refusal(f: MergeFacts) -> Msg | None:
    """Why ``f.source`` may not be merged into ``f.target``, or None when it may."""
    src, dst = f.source, f.target
    # checked in this order: the first that applies is the one the member reads
    if dst is None:
        return N_("there is no ticket to merge into")
    if src.id == dst.id:
        return N_("a ticket cannot be merged into itself")
    if src.merged_into is not None:
        return N_(
            "ticket #{source} was already merged into #{target}",
            source=src.id,
            target=src.merged_into,
        )
    if src.id in f.target_chain:
        return N_(
            "merging #{source} into #{target} would make a cycle", source=src.id, target=dst.id
        )
    if dst.merged_into is not None:
        return N_(
            "ticket #{target} was merged into #{final}; merge into #{final} instead",
            target=dst.id,
            final=dst.merged_into,
        )
    if dst.state == TicketState.CLOSED:
        return N_("ticket #{target} is closed; reopen it first (/open)", target=dst.id)
    if src.state == TicketState.CLOSED:
        return N_("ticket #{source} is already closed", source=src.id)
    return None


def unmerge_refusal(
    merged_into: int | None, merged_at: datetime | None, now: datetime, window: timedelta
) -> Msg | None:
    """A merge is undone only within the reopen window (after that, the requester was
    told long ago where their request went, and the target has moved on)."""
    if merged_into is None or merged_at is None:
        return N_("this ticket was not merged into another")
    if now - merged_at > window:
        return N_(
            "the merge into #{target} is older than the reopen window ({days} days)",
            target=merged_into,
            days=window.days,
        )
    return None


def parse_ticket_ref(text: str, tag_prefix: str = "") -> int | None:
    """``12``, ``#12`` or ``[#12]`` (with the team's tag prefix) → 12."""
    word = text.strip().removeprefix("[").removesuffix("]")
    word = word.removeprefix(tag_prefix).removeprefix("#") if tag_prefix else word.removeprefix("#")
    if not (word.isascii() and word.isdigit() and len(word) <= 18):
        return None
    return ticket_number(word)  # None past every id, as for a word that is no number
