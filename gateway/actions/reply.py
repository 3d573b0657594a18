"""``on_success``'s reply: the team's template mailed to the requester with what the
action answered, or held back when the ticket was closed meanwhile as no request of
theirs (spam, a duplicate, merged), or said on the ticket when it cannot be filled in.
In the transaction that records the run's success (:mod:`gateway.actions.results`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from jinja2 import TemplateError
from sqlalchemy.orm import Session

from gateway.actions.outcome import Attempt
from gateway.catalog.model import Catalog
from gateway.config.settings import Settings
from gateway.core.i18n import N_, Msg
from gateway.core.model import TicketState
from gateway.notify import views
from gateway.notify.queue import queue_ticket_mail, team, ticket_ref
from gateway.tickets import changes, conversation, event_words
from store import fields
from store.models import Ticket

log = logging.getLogger("gateway.actions")

ACTOR = "gateway"
CHANNEL = "system"


def send(
    session: Session,
    settings: Settings,
    ticket: Ticket,
    run: int,
    template: str,
    attempt: Attempt,
    now: datetime,
    catalog: Catalog,
) -> None:
    """Mail the requester ``template`` for run #``run``, unless :func:`reply_withheld`
    says why not (an ``action-reply-withheld`` event then says it on the ticket)."""
    withheld = reply_withheld(ticket)
    if withheld is None:
        _reply(session, settings, ticket, run, template, attempt, now, catalog)
        return
    detail = {"run": run, "template": template, "reason": str(withheld)}
    changes.record(
        session,
        ticket,
        "action-reply-withheld",
        now,
        actor=ACTOR,
        channel=CHANNEL,
        detail={**detail, **event_words.said(withheld)},
    )


# a close reason (gateway.core.model.CloseReason) given while the action ran → why the
# requester gets no ``on_success`` reply; a reason not here (resolved: done by hand;
# stale, no-response: the team gave up waiting) leaves the answer theirs, still true
NO_REPLY_AFTER: Mapping[str, Msg] = {
    # never a request: a reply confirms the address to the spammer
    "spam": N_("the ticket was closed as spam while the action ran; its sender hears nothing"),
    # the requester's other ticket is where the conversation goes on
    "duplicate": N_(
        "the ticket was closed as a duplicate while the action ran; the other ticket answers"
    ),
}


def reply_withheld(ticket: Ticket) -> Msg | None:
    """Why the requester of a ticket closed while its action ran must not get the
    action's reply (merged: the ticket it went into answers; :data:`NO_REPLY_AFTER`),
    or None: they get it."""
    if ticket.state != TicketState.CLOSED:
        return None
    if ticket.merged_into_id is not None:
        return N_(
            "the ticket was merged into #{target} while the action ran; that ticket answers",
            target=ticket.merged_into_id,
        )
    return NO_REPLY_AFTER.get(ticket.close_reason or "")


# What rendering the team's template with the action's answer may raise: Jinja's own
# errors (a value the answer lacks, a template removed or broken since ``catalog
# check``) and what its expressions raise on the answer's values (``"3" + 1``). Not
# the database's errors: those still fail the transaction and are retried.
TEMPLATE_ERRORS = (TemplateError, TypeError, ValueError, ArithmeticError, LookupError)


def _reply(
    session: Session,
    settings: Settings,
    ticket: Ticket,
    run: int,
    template: str,
    attempt: Attempt,
    now: datetime,
    catalog: Catalog,
) -> None:
    """Mail the requester the team's template; one that cannot be filled in with this
    answer is said on the ticket (an ``action-reply-failed`` event) and never undoes the
    success (the action must not run again because of a template)."""
    view = views.ActionReply(
        team=team(settings),
        recipient=views.Person(ticket.requester, ticket.requester_name),
        ticket=ticket_ref(ticket, settings, now, catalog),
        template=template,
        fields=fields.field_values(session, ticket.id),
        result=attempt.values(),
    )
    try:
        with session.begin_nested():  # nothing of a reply that failed half-way is kept
            queued = queue_ticket_mail(
                session, settings, ticket, view, key=f"action-reply:{run}", now=now
            )
    except TEMPLATE_ERRORS as exc:
        log.warning("action run %s: the reply %s was not sent: %s", run, template, exc)
        error = f"{type(exc).__name__}: {exc}"[:500]
        why = N_(
            "the reply {template} could not be filled in with what the action answered: {error}",
            template=template,
            error=error,
        )
        if attempt.cut and not view.result:  # the limit cut the JSON: say so, not only
            limit = settings.actions.output_limit  # "no attribute 'account'"
            why = N_(
                "the reply {template} could not be filled in: the action's answer was longer "
                "than [actions] output_limit ({limit} bytes) and was cut, so no values were "
                "read from it; raise output_limit ({error})",
                template=template,
                limit=limit,
                error=error,
            )
            error = f"{error}; the answer was cut at [actions] output_limit ({limit} bytes)"
        detail = {"run": run, "template": template, "error": error, **event_words.said(why)}
        # the event is what the ticket says of it, once (a note said the same below it)
        changes.record(
            session, ticket, "action-reply-failed", now, actor=ACTOR, channel=CHANNEL, detail=detail
        )
        return
    if queued is not None:  # the team's own words speak for the state change too
        conversation.said_by_template(session, ticket, now, actor=ACTOR)
