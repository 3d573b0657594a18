"""One attempt's outcome on the ticket, in one transaction with the run's row.

Every attempt is an ``action`` event (who triggered the run, the action, the
hash of its input, the exit code or HTTP status, the duration, the first lines
of output); the run's end (success, or failure once no try is left) adds an
internal note. Success may move the state and mail the requester the team's
template (``on_success``); a failure for good may mail the assignee or the
entry's manager (``on_failure``). All of it goes through the tickets service
and the outbox, so it commits with the row or not at all.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from gateway.actions import notes, reply
from gateway.actions.notes import ACTION_TYPES, ACTOR, CHANNEL, status_said
from gateway.actions.outcome import Attempt, Step, cut_more
from gateway.catalog.model import Action, Catalog, Entry
from gateway.config.settings import Settings
from gateway.core.errors import InvalidTransition
from gateway.core.i18n import N_, Msg, dump, load
from gateway.core.model import TicketState
from gateway.core.tokens import mask_url_passwords, mask_url_passwords_in
from gateway.notify import views
from gateway.notify.queue import queue_ticket_mail, team, ticket_ref
from gateway.pipeline import unanswered
from gateway.tickets import changes, event_words
from store import action_runs, tickets
from store.action_runs import DueRun
from store.models import Ticket

log = logging.getLogger("gateway.actions")

OUTPUT_KEPT = 8000  # characters of what the action said that the run's row keeps


@dataclass(frozen=True, slots=True)
class Done:
    """What the worker reports for one attempt (logs, ``actions run``, tests)."""

    run_id: int
    ticket_id: int
    attempt: int
    step: Step
    status: int | None
    error: str  # in English, for logs and ``actions run --json``; the row keeps the Msg
    recorded: bool = True  # False: the lease had run out and another attempt took over
    said: Msg | str = ""  # the error as each reader reads it (``actions run``'s lines)
    # False: not run, its ticket closed or merged before it ran; ``attempt`` then counts
    # the tries made before (0 for a run never tried), as the row's ``attempts`` does
    ran: bool = True
    # True: the try was ended by a stop (the daemon's, an interrupted ``actions run``) and
    # not counted; ``attempt`` then counts the tries made before, as ``ran`` False does
    stopped: bool = False


def _target(action: Action | None, run: DueRun) -> str:
    """The run's URL or program, as the catalog says it now; "" when the entry's action
    is gone or of another type (a command's run must not show the new webhook's URL)."""
    return action.target if action is not None and action.type == run.action_type else ""


def masked(error: Msg | str) -> Msg | str:
    """``error`` with the secrets of any URL it quotes masked as the target's are
    (:func:`gateway.core.tokens.mask_url_passwords`): where a redirect pointed, a proxy,
    the path a library's error repeats. The row, the event, the note and the mail keep
    only this."""
    if isinstance(error, str):
        return mask_url_passwords(error)
    data = mask_url_passwords_in(dump(error))
    return load(data) if isinstance(data, Mapping) else error


def record(
    session: Session,
    settings: Settings,
    run: DueRun,
    entry: Entry | None,
    attempt: Attempt,
    step: Step,
    next_at: datetime | None,
    now: datetime,
    *,
    catalog: Catalog,
    ran: bool = True,
    started: bool = True,
) -> Done:
    """Write the attempt's outcome; nothing but a log line when the lease is no longer ours.
    ``catalog``: the one ``entry`` was read from, which names the ticket's entry in mails.
    ``ran``: False for a run not run because its ticket was closed or merged meanwhile:
    nothing failed, and who closed it knows, so ``on_failure`` mails nobody and the note
    says it was not run (not "failed after 1 attempt"), and how to run it after all.
    ``started``: False for a run whose action left the catalog while it was queued: it
    was not run either (no try is counted, and ``catalog refile --from`` the old id does
    not take it for work done), but the requester still waits for that work, so the
    assignee is mailed that it was not run, and what to do instead of a retry."""
    # what it said may quote a URL it called (a script's error line, a 404 page echoing
    # the request): masked as the target is, wherever it is kept or shown
    attempt = replace(
        attempt, error=masked(attempt.error), output=mask_url_passwords(attempt.output)
    )
    kept = attempt.output[:OUTPUT_KEPT]
    cut = cut_more(attempt.cut, len(attempt.output[OUTPUT_KEPT:].encode()))
    outcome = action_runs.Outcome(
        step.value,
        attempt.status,
        attempt.error,
        kept,
        round(attempt.seconds * 1000),
        next_at,
        cut,
    )
    # the ticket row-locked first (as a reply locks it before its runs): the check
    # below ("closed while it ran?") and the state it sets are one step. Read unlocked,
    # a member's close committed meanwhile on another instance was written over
    ticket = tickets.get_to_change(session, run.ticket_id)
    row = action_runs.record(session, run.id, run.attempt, outcome, now)
    error = attempt.error
    done = Done(run.id, run.ticket_id, run.attempt, step, attempt.status, str(error), said=error)
    ticket = ticket if row is not None else None
    if ticket is None:
        log.warning(
            "action run %s attempt %s: outcome not recorded (taken over)", run.id, run.attempt
        )
        return replace(done, recorded=False)
    action = entry.action if entry is not None else None
    event(session, ticket, run, action, attempt, step, next_at, now)
    if step == Step.SUCCEEDED:
        notes.note(session, settings, ticket, run, entry, attempt, now, success=True)
        if entry is not None and action is not None:
            _on_success(session, settings, ticket, run, action, attempt, now, catalog)
    elif step == Step.FAILED and not ran:
        notes.not_run_note(session, settings, ticket, run, entry, attempt, now)
    elif step == Step.FAILED and not started:  # it left the catalog with the run queued
        notes.not_run_note(session, settings, ticket, run, entry, attempt, now, left=True)
        _on_failure(
            session, settings, ticket, run, entry, action, attempt, now, catalog, started=False
        )
    elif step == Step.FAILED:
        notes.note(session, settings, ticket, run, entry, attempt, now, success=False)
        _on_failure(session, settings, ticket, run, entry, action, attempt, now, catalog)
    return done


def event(
    session: Session,
    ticket: Ticket,
    run: DueRun,
    action: Action | None,
    attempt: Attempt,
    step: Step,
    next_at: datetime | None,
    now: datetime,
) -> None:
    """The ``action`` event of one attempt (or of a run withdrawn before any: attempt 0)."""
    changes.record(
        session,
        ticket,
        "action",
        now,
        actor=ACTOR,
        channel=CHANNEL,
        new=step.value,
        detail={
            "run": run.id,
            "entry": run.entry_id,
            "type": run.action_type,
            "target": _target(action, run),
            "trigger": run.trigger,
            "triggered_by": run.triggered_by,
            "attempt": run.attempt,
            "resumed": run.resumed,  # the previous attempt never reported (a crash)
            "idempotency_key": run.key,
            "input_sha256": run.input_sha256,
            "delivery_id": attempt.delivery_id,
            "status": attempt.status,
            "duration_ms": round(attempt.seconds * 1000),
            "output": attempt.first_lines(),
            "output_cut": attempt.cut,  # bytes past [actions] output_limit, not kept
            "input_unwritten": attempt.unwritten,  # of a command's stdin (Attempt.unwritten)
            "error": str(attempt.error),  # in English: --json, scripts
            **event_words.said(attempt.error),  # … said in each reader's language
            "next_attempt_at": next_at.isoformat() if next_at else None,
        },
    )


def _on_success(
    session: Session,
    settings: Settings,
    ticket: Ticket,
    run: DueRun,
    action: Action,
    attempt: Attempt,
    now: datetime,
    catalog: Catalog,
) -> None:
    def refused(reason: str, why: Msg) -> None:
        changes.record(
            session,
            ticket,
            "action-state-refused",
            now,
            actor=ACTOR,
            channel=CHANNEL,
            new=action.success_state,
            detail={"run": run.id, "reason": reason, **event_words.said(why)},
        )

    if ticket.state == TicketState.CLOSED and action.success_state not in (None, "closed"):
        # closed while it ran (done by hand, spam, merged): the close stands
        why = N_("the ticket was closed while the action ran; it stays closed")
        refused(str(why), why)
    elif action.success_state is not None and ticket.state != action.success_state:
        try:
            changes.change_state(
                session,
                ticket,
                TicketState(action.success_state),
                now,
                actor=ACTOR,
                channel=CHANNEL,
            )
        except InvalidTransition as exc:
            refused(str(exc), exc.message)
    if action.success_reply is not None:
        reply.send(session, settings, ticket, run.id, action.success_reply, attempt, now, catalog)


def _on_failure(
    session: Session,
    settings: Settings,
    ticket: Ticket,
    run: DueRun,
    entry: Entry | None,
    action: Action | None,
    attempt: Attempt,
    now: datetime,
    catalog: Catalog,
    *,
    started: bool = True,
) -> None:
    """Mail whom the action's ``on_failure`` names. ``started`` False: the action left
    the catalog (the entry renamed or removed, its action taken out or made another
    type) while the run was queued; the requester still waits for what it would have
    done, so the ticket's assignee (else the entry's manager) is told, whatever the old
    action's policy was (an action of another type now: its policy), that it was not run
    (not "failed after 1 attempt", with a retry that would fail the same)."""
    policy = action.failure_notify if action is not None else "assignee"
    if policy is None:
        return
    manager = entry.manager if entry is not None else None
    email = (
        manager
        if policy == "manager"
        # nobody has the ticket (or one no longer on the team): the entry's manager hears
        else settings.responsible(ticket.assignee, manager, catalog.team_manager)
    )
    member = settings.member(email or "")
    if member is None:
        changes.no_auto_answer(
            session,
            ticket,
            now,
            why=unanswered.nobody_to_tell(email or ""),
            mail="action_failed",
            actor=ACTOR,
        )
        return
    locale = settings.locale_of(member)
    view = views.ActionFailed(
        team=team(settings),
        recipient=views.Person(member.email, member.name),
        ticket=ticket_ref(ticket, settings, now, catalog),
        run_id=run.id,
        # as the reader knows it; the id only when the entry is gone, the only name left
        entry=entry.name(locale) if entry is not None else run.entry_id,
        action_type=ACTION_TYPES.get(run.action_type, run.action_type),
        target=_target(action, run),
        attempts=run.attempt if started else run.attempt - 1,  # tries made before, if any
        started=started,
        status=status_said(run.action_type, attempt.status) if attempt.status is not None else "",
        error=attempt.error,
        output=attempt.first_lines(),
        output_cut=cut_more(attempt.cut, attempt.unshown()),  # and those never kept
    )
    queue_ticket_mail(
        session,
        settings,
        ticket,
        view,
        key=f"action-failed:{run.id}:{now.isoformat()}",  # again after an ``actions retry``
        now=now,
        locale=locale,
    )
