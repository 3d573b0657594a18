"""The tickets service: the only code that changes a ticket, and it writes the event.

Mail (the runner's stages), the CLI, the scheduler and every later door call
these functions; each change goes through the state machine where a state is
involved and leaves an event with time, actor and channel, so no path can
change a ticket without the table's consent or without a trace. The rows are
written by :mod:`store.ticket_rows`, which only this package may import (an
import-linter contract). Nothing here commits: the caller's unit of work does.
Each change also tells :mod:`gateway.tickets.conversation` what happened, which
at commit decides the mails it causes (status mails, notices to members), so no
door has to remember to send them and none can send one twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from gateway.core.i18n import Msg, dump
from gateway.core.model import CloseReason, TicketState
from gateway.core.title import title
from gateway.tickets import event_words, news, states
from gateway.tickets.conversation import Fact, note
from gateway.tickets.history import add_event as _event
from gateway.tickets.sheet_values import clear_field as clear_field
from gateway.tickets.sheet_values import set_field as set_field  # the service's own name
from gateway.tickets.sheet_values import store_fields as store_fields
from store import messages, outbox, ticket_rows, tickets
from store.models import Ticket


def open_ticket(
    session: Session,
    *,
    subject: str,
    requester: str,
    requester_name: str,
    locale: str,
    participants: Sequence[tuple[str, str]],
    now: datetime,
    actor: str,
    channel: str,
    linked_ticket_id: int | None = None,
    detail: Mapping[str, Any] | None = None,
) -> Ticket:
    """A new ``new`` ticket with its first participants (``(email, role)``, requester
    first), the ``created`` event, and a ``linked`` event on the ticket it names."""
    ticket = ticket_rows.insert_ticket(
        session,
        subject=title(subject),
        requester=requester,
        requester_name=requester_name,
        state=TicketState.NEW.value,
        locale=locale,
        linked_ticket_id=linked_ticket_id,
        created_at=now,
        updated_at=now,
    )
    known: list[str] = []
    for email, role in participants:
        if ticket_rows.add_participant(session, ticket.id, email, role, known):
            known.append(email.lower())
    door = (detail or {}).get("chat")
    kept = dict(detail or {})
    if isinstance(door, Mapping):
        kept["chat"] = news.kept_door(door)
    _event(
        session,
        ticket,
        now,
        (actor, channel),
        "created",
        new=TicketState.NEW.value,
        detail={**kept, "linked_ticket": linked_ticket_id, "participants": known},
    )
    note(session, Fact(ticket, "created", now, actor))
    if isinstance(door, Mapping):
        news.opened(session, ticket, door, now)
    if linked_ticket_id is not None:
        old = tickets.get(session, linked_ticket_id)
        if old is not None:
            _event(
                session,
                old,
                now,
                (actor, channel),
                "linked",
                new=str(ticket.id),
                detail={"reason": "new ticket refers to this one"},
            )
    return ticket


# the mails queued for a ticket in a state, taken back unsent when it leaves that state
# (a relay that was down held them): what they say is no longer true
LAPSE_ON_LEAVING: Mapping[TicketState, tuple[str, ...]] = {
    # "we have not heard from you": they just answered, or a member moved the ticket on
    TicketState.PENDING: ("pending_reminder",),
}


def change_state(
    session: Session,
    ticket: Ticket,
    target: TicketState,
    now: datetime,
    *,
    actor: str,
    channel: str,
    reason: CloseReason | None = None,
    why: Msg | None = None,
    restoring: bool = False,
) -> None:
    """Move ``ticket`` to ``target`` or raise InvalidTransition; closed needs a reason.
    ``why``: a rule's reason, in words for the requester's status mail. ``restoring``:
    an undone merge's way back to the state before it (:data:`states.RESTORED`)."""
    current = TicketState(ticket.state)
    if target == TicketState.CLOSED and reason is None:
        reason = CloseReason.RESOLVED
    states.check(current, target, reason, merged_into=ticket.merged_into_id, restoring=restoring)
    closed = target == TicketState.CLOSED
    ticket_rows.set_columns(
        session,
        ticket,
        state=target.value,
        updated_at=now,
        close_reason=(reason or CloseReason.RESOLVED).value if closed else None,
        closed_at=now if closed else None,
    )
    _event(
        session,
        ticket,
        now,
        (actor, channel),
        "state",
        old=current.value,
        new=target.value,
        detail={"close_reason": ticket.close_reason} if ticket.close_reason else {},
    )
    note(session, Fact(ticket, "state", now, actor, current.value, target.value, cause=why))
    if target != current:
        for kind in LAPSE_ON_LEAVING.get(current, ()):
            messages.drop_outgoing(session, outbox.withdraw(session, ticket.id, kind, now))
    news.changed(
        session, ticket, "state", now, actor=actor, via=channel, old=current, new=target.value
    )


def file_under(
    session: Session,
    ticket: Ticket,
    entry_id: str,
    assignee: str | None,
    now: datetime,
    *,
    actor: str,
    channel: str,
    why: Mapping[str, Any],
    assign_rule: str,
) -> None:
    """The catalog's decision for a new ticket: its entry (``why`` is the
    classification, so anyone can redo it by hand) and the assignee it implies."""
    ticket_rows.set_columns(session, ticket, catalog=entry_id, assignee=assignee)
    _event(session, ticket, now, (actor, channel), "category", new=entry_id, detail=dict(why))
    if assignee is not None:
        _event(
            session,
            ticket,
            now,
            (actor, channel),
            "assign",
            new=assignee,
            detail={"rule": assign_rule, "entry": entry_id},
        )
    news.filed(session, ticket, now)


def assign(
    session: Session,
    ticket: Ticket,
    member: str | None,
    now: datetime,
    *,
    actor: str,
    channel: str,
    rule: Mapping[str, str] | None = None,
) -> None:
    """Give the ticket to ``member`` (a configured address; the caller checked), or to
    nobody (None: ``tickets assign ID -``); ``rule``: the catalog's rule that chose them
    (a refile), else a person did. The member it was taken from is told either way."""
    old, ticket.assignee, ticket.updated_at = ticket.assignee, member, now
    detail = dict(rule) if rule is not None else {"rule": "manual"}
    _event(session, ticket, now, (actor, channel), "assign", old=old, new=member, detail=detail)
    note(session, Fact(ticket, "assign", now, actor, old or "", member or ""))
    news.changed(session, ticket, "assign", now, actor=actor, via=channel, old=old, new=member)


def set_category(
    session: Session,
    ticket: Ticket,
    entry_id: str,
    now: datetime,
    *,
    actor: str,
    channel: str,
    why: Mapping[str, Any] | None = None,
) -> None:
    """Refile under ``entry_id``; the assignee stays (reassigning is its own change).
    ``why``: the classification that refiled it (``catalog refile``), else a person did."""
    old, ticket.catalog, ticket.updated_at = ticket.catalog, entry_id, now
    detail = dict(why) if why is not None else {"rule": "manual"}
    _event(session, ticket, now, (actor, channel), "category", old=old, new=entry_id, detail=detail)
    news.refreshed(session, ticket, now)  # its card names the entry, and its action's approval


def set_due(
    session: Session, ticket: Ticket, due: datetime, now: datetime, *, actor: str, channel: str
) -> None:
    old = ticket.due_at.isoformat() if ticket.due_at else None
    ticket.due_at, ticket.updated_at = due, now
    _event(session, ticket, now, (actor, channel), "due", old=old, new=due.isoformat())


def clear_due(session: Session, ticket: Ticket, now: datetime, *, actor: str, channel: str) -> bool:
    """Take the due date away (``tickets due ID --clear``): the entry's resolve target
    is the ticket's deadline again. False, and no event, when it had none."""
    if ticket.due_at is None:
        return False
    old = ticket.due_at.isoformat()
    ticket.due_at, ticket.updated_at = None, now
    _event(session, ticket, now, (actor, channel), "due", old=old, new=None)
    return True


def add_note(
    session: Session,
    ticket: Ticket,
    text: str,
    now: datetime,
    *,
    actor: str,
    channel: str,
    said: Msg | None = None,
) -> None:
    """An internal note: kept in the history, never sent to the requester. ``said``: the
    gateway's own words that ``text`` says in the team's language, kept for other readers."""
    ticket.updated_at = now
    detail = {"text": text, **({"said": dump(said)} if said is not None else {})}
    _event(session, ticket, now, (actor, channel), "note", new=None, detail=detail)
    note(session, Fact(ticket, "note", now, actor, text=text))


def record_first_response(
    session: Session, ticket: Ticket, now: datetime, *, actor: str, channel: str
) -> bool:
    """The first answer a person sent the requester: it stops the first-response SLA.
    True when this was it (later answers change nothing)."""
    if ticket.first_response_at is not None:
        return False
    ticket.first_response_at = now
    _event(session, ticket, now, (actor, channel), "first-response", new=now.isoformat())
    return True


def add_participant(
    session: Session,
    ticket: Ticket,
    email: str,
    role: str,
    now: datetime,
    *,
    actor: str,
    channel: str,
) -> bool:
    """Someone who may add to the ticket by mail and hears its answers (a Cc who wrote,
    a member who acted); True (and an event) when they were not on it yet, or were on
    it only as a member who worked it and join now as themselves (a former member let
    in by ``tickets add-participant``: store.tickets.customer_emails)."""
    if not ticket_rows.add_participant(session, ticket.id, email, role) and not (
        role != tickets.MEMBER_ROLE
        and ticket_rows.join_as_themselves(session, ticket.id, email, role)
    ):
        return False
    _event(
        session,
        ticket,
        now,
        (actor, channel),
        "participant",
        new=email.lower(),
        detail={"role": role},
    )
    return True


def record(
    session: Session,
    ticket: Ticket,
    kind: str,
    now: datetime,
    *,
    actor: str,
    channel: str,
    detail: Mapping[str, Any],
    new: str | None = None,
) -> None:
    """An event that changes nothing but must be in the history: a refused command,
    a forged mail, an answer not sent and why, a mail that could not be delivered."""
    _event(session, ticket, now, (actor, channel), kind, new=new, detail=detail)


def no_auto_answer(
    session: Session,
    ticket: Ticket,
    now: datetime,
    *,
    why: Msg | str,
    mail: str,
    actor: str = "gateway",
    lasting: bool = False,
) -> None:
    """The automatic ``mail`` was not sent, and ``why`` (a brake, the rate limit, nobody
    to tell: :mod:`gateway.pipeline.unanswered`): one event kind, read by the ticket page,
    the CLI and the status mails' 'said once' checks. ``lasting``: the reason holds for
    the ticket's life. The reason is kept in English (``--json``) and, a Msg, dumped as
    ``said``, so that each reader of the history reads it in their language."""
    detail: dict[str, Any] = {"reason": str(why), "mail": mail, **event_words.said(why)}
    if lasting:
        detail["lasting"] = True
    record(session, ticket, "no-auto-answer", now, actor=actor, channel="system", detail=detail)
