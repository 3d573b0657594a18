"""``/open`` beside ``/merge`` into a closed ticket: the merge's target is reopened.

A merge into a closed ticket is refused, "ticket #2 is closed; reopen it first (/open)"
(:func:`gateway.pipeline.merging.merge_refusal`: the requester would be told their
request goes on where nobody works). A member who reads that writes ``/open`` beside
the ``/merge`` in their next reply to the duplicate, and it reopened the duplicate they
were folding away; the merge was refused again. The ticket that goes on is what they
meant to reopen, as in RT, where a merge's target is the ticket work continues on. So
when the reply's ``/merge`` names a closed ticket (not merged away itself) and the
ticket the reply is for is not closed, its bare ``/open`` lines reopen that target,
before the merge runs; otherwise ``/open`` is about the reply's own ticket, as written.
"""

from __future__ import annotations

from collections.abc import Sequence

from gateway.core.i18n import Msg
from gateway.core.model import TicketState
from gateway.pipeline.command_conflicts import reopened_for_merge
from gateway.pipeline.commands import Action, Command, Refused, SetState
from gateway.pipeline.merging import Merge
from gateway.runner.arrival import Arrival
from gateway.runner.proof import CHANNEL
from gateway.tickets import changes
from store import tickets
from store.models import Ticket


def opens_for_target(
    a: Arrival, ticket: Ticket, decided: Sequence[tuple[Command, Action | Refused]], merge: int
) -> tuple[Ticket | None, list[int]]:
    """The closed target of the reply's ``/merge`` (row-locked) and the ``/open`` lines
    meant for it (their indices); (None, []) when ``/open`` is about ``ticket``."""
    action = decided[merge][1] if merge >= 0 else None
    opens = [
        i
        for i, (cmd, a_) in enumerate(decided)
        if isinstance(a_, SetState) and a_.target == TicketState.OPEN and not cmd.arg
    ]
    if not isinstance(action, Merge) or not opens or ticket.state == TicketState.CLOSED:
        return None, []
    if action.target == ticket.id:
        return None, []
    target = tickets.get_to_change(a.session, action.target)
    if target is None or target.state != TicketState.CLOSED or target.merged_into_id is not None:
        return None, []
    return target, opens


def reopen(a: Arrival, target: Ticket, actor: str) -> Msg:
    """Reopen the merge's target (its requester hears, as of any reopening); in words."""
    if target.state == TicketState.CLOSED:  # a second /open line: done once
        changes.change_state(
            a.session, target, TicketState.OPEN, a.now, actor=actor, channel=CHANNEL
        )
    return reopened_for_merge(target.id)
