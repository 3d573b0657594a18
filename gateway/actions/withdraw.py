"""Why a run must not run now that its ticket changed, and the runs awaiting a manager's
approval that are withdrawn for it.

A queued run is looked at when it comes due (:meth:`ActionWorker.run`): its ticket
closed, merged or filed under another entry since, it is not run. A run awaiting
approval never comes due, so it stayed waiting for ever on a ticket that had left it:
counted as work for a manager, its ticket page offering "Approve the action", and an
approval given later (the ticket filed back, reopened) ran what was asked long ago as
if nothing had happened meanwhile. The worker now withdraws such runs before it claims
(:func:`waiting`): ``failed``, not run, no try counted, a note saying why and that a
manager's ``/approve`` runs it after all (a new decision, ``was: failed``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from gateway.actions import failures, notes, results, trigger
from gateway.actions.outcome import Attempt, Step, Verdict
from gateway.catalog.model import Catalog
from gateway.config.settings import Settings
from gateway.core.i18n import Msg
from gateway.core.model import TicketState
from gateway.notify import labels
from store import action_runs, tickets
from store.action_runs import DueRun
from store.models import Ticket


def reason(session: Session, ticket: Ticket, catalog: Catalog, run: DueRun) -> Msg | None:
    """Why the run must not run, read from its ticket as it is now; None: run it. In
    this order:

    * closed or merged since it was written (the work done by hand, the request
      withdrawn, spam, a duplicate whose other ticket runs it): a retry an hour later
      would do it again;
    * filed under another entry (``/category``, ``catalog refile``): the request was
      not this entry's (an account made for a printer jam), or, the entry renamed, the
      new id's run does the work (asked before "its action left the catalog", whose
      mail asks for the refile done already);
    * a required value its document holds taken away from the sheet since
      (:func:`gateway.actions.trigger.taken_away`), while it waited for its next try
      or in the queue."""
    if ticket.state == TicketState.CLOSED:
        if ticket.merged_into_id is not None:
            return failures.ticket_merged(ticket.merged_into_id)
        return failures.ticket_closed(labels.close_reason(ticket.close_reason or "resolved"))
    now_under = ticket.catalog
    if now_under is not None and now_under != run.entry_id:
        return failures.ticket_refiled(notes.entry_said(catalog.entry(now_under), now_under))
    lacking = trigger.taken_away(session, ticket, catalog, run)
    return failures.taken_away(", ".join(lacking)) if lacking else None


def waiting(
    session: Session, settings: Settings, catalog: Catalog, now: datetime
) -> list[tuple[DueRun, results.Done]]:
    """Withdraw the runs awaiting approval whose ticket left them, in the caller's
    transaction: each ends ``failed`` with an ``action`` event (attempt 0) and the note
    a queued run not run gets. The runs, as they were, and what the worker reports."""
    out: list[tuple[DueRun, results.Done]] = []
    for run_id, ticket_id in action_runs.left_waiting(session):
        ticket = tickets.get_to_change(session, ticket_id)  # the ticket first, then its run
        row = action_runs.locked(session, run_id)
        if ticket is None or row is None or row.state != action_runs.AWAITING:
            continue  # another worker withdrew it, or a manager approved it, meanwhile
        run = action_runs.as_due(row)
        why = reason(session, ticket, catalog, run)
        if why is None:  # reopened or filed back since the look: it waits on
            continue
        action_runs.withdraw(row, why, now)
        entry = catalog.entry(run.entry_id)
        action = entry.action if entry is not None else None
        attempt = Attempt(Verdict.PERMANENT, None, why, "", 0.0)
        results.event(session, ticket, run, action, attempt, Step.FAILED, None, now)
        notes.not_run_note(session, settings, ticket, run, entry, attempt, now)
        done = results.Done(
            run.id, run.ticket_id, run.attempt, Step.FAILED, None, str(why), said=why, ran=False
        )
        out.append((run, done))
    return out
