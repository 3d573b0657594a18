"""What the requester hears of one transaction's changes to their ticket.

Decided by :func:`gateway.tickets.conversation.flush` from the transaction's facts:

* a member's words for the requester (a reply mail, Slack's "send to requester")
  go to the requester and every non-member on the ticket as written, and when the
  same transaction changed the state, the new state goes in that same mail;
* otherwise a state change a person or a rule made — closed (the reason, and how to
  reopen), pending (we wait for them), reopened, back in progress — is one status
  mail (:data:`gateway.tickets.states.REQUESTER_HEARS` says which changes count),
  unless the requester made it themselves, or a mail of the team's own answered in
  the same transaction (a catalog action's reply).

The scheduler's closes (no response, inventory) had a mail kind of their own
(``auto_close``); they are state changes like any other, so they get this status
mail, with the rule's reason in words (``change_state(why=…)``): one kind, one path,
one mail per change.

A status mail is an automatic mail: it counts against the hourly brake, never goes
to one of our addresses or to a sender that never reads answers, never to the
requester of an automated request or of an imported archive, and a team can turn it
off (``[mail] off``, an entry's ``mails_off``). Each withheld mail is an event.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from gateway.config.settings import Settings
from gateway.core.i18n import Msg
from gateway.core.model import TicketState
from gateway.notify import views
from gateway.notify.queue import (
    queue_ticket_mail,
    team,
    ticket_ref,
    turned_off,
    under_rate_limit,
)
from gateway.pipeline import loops, unanswered
from gateway.tickets import changes, states
from gateway.tickets.conversation import Fact, MailContext
from store import conversation, merges, tickets
from store.models import Ticket

KIND = "status_change"


def queue(session: Session, ctx: MailContext, facts: list[Fact]) -> list[tuple[int, str]]:
    """The mails the facts give the requester (and the other non-members, the watchers):
    (outbox row, recipient) each, so that the members' notices leave out what one of
    them was just told as requester (:func:`gateway.tickets.to_members.queue`)."""
    ticket = facts[0].ticket
    status = _status(ticket, facts, ctx)
    off = turned_off(KIND, ctx.settings, ctx.catalog().rules_for(ticket.catalog))
    relays = [f for f in facts if f.kind == "relay"]
    if relays:  # the words go anyway; the state rides along unless status mails are off
        shown = None if off else status
        return [i for r in relays for i in _relay(session, ctx, ticket, r, shown)]
    if status is None or any(f.kind == "said" for f in facts):
        return []
    moves = [f for f in facts if f.kind == "state"]
    sent = _status_mail(session, ctx, ticket, status, moves, off)
    mine = [(sent, ticket.requester.lower())] if sent is not None else []
    return mine + _to_watchers(session, ctx, ticket, status, moves)


def _status(ticket: Ticket, facts: list[Fact], ctx: MailContext) -> views.StatusLine | None:
    """The transaction's state change as the requester reads it (first old → last new),
    or None when they need not hear of it."""
    moves = [f for f in facts if f.kind == "state"]
    if not moves or any(f.actor == ticket.requester.lower() for f in moves):
        return None  # no change, or the requester made it (their own /close, their reply)
    old, new = TicketState(moves[0].old), TicketState(moves[-1].new)
    if not states.REQUESTER_HEARS.get((old, new), False):
        return None
    closed = new == TicketState.CLOSED
    return views.StatusLine(
        old.value,
        new.value,
        close_reason=(ticket.close_reason or "") if closed else "",
        # a merged ticket's replies go to its target: no "we will reopen this one" (#19)
        reopen_days=ctx.settings.gateway.reopen_window.days
        if closed and ticket.merged_into_id is None
        else 0,
        cause=next((f.cause for f in reversed(moves) if f.cause is not None), ""),
    )


def _relay(
    session: Session,
    ctx: MailContext,
    ticket: Ticket,
    relay: Fact,
    status: views.StatusLine | None,
) -> list[tuple[int, str]]:
    """The member's words to each recipient, with the new state when there is one."""
    settings = ctx.settings
    member = settings.member(relay.actor)
    author = views.Person(relay.actor, member.name if member else "")
    thread = tickets.thread_ids(session, ticket)
    ids = []
    for email in relay.recipients:
        name = ticket.requester_name if email == ticket.requester.lower() else ""
        view = views.OpsReply(
            team=team(settings),
            recipient=views.Person(email, name),
            ticket=ticket_ref(ticket, settings, relay.at, ctx.catalog()),
            author=author,
            text=relay.text,
            status=status,
        )
        queued = queue_ticket_mail(
            session,
            settings,
            ticket,
            view,
            key=f"{relay.key}:{email}",
            now=relay.at,
            in_reply_to=thread[0] if thread else "",
            files=relay.files,
            author=relay.actor,  # told too if it never reaches them
        )
        ids += [(queued, email)] if queued is not None else []
    return ids


def quiet(session: Session, settings: Settings, ticket: Ticket) -> Msg | str:
    """Why the requester never gets automatic mail about this ticket ("" when they may):
    the request was automated or imported, or the address never reads answers or is
    ours. The status mails and the pending reminder ask it alike."""
    return conversation.quiet_reason(session, ticket.id) or loops.never_answered(
        ticket.requester, settings.own_addresses, settings.team
    )


def _status_mail(
    session: Session,
    ctx: MailContext,
    ticket: Ticket,
    status: views.StatusLine,
    moves: list[Fact],
    off: Msg | str,
) -> int | None:
    settings, now = ctx.settings, moves[-1].at
    why = off or quiet(session, settings, ticket)
    if not why:
        ok, recent = under_rate_limit(session, ticket.requester, settings, now)
        why = "" if ok else unanswered.rate_limited(ticket.requester, recent)
    if why:
        changes.no_auto_answer(session, ticket, now, why=why, mail=KIND)
        return None
    view = views.StatusChange(
        team=team(settings),
        recipient=views.Person(ticket.requester, ticket.requester_name),
        ticket=ticket_ref(ticket, settings, now, ctx.catalog()),
        status=status,
    )
    thread = tickets.thread_ids(session, ticket)
    return queue_ticket_mail(
        session,
        settings,
        ticket,
        view,
        key=f"status:{ticket.id}:{conversation.state_changes(session, ticket.id)}",
        now=now,
        in_reply_to=thread[0] if thread else "",
    )


def _to_watchers(
    session: Session,
    ctx: MailContext,
    ticket: Ticket,
    status: views.StatusLine,
    moves: list[Fact],
) -> list[tuple[int, str]]:
    """Watchers hear the status mail the requester hears (#19), said of the requester's
    request, each under the same brakes; one withheld from them is not worth an event
    of its own."""
    settings, now = ctx.settings, moves[-1].at
    entry = ctx.catalog().rules_for(ticket.catalog)  # a removed entry: the fallback's
    if turned_off(KIND, settings, entry) or conversation.quiet_reason(session, ticket.id):
        return []
    thread = tickets.thread_ids(session, ticket)
    changed = conversation.state_changes(session, ticket.id)
    ids = []
    for email in merges.watchers(session, ticket.id):
        if loops.never_answered(email, settings.own_addresses, settings.team):
            continue
        if not under_rate_limit(session, email, settings, now)[0]:
            continue
        view = views.StatusChange(
            team=team(settings),
            recipient=views.Person(email, ""),
            ticket=ticket_ref(ticket, settings, now, ctx.catalog()),
            status=status,
        )
        queued = queue_ticket_mail(
            session,
            settings,
            ticket,
            view,
            key=f"status:{ticket.id}:{changed}:{email}",
            now=now,
            in_reply_to=thread[0] if thread else "",
        )
        ids += [(queued, email)] if queued is not None else []
    return ids
