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
from gateway.core.text import visible


@dataclass(frozen=True, slots=True)
class Merge:
    """``/merge <id>``: fold the ticket the mail is about into ticket ``target``."""

    target: int


def merge_command(arg: str, tag_prefix: str = "") -> Merge | Msg:
    """The argument of ``/merge``: a ticket number (``12``, ``#12``, ``[#12]``, or the
    tag with the team's prefix as the subject shows it, ``[HELP#12]``)."""
    target = parse_ticket_ref(arg, tag_prefix)
    if target is None:
        return N_("not a ticket number: '{value}'", value=visible(arg))
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


def merged_away(ticket_id: int, target: int) -> Msg:
    """Why a merged ticket takes no watcher and no answer: all its mail goes to
    ``target``, so a watcher of it would hear nothing and its requester would be told to
    reply to a ticket their reply never reaches."""
    return N_(
        "ticket #{id} was merged into #{target}; work on #{target}", id=ticket_id, target=target
    )


def merged_requester(source: int) -> Msg:
    """Why a command of the requester of ticket ``source``, merged into another ticket,
    is not done there: that ticket is someone else's request (their replies reach it)."""
    return N_(
        "your request #{source} was merged into this ticket, which someone else asked "
        "for: its requester or the team closes or changes it; your replies still reach it",
        source=source,
    )


def already_unmerged() -> Msg:
    """What an unmerge asked again says (pressed twice, two members at once, the command
    run twice): the first undid it, nothing is undone a second time."""
    return N_("the merge was already undone")


def unmerge_refusal(
    merged_into: int | None,
    merged_at: datetime | None,
    now: datetime,
    window: timedelta,
    *,
    target_merged_into: int | None = None,
) -> Msg | None:
    """A merge is undone only within the reopen window (after that, the requester was
    told long ago where their request went, and the target has moved on), and only
    while its target holds what it gave: once the target was merged on itself
    (``target_merged_into``), that later merge is undone first, or the two would each
    take the other's mail and people."""
    if merged_into is None or merged_at is None:
        return N_("this ticket was not merged into another")
    if target_merged_into is not None:
        return N_(
            "ticket #{target} was merged into #{final} since; undo that merge first "
            "(on the page of ticket #{target}, or: ticket-gateway tickets unmerge {target})",
            target=merged_into,
            final=target_merged_into,
        )
    if now - merged_at > window:
        return N_(
            "the merge into #{target} is older than the reopen window ({days} days)",
            target=merged_into,
            days=window.days,
        )
    return None


def parse_ticket_ref(text: str, tag_prefix: str = "") -> int | None:
    """``12``, ``#12`` or ``[#12]`` (with the team's tag prefix, in any case, as the
    subject tag matches it: ``[HELP#12]``, ``[help#12]``) → 12."""
    word = text.strip().removeprefix("[").removesuffix("]")
    if tag_prefix and word[: len(tag_prefix) + 1].lower() == f"{tag_prefix}#".lower():
        word = word[len(tag_prefix) :]
    word = word.removeprefix("#")
    if not (word.isascii() and word.isdigit() and len(word) <= 18):
        return None
    return ticket_number(word)  # None past every id, as for a word that is no number
