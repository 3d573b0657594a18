"""A new ticket's catalog entry, assignee and parameter sheet, written as rows.

The decisions are the pure functions of ``gateway.catalog`` (match, sheet,
assign); this module only feeds them facts from the store and records the
answers through the tickets service, inside the caller's transaction. Every
decision is an event, so ``tickets show`` explains why a ticket landed where
it did. Sending the "missing fields" mail is the caller's job: it gets the
list here and writes an outbox row in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from gateway.actions import trigger
from gateway.catalog.assign import Assignment, choose_assignee
from gateway.catalog.match import Classification
from gateway.catalog.model import Action, Catalog, Entry
from gateway.catalog.refile import Move
from gateway.catalog.sheet import BadValue, Sheet, missing_required, parse_sheet
from gateway.catalog.triage import triage, triage_read, triage_submission
from gateway.config.settings import Settings
from gateway.core.clock import day_in
from gateway.core.i18n import N_, Msg
from gateway.core.model import ParsedMessage, Submission, TicketState
from gateway.pipeline import archive, unanswered
from gateway.pipeline.request_words import request_words
from gateway.runner.foresight import Foresight
from gateway.tickets import changes
from store import action_runs, fields
from store import refile as refile_rows
from store.models import Ticket

ACTOR = "gateway"
CHANNEL = "system"


@dataclass(frozen=True, slots=True)
class CategorizeResult:
    entry_id: str
    assignee: str | None
    classification: Classification
    stored: dict[str, str]  # field name → value written now
    rejected: tuple[BadValue, ...]
    missing: list[tuple[str, str]]  # (field name, label in the ticket's locale)
    locale: str


@dataclass(frozen=True, slots=True)
class FillResult:
    stored: dict[str, str]
    rejected: tuple[BadValue, ...]
    missing: list[tuple[str, str]]  # still missing after this reply


def categorize_new_ticket(
    session: Session,
    ticket: Ticket,
    msg: ParsedMessage,
    catalog: Catalog,
    settings: Settings,
    now: datetime,
    *,
    chosen: Submission | None = None,
    foresight: Foresight | None = None,
    today: date | None = None,
) -> CategorizeResult:
    """Classify, assign and read the sheet of a just-opened ticket (already flushed);
    ``today``: the day the mail came in the team's zone (:attr:`Arrival.today`), which a
    date without its year (``4/1``) is the next such day from;
    ``chosen``: a form or chat submission, whose entry and fields the person picked;
    ``foresight``: worked out ahead, used if it answers this message and catalog."""
    locale = ticket.locale or settings.gateway.locale
    known = foresight.triage_for(catalog, msg) if foresight is not None else None
    if known is not None and known[1].rejected:
        # read ahead without the day the mail came: a refused value may be a date without
        # its year, which that day makes one (the day only ever turns a refusal into a value)
        known = None
    if chosen is not None:
        verdict = triage_submission(catalog, msg, request_words(msg), chosen, locale, today)
    elif known is not None:  # read ahead in the parse process: the words are not needed
        verdict = triage_read(catalog, known, locale)
    else:
        verdict = triage(catalog, msg, request_words(msg), locale, today=today)
    entry, sheet = verdict.entry, verdict.sheet
    assignment = _assignment(session, catalog, entry)
    changes.file_under(
        session,
        ticket,
        entry.id,
        assignment.assignee,
        now,
        actor=ACTOR,
        channel=CHANNEL,
        why=verdict.classification.as_detail(),
        assign_rule=assignment.rule,
    )
    _store(
        session,
        ticket,
        sheet,
        {},
        now,
        source="request",
        actor=ticket.requester,
        channel=chosen.source if chosen is not None else "email",
    )
    return CategorizeResult(
        entry.id,
        assignment.assignee,
        verdict.classification,
        dict(sheet.values),
        sheet.rejected,
        verdict.missing,
        locale,
    )


def fill_fields_from_reply(
    session: Session,
    ticket: Ticket,
    msg: ParsedMessage,
    catalog: Catalog,
    now: datetime,
    *,
    locale: str | None = None,
    today: date | None = None,
) -> FillResult:
    """Store the values a reply gives (new or corrected); report what is still missing.
    ``today``: the day the reply came, as for :func:`categorize_new_ticket`."""
    entry = catalog.entry(ticket.catalog)
    if entry is None or not entry.fields:  # entry removed from the catalog since
        return FillResult({}, (), [])
    existing = fields.field_values(session, ticket.id)
    sheet = parse_sheet(entry, msg.new_text, today)
    actor = msg.from_.email if msg.from_ else ticket.requester  # the values are theirs
    changed = _store(  # a value given again is no change (the tickets service's rule)
        session,
        ticket,
        sheet,
        existing,
        now,
        source="reply",
        actor=actor,
        channel="email",
        entry=entry,
    )
    merged = {**existing, **changed}
    missing = missing_required(entry, merged, locale or ticket.locale or "en")
    return FillResult(changed, sheet.rejected, missing)


@dataclass(frozen=True, slots=True)
class Refiled:
    assignee: str | None  # who has the ticket now
    stored: dict[str, str]  # sheet values of the new entry read from the request
    action: Action | None = None  # the new entry's action, when its sheet is complete
    run: int | None = None  # its run (None in a dry run, which writes nothing, or held)
    held: Msg | None = None  # why the move does not start it (:func:`held_by`)


def refile(
    session: Session,
    ticket: Ticket,
    move: Move,
    catalog: Catalog,
    new_text: str,
    now: datetime,
    *,
    actor: str,
    channel: str,
    zone: str,
) -> Refiled:
    """File an existing ticket under ``move.entry`` (``catalog refile``), as a new request
    would be filed there: the category event carries the classification, an assignee
    the old filing gave is replaced by the new entry's (its rule, round robin too), and
    the values the request already holds for the new entry's sheet are stored. A closed
    ticket changes its entry only (its statistics), and nothing is mailed: the requester
    asked long ago, and the new assignee hears of the assignment as of any other. A sheet
    complete now starts the new entry's action (or has it wait for ``/approve``), written
    by :func:`gateway.actions.trigger.sheet_changed` as for a new request filed there.
    ``zone``: the team's, the request's day is counted in (:func:`request_day`)."""
    why = {"rule": "refile", **move.classification.as_detail()}
    changes.set_category(session, ticket, move.entry.id, now, actor=actor, channel=channel, why=why)
    if ticket.state == TicketState.CLOSED:
        return Refiled(ticket.assignee, {})
    if move.reassign:
        chosen = _assignment(session, catalog, move.entry)
        if chosen.assignee is not None and chosen.assignee != ticket.assignee:
            rule = {"rule": chosen.rule, "entry": move.entry.id}
            changes.assign(
                session, ticket, chosen.assignee, now, actor=actor, channel=channel, rule=rule
            )
    today = request_day(session, ticket, zone)
    by: dict[str, str] = {"actor": actor, "channel": channel}
    new = take_request_values(
        session, ticket, move.entry, new_text, now, today, source="refile", **by
    )
    values = fields.field_values(session, ticket.id)
    if not trigger.starts(session, ticket.id, move.entry, values):
        return Refiled(ticket.assignee, new)
    hold = held_by(session, ticket.id, move.entry.id)
    run = trigger.sheet_changed(
        session, ticket, catalog, now, actor=actor, channel=channel, hold=hold
    )
    return Refiled(ticket.assignee, new, move.entry.action, run, hold)


def held_by(session: Session, ticket_id: int, entry_id: str) -> Msg | None:
    """Why filing a ticket again must not start ``entry_id``'s action: its request came
    from an imported archive (held as it was when it came in: a years-old request must
    not create anything today), or it ran an action under the entry it was filed under
    before (an entry renamed keeps its action under the new id, and ``refile --from``
    the old id would run it again for every ticket that ran it: an account made twice),
    or a ticket merged into it ran it (:func:`gateway.actions.trigger.merged_ran`). A
    member decides on those, as on any held action."""
    came = refile_rows.request_arrival(session, ticket_id)
    if came is not None and archive.is_archive(came.bulk, came.date, came.received_at):
        if came.date is None:
            return unanswered.UNDATED_TO_ACT
        return unanswered.too_old_to_act(came.date.date())
    merged = trigger.merged_ran(session, ticket_id, entry_id)  # a duplicate merged in ran it
    if merged is not None:
        return merged
    earlier = next(
        (
            r
            for r in action_runs.list_runs(session, ticket_id=ticket_id)
            # a run with no try made was never run: still queued or awaiting approval (the
            # worker will not run it under the entry the ticket leaves), or failed so (its
            # ticket closed, or its action left the catalog, while it was queued): no work
            # to do twice
            if r.entry_id != entry_id and r.attempts > 0
        ),
        None,
    )
    if earlier is None:
        return None
    return N_(
        "it ran the action of {entry} already (run #{run})", entry=earlier.entry_id, run=earlier.id
    )


def recategorize(
    session: Session,
    ticket: Ticket,
    entry_id: str,
    catalog: Catalog,
    now: datetime,
    *,
    actor: str,
    channel: str,
    zone: str,
) -> dict[str, str]:
    """A person files the ticket under ``entry_id`` (``/category``): the category event
    says a person chose it (so ``catalog refile`` leaves it there), the assignee stays
    (reassigning is its own change), and the new entry's sheet takes the values the
    request already holds, as :func:`refile` fills it, so nobody asks the requester
    again for what they wrote. The values stored now are returned; the caller checks
    whether the sheet is complete (``trigger.sheet_changed``), as after any change that
    may fill it. A closed ticket changes its entry only, as with refile."""
    changes.set_category(session, ticket, entry_id, now, actor=actor, channel=channel)
    entry = catalog.entry(entry_id)
    if entry is None or not entry.fields or ticket.state == TicketState.CLOSED:
        return {}
    text, today = refile_rows.request_text(session, ticket.id), request_day(session, ticket, zone)
    return take_request_values(
        session, ticket, entry, text, now, today, source="category", actor=actor, channel=channel
    )


def request_day(session: Session, ticket: Ticket, zone: str) -> date:
    """The day the ticket's request came, in the team's ``zone``: what a date in it
    without its year (``4/1``) is the next such day from when the request is read again
    for another entry, as when it was first read (a request of March moved in May keeps
    4/1 as the April 1st after it came, not next year's)."""
    return day_in(refile_rows.request_came(session, ticket.id) or ticket.created_at, zone)


def take_request_values(
    session: Session,
    ticket: Ticket,
    entry: Entry,
    new_text: str,
    now: datetime,
    today: date,
    *,
    source: str,
    actor: str,
    channel: str,
) -> dict[str, str]:
    """Store what ``new_text`` (the request's own words) holds for ``entry``'s sheet,
    where the ticket has no value yet: a value a person gave or corrected is never
    overwritten by the older request. A value that does not fit its type is left out
    (the field stays missing, for a reply or ``/field``), without an event of its own.
    ``today``: the day the request came (:func:`request_day`)."""
    existing = fields.field_values(session, ticket.id)
    sheet = parse_sheet(entry, new_text, today)
    new = {k: v for k, v in sheet.values.items() if k not in existing}
    _store(
        session, ticket, Sheet(new, ()), existing, now, source=source, actor=actor, channel=channel
    )
    return new


def _assignment(session: Session, catalog: Catalog, entry: Entry) -> Assignment:
    """The entry's assignee; a round robin's turn read under its lock (held until the
    ticket is committed), so two instances at once do not serve one member twice."""
    if len(entry.assignees) <= 1:
        return choose_assignee(catalog, entry, {})
    fields.hold_turns(session, entry.id)
    return choose_assignee(catalog, entry, fields.last_served(session, entry.id, entry.assignees))


def _store(
    session: Session,
    ticket: Ticket,
    sheet: Sheet,
    existing: dict[str, str],
    now: datetime,
    *,
    source: str,
    actor: str,
    channel: str,
    entry: Entry | None = None,
) -> dict[str, str]:
    return changes.store_fields(
        session,
        ticket,
        sheet.values,
        [(r.field, r.value, r.why) for r in sheet.rejected],
        existing,
        now,
        source=source,
        actor=actor,
        channel=channel,
        entry=entry,
    )
