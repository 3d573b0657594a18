"""The internal note that ends a run on its ticket, and the words both it and the
failure mail name the run by: the entry by its name in each reader's language, the
action's type as the ticket page's runs say it, a command's exit code said.

Stored in the team's language, with the message kept so each reader reads it in theirs.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from gateway.actions import failures
from gateway.actions.outcome import Attempt
from gateway.catalog.model import Entry
from gateway.config.settings import Settings
from gateway.core.i18n import N_, NP_, Msg, translate
from gateway.core.model import TicketState
from gateway.tickets import changes
from store.action_runs import DueRun
from store.models import Ticket

ACTOR = "gateway"
CHANNEL = "system"


def status_text(action_type: str, status: int | None) -> str:
    if status is None:
        return ""
    return f"HTTP {status}" if action_type == "webhook" else f"exit {status}"


# an action's type (gateway.catalog.model.ACTION_TYPES) → its name, as the page's runs say it
ACTION_TYPES: Mapping[str, Msg] = {"webhook": N_("Webhook"), "command": N_("Command")}


def entry_said(entry: Entry | None, entry_id: str) -> Mapping[str, str] | str:
    """The entry as each reader reads it: its name in each language (a Msg parameter,
    gateway.core.i18n), else its id (an entry removed from the catalog since)."""
    return entry.said() if entry is not None else entry_id


def status_said(action_type: str, status: int | None) -> Msg | str:
    """:func:`status_text` in the reader's words: a command's exit code said."""
    if status is not None and action_type == "command":
        return failures.exit_code(status)
    return status_text(action_type, status) or "-"


def note(
    session: Session,
    settings: Settings,
    ticket: Ticket,
    run: DueRun,
    entry: Entry | None,
    attempt: Attempt,
    now: datetime,
    *,
    success: bool,
) -> None:
    params = {
        "entry": entry_said(entry, run.entry_id),  # by its name, in each reader's language
        "type": ACTION_TYPES.get(run.action_type, run.action_type),
        "run": run.id,
        "attempts": run.attempt,
        "status": status_said(run.action_type, attempt.status),
        "error": attempt.error,
    }
    message = (
        N_(
            "The action of {entry} ({type}) succeeded: {status} on attempt {attempts} "
            "(run #{run}).",
            **params,
        )
        if success
        else NP_(
            "The action of {entry} ({type}) failed for good after {attempts} attempt: "
            "{error} (run #{run}; ticket-gateway actions retry {run} runs it again).",
            "The action of {entry} ({type}) failed for good after {attempts} attempts: "
            "{error} (run #{run}; ticket-gateway actions retry {run} runs it again).",
            run.attempt,
            **params,
        )
    )
    text = translate(message, settings.gateway.locale)
    changes.add_note(session, ticket, text, now, actor=ACTOR, channel=CHANNEL, said=message)


def not_run_note(
    session: Session,
    settings: Settings,
    ticket: Ticket,
    run: DueRun,
    entry: Entry | None,
    attempt: Attempt,
    now: datetime,
    *,
    left: bool = False,
) -> None:
    """The note of a run its ticket's close, merge or refiling withdrew, or whose action
    left the catalog (``attempt.error`` says which). A closed ticket's run runs after all
    once the ticket is reopened (``actions retry`` refuses it before: the worker would
    withdraw it again), a refiled one's once it is filed back under the run's entry; a
    merged one's work is the other ticket's run; an action gone is no retry's (it would
    fail the same): the ticket is filed under an entry that has one."""
    params = {
        "entry": entry_said(entry, run.entry_id),
        "type": ACTION_TYPES.get(run.action_type, run.action_type),
        "run": run.id,
        "error": attempt.error,
    }
    if not run.document:  # it waited for a manager: nothing was approved to retry
        message = _not_approved_note(ticket, run, params)
    else:
        message = _not_run_message(ticket, run, params, left=left)
    text = translate(message, settings.gateway.locale)
    changes.add_note(session, ticket, text, now, actor=ACTOR, channel=CHANNEL, said=message)


def _not_approved_note(ticket: Ticket, run: DueRun, params: Mapping[str, object]) -> Msg:
    """The note of a run awaiting approval that its ticket's close, merge or refiling
    withdrew: a manager's ``/approve`` runs it after all, once the ticket is open under
    the run's entry again (``actions retry`` has no approved document to send)."""
    if ticket.merged_into_id is not None:
        return N_("The action of {entry} ({type}) was not run: {error} (run #{run}).", **params)
    if ticket.state != TicketState.CLOSED:
        return N_(
            "The action of {entry} ({type}) was not run: {error} (run #{run}; if the "
            "request is for {entry} after all, file the ticket under it again with "
            "/category, then a manager's /approve runs it).",
            **params,
        )
    return N_(
        "The action of {entry} ({type}) was not run: {error} (run #{run}; reopen the "
        "ticket, then a manager's /approve runs it).",
        **params,
    )


def _not_run_message(
    ticket: Ticket, run: DueRun, params: Mapping[str, object], *, left: bool
) -> Msg:
    """The note of a run that had its document (queued, or approved): how to run it."""
    return (
        N_(
            "The action of {entry} ({type}) was not run: {error} (run #{run}; file the "
            "ticket under the entry that has the action now, with /category or ticket-gateway "
            "catalog refile --from {id}, and it starts there).",
            id=run.entry_id,
            **params,
        )
        if left
        else N_("The action of {entry} ({type}) was not run: {error} (run #{run}).", **params)
        if ticket.merged_into_id is not None
        else N_(
            "The action of {entry} ({type}) was not run: {error} (run #{run}; if the "
            "request is for {entry} after all, file the ticket under it again with "
            "/category, then ticket-gateway actions retry {run} runs it).",
            **params,
        )
        if ticket.state != TicketState.CLOSED and ticket.catalog != run.entry_id
        else N_(
            "The action of {entry} ({type}) was not run: {error} (run #{run}; fill it in "
            "with /field, then ticket-gateway actions retry {run} runs it).",
            **params,
        )
        if ticket.state != TicketState.CLOSED
        else N_(
            "The action of {entry} ({type}) was not run: {error} (run #{run}; reopen the "
            "ticket, then ticket-gateway actions retry {run} runs it).",
            **params,
        )
    )
