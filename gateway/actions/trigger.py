"""Writing action runs: when a ticket's sheet becomes complete, and when a manager approves.

Both run inside the caller's transaction (the runner's, a command's, a web or
chat door's later), so the ``action_runs`` row commits with the change that
made the sheet complete or approved it, or not at all. Every door calls the
same two functions: :func:`sheet_changed` after anything that may have filled
the sheet (the request, a reply, ``/field``, ``/category``), and
:func:`approve` for a manager's ``/approve`` (the web and chat buttons too).
Each writes its event through the tickets service.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from gateway.actions import document
from gateway.catalog.model import Catalog, Entry
from gateway.config.settings import Member
from gateway.core.errors import GatewayError
from gateway.core.i18n import N_, Msg
from gateway.core.model import TicketState
from gateway.notify import labels
from gateway.pipeline.entry_names import not_approvable
from gateway.tickets import changes, event_words, news
from store import action_runs, fields, merges
from store.models import ActionRun, Ticket


class ApprovalRefused(GatewayError):
    """``/approve`` (or a button) that cannot approve; ``reason`` says why to the person."""

    def __init__(self, reason: Msg) -> None:
        super().__init__(str(reason))
        self.reason = reason


class AlreadyApproved(ApprovalRefused):
    """``/approve`` asked again (pressed twice, two managers at once): a manager released
    the run already, nothing is done a second time. Mail and chat say so as they say a
    refusal; the ticket page answers it as done."""


def sheet_changed(
    session: Session,
    ticket: Ticket,
    catalog: Catalog,
    now: datetime,
    *,
    actor: str,
    channel: str,
    hold: Msg | None = None,
) -> int | None:
    """Write the run of the ticket's action when its sheet is now complete and it has
    none yet and the ticket is not closed; the new row's id, or None. ``actor``: who
    completed the sheet.

    ``hold``: why this change must not start the action (an archived mail being
    imported); then only an ``action-held`` event says so, and a later change may."""
    if ticket.state == TicketState.CLOSED:  # done by hand, withdrawn or spam: its sheet
        return None  # (a /field beside /close) starts nothing; the change reopening it may
    entry = catalog.entry(ticket.catalog)
    if entry is None or entry.action is None:
        return None
    values = fields.field_values(session, ticket.id)
    if not starts(session, ticket.id, entry, values):
        return None
    action = entry.action
    hold = hold or merged_ran(session, ticket.id, entry.id)
    if hold:
        changes.record(
            session,
            ticket,
            "action-held",
            now,
            actor=actor,
            channel=channel,
            new=entry.id,
            detail={"reason": str(hold), **event_words.said(hold)},
        )
        return None
    key = document.new_key(ticket.id, entry.id, secrets.token_hex(8))
    awaiting = action.when == "approved"
    doc = "" if awaiting else _document(ticket, entry, values, key, "fields_complete", None)
    run_id = action_runs.add(
        session,
        action_runs.NewRun(
            ticket_id=ticket.id,
            entry_id=entry.id,
            action_type=action.type,
            trigger=action.when,
            triggered_by=actor,
            key=key,
            document=doc,
            input_sha256=document.input_hash(doc) if doc else "",
            state=action_runs.AWAITING if awaiting else action_runs.PENDING,
        ),
        now,
    )
    if run_id is None:
        return None
    if awaiting:
        news.refreshed(session, ticket, now)  # a posted Slack card gains its Approve button
    changes.record(
        session,
        ticket,
        "action-awaiting-approval" if awaiting else "action-queued",
        now,
        actor=actor,
        channel=channel,
        new=entry.id,
        detail={
            "run": run_id,
            "type": action.type,
            "target": action.target,
            "trigger": action.when,
            "idempotency_key": key,
            "input_sha256": document.input_hash(doc) if doc else "",
        },
    )
    return run_id


def merged_ran(session: Session, ticket_id: int, entry_id: str) -> Msg | None:
    """Why a sheet a merge completed must not start ``entry_id``'s action: a ticket merged
    into this one ran it (succeeded, or running): the requester's second mail held the
    value the first lacked, its own ticket's run did the work, and the merge filled the
    first ticket's sheet from it. A new run, under a new idempotency key, did it twice.
    Also what ``catalog refile`` holds a move by (:func:`gateway.runner.filing.held_by`)."""
    session.flush()  # a merge of this transaction (``/merge``): its sources are read raw
    ran = action_runs.done_among(session, merges.sources(session, ticket_id), entry_id)
    if ran is None:
        return None
    return N_(
        "ticket #{ticket} merged into it ran the action of {entry} already (run #{run})",
        ticket=ran.ticket_id,
        entry=entry_id,
        run=ran.id,
    )


def starts(session: Session, ticket_id: int, entry: Entry, values: Mapping[str, str]) -> bool:
    """Whether a ticket of ``entry`` whose sheet holds ``values`` starts the entry's action
    now: it has one, the sheet is complete, and the ticket has no run of it yet (one run
    per ticket and entry: a later correction runs nothing again). The rule of
    :func:`sheet_changed`, and what a dry run (``catalog refile``) foresees by."""
    if entry.action is None or not document.is_complete(entry, values):
        return False
    return action_runs.find(session, ticket_id, entry.id) is None


def approve(
    session: Session,
    members: Sequence[Member],
    catalog: Catalog,
    ticket: Ticket,
    now: datetime,
    *,
    actor: str,
    channel: str,
) -> Msg:
    """A manager approves the ticket's waiting action: it is queued with the sheet as it is
    now. What happened, in words; raises :class:`ApprovalRefused` with the reason.

    A run that failed for good may be approved again: ``actions retry`` sends what was
    approved, so after a wrong value was corrected this is the only way the corrected
    sheet is sent; it gets a new idempotency key when its fields changed."""
    member = next((m for m in members if m.email == actor.lower()), None)
    if member is None or member.role != "manager":
        raise ApprovalRefused(N_("only managers may approve an action"))
    if ticket.merged_into_id is not None:  # that ticket's run does the work, once
        raise ApprovalRefused(
            N_(
                "this ticket was merged into #{target}; approve the action there",
                target=ticket.merged_into_id,
            )
        )
    if ticket.state == TicketState.CLOSED:  # done by hand, withdrawn, spam: the worker
        raise ApprovalRefused(  # would not run it, so the approval would only mislead
            N_("this ticket is closed; reopen it before approving its action")
        )
    entry = catalog.entry(ticket.catalog)
    why = not_approvable(entry, ticket.catalog)  # as /approve says it (pipeline.commands)
    if why is not None:
        raise ApprovalRefused(why)
    assert entry is not None and entry.action is not None  # not_approvable said why not
    action = entry.action
    _not_approved_yet(session, ticket, entry)  # before the sheet: it may have changed since
    values = fields.field_values(session, ticket.id)
    lacking = document.missing(entry, values)
    if lacking:
        raise ApprovalRefused(
            N_("the sheet is not complete yet: {names} missing", names=", ".join(lacking))
        )
    row = _waiting_run(session, ticket, catalog, entry, now, actor, channel)
    was, key = row.state, row.idempotency_key
    doc = _document(ticket, entry, values, key, "approved", member.email)
    if was == action_runs.FAILED:  # approved again: the sheet as it is now, tries anew
        if _fields_of(doc) != _fields_of(row.document):  # other input is other work
            key = document.new_key(ticket.id, entry.id, secrets.token_hex(8))
            doc = _document(ticket, entry, values, key, "approved", member.email)
            row.idempotency_key = key
        action_runs.requeue(session, row, now)
    action_runs.release(session, row, doc, document.input_hash(doc), member.email, now)
    changes.record(
        session,
        ticket,
        "action-approved",
        now,
        actor=member.email,
        channel=channel,
        new=entry.id,
        detail={
            "run": row.id,
            "type": action.type,
            "target": action.target,
            "idempotency_key": key,
            "input_sha256": document.input_hash(doc),
            "was": was,  # awaiting_approval, or failed: approved again
        },
    )
    news.changed(
        session, ticket, "approved", now, actor=member.email, via=channel, old=None, new=entry.id
    )
    return N_(
        "approved: the action of {entry} runs now (run #{run})", entry=entry.said(), run=row.id
    )


def corrected_input(session: Session, ticket: Ticket, catalog: Catalog, row: ActionRun) -> bool:
    """Before ``actions retry``: give ``row`` the document of the sheet as it is now when
    it was corrected since the run was written; True when it did.

    A run that failed on a wrong value (the directory knows no such user) is retried
    after someone corrects the sheet; sent again as stored, it would fail again on the
    same value. Other input is other work, so it gets a new idempotency key (a receiver
    that remembers the old key must not answer the new input with the old outcome). A
    run a manager approved keeps what was approved: values changed since are not."""
    entry = catalog.entry(row.entry_id)
    if entry is None or entry.action is None or not row.document or row.trigger == "approved":
        return False
    values = fields.field_values(session, ticket.id)
    if not document.is_complete(entry, values):
        return False  # nothing better to send than what the run holds
    key = document.new_key(ticket.id, entry.id, secrets.token_hex(8))
    doc = _document(ticket, entry, values, key, row.trigger, None)
    if _sheet_of(doc) == _sheet_of(row.document):
        return False
    row.document, row.input_sha256, row.idempotency_key = doc, document.input_hash(doc), key
    return True


def taken_away(
    session: Session, ticket: Ticket, catalog: Catalog, row: ActionRun | action_runs.DueRun
) -> list[str]:
    """Before ``actions retry`` and each try: the required fields the run's document has a value for
    and the sheet has none now, a member having taken it away since (``tickets field
    --clear``: the user ID was another person's). Sent as stored, the value taken away
    did the work after all; the retry waits for the sheet instead. A run a manager
    approved keeps what was approved (:func:`corrected_input`)."""
    entry = catalog.entry(row.entry_id)
    if entry is None or entry.action is None or not row.document or row.trigger == "approved":
        return []
    try:
        sent = json.loads(row.document).get("fields") or {}
    except (ValueError, AttributeError):
        return []
    values = fields.field_values(session, ticket.id)
    return [
        f.name
        for f in entry.fields
        if f.required and sent.get(f.name) is not None and f.name not in values
    ]


def _sheet_of(doc: str) -> object:
    """What a document says about the ticket (its key aside)."""
    try:
        data = json.loads(doc)
    except ValueError:
        return None
    return (
        {k: v for k, v in data.items() if k != "idempotency_key"}
        if isinstance(data, dict)
        else None
    )


def _not_approved_yet(session: Session, ticket: Ticket, entry: Entry) -> None:
    """Raise :class:`AlreadyApproved` when a manager released the run already (one that
    failed for good may be approved again: :func:`approve`)."""
    row = action_runs.find(session, ticket.id, entry.id)
    again = (action_runs.AWAITING, action_runs.FAILED)
    if row is not None and row.state not in again and row.trigger == "approved":
        raise AlreadyApproved(_already(row))


def _already(row: ActionRun) -> Msg:
    return N_(
        "already approved (run #{run}: {state})", run=row.id, state=labels.run_state(row.state)
    )


def _fields_of(doc: str) -> object:
    """The sheet a document sends (who approved it and its key aside)."""
    try:
        data = json.loads(doc)
    except ValueError:
        return None
    return data.get("fields") if isinstance(data, dict) else None


def _waiting_run(
    session: Session,
    ticket: Ticket,
    catalog: Catalog,
    entry: Entry,
    now: datetime,
    actor: str,
    channel: str,
) -> ActionRun:
    row = action_runs.find(session, ticket.id, entry.id)
    if row is None:  # complete before the action existed (a catalog change): it waits now
        sheet_changed(session, ticket, catalog, now, actor=actor, channel=channel)
        row = action_runs.find(session, ticket.id, entry.id)
    if row is None:  # held: a ticket merged into this one ran it (else, a race: again)
        held = merged_ran(session, ticket.id, entry.id)
        raise ApprovalRefused(held or N_("the action could not be queued; try again"))
    if row.state not in (action_runs.AWAITING, action_runs.FAILED):  # queued without an
        raise ApprovalRefused(_already(row))  # approval (a catalog change); a failure: again
    return row


def _document(
    ticket: Ticket,
    entry: Entry,
    values: dict[str, str],
    key: str,
    trigger: str,
    approved_by: str | None,
) -> str:
    return document.build(
        ticket_id=ticket.id,
        entry=entry,
        requester=ticket.requester,
        values=values,
        key=key,
        trigger=trigger,
        approved_by=approved_by,
    )
