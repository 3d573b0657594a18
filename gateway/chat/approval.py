"""Where a ticket's catalog action stands on approval, as its Slack card says it. Pure.

A card offers *Approve* only while a press could approve: the action waits for a
manager and the ticket is open (a closed or merged ticket's approval is refused:
:func:`gateway.actions.trigger.approve`). Once the run leaves waiting, whatever the
door (the card, a manager's ``/approve`` mail, the ticket page), or the ticket is
closed or merged under it, the card says what happened instead of the button: the
chat poster renders every card update from the ticket as it is then, so one rule
here keeps every card true.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from gateway.core.i18n import N_, Msg
from store.action_runs import AWAITING


class Standing(enum.StrEnum):
    NONE = ""  # no action waits, or waited, for a manager: the card says nothing of it
    AWAITING = "awaiting"  # it waits for a manager: the card offers Approve
    APPROVED = "approved"  # a manager approved it (:attr:`Approval.by`)
    CLOSED = "closed"  # it waited, and the ticket was closed: nothing runs
    MERGED = "merged"  # it waited, and the ticket was merged: the target's run does the work


@dataclass(frozen=True, slots=True)
class Approval:
    standing: Standing = Standing.NONE
    by: str = ""  # APPROVED: the manager, by name
    into: str = ""  # MERGED: the tag of the ticket it was merged into


def standing(
    trigger: str,
    run_state: str,
    approver: str,
    ticket_state: str,
    merged_into: str,
    *,
    approvable: bool,
    released: bool = True,
) -> Approval:
    """The standing of the ticket's run of its entry's action (its ``trigger``, its
    ``run_state``, ``approver``: who released it, by name) on the ticket as it is now
    (its state, and the tag of the ticket it was merged into, or ""); ``approvable``:
    the catalog still has the entry's action wait for a manager (else ``/approve`` is
    refused: :func:`gateway.pipeline.entry_names.not_approvable`); ``released``: a
    manager approved it once (False: it waits, or was withdrawn unapproved when its
    ticket was closed, merged or refiled, and a manager's ``/approve`` may still run it)."""
    if trigger != "approved":  # fields_complete: it never waited for anyone
        return Approval()
    if run_state != AWAITING and released:  # the run's later fate: the page's
        return Approval(Standing.APPROVED, by=approver)
    if not approvable:  # the catalog changed under it: nobody can approve it now
        return Approval()
    if merged_into:
        return Approval(Standing.MERGED, into=merged_into)
    if ticket_state == "closed":
        return Approval(Standing.CLOSED)
    return Approval(Standing.AWAITING)


def said(approval: Approval) -> Msg | None:
    """What the card says of it (None: nothing)."""
    match approval.standing:
        case Standing.AWAITING:
            return N_("The catalog action waits for a manager's approval.")
        case Standing.APPROVED:
            return N_("The catalog action was approved by {name}.", name=approval.by)
        case Standing.CLOSED:
            return N_("The catalog action was not approved: the ticket was closed.")
        case Standing.MERGED:
            return N_(
                "The catalog action was not approved: the ticket was merged into {tag}.",
                tag=approval.into,
            )
    return None
