"""``/tickets/<id>``: a ticket whole, and what a member may do to it from the page
(the list, ``/tickets``, is :mod:`gateway.web.ticket_list`).

Changes go through :mod:`gateway.tickets.changes`, as from mail and the CLI,
with ``web`` as the channel and the member as the actor. Mail is shown as its
text, never its HTML.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from gateway.actions import trigger
from gateway.catalog.model import Catalog, Field
from gateway.catalog.sheet import validate
from gateway.config.settings import Member, Settings
from gateway.core import i18n
from gateway.core.errors import InvalidTransition
from gateway.core.i18n import N_, Msg
from gateway.core.model import By, Channel, CloseReason, TicketState
from gateway.notify.labels import SYSTEM_ACTORS, field_cleared
from gateway.tickets import changes, event_words
from gateway.web import done as said_done
from gateway.web import guard
from gateway.web.posted import texts as form_texts
from gateway.web.ticket_conflict import Conflict, conflict, seen_of
from gateway.web.visit import (
    ctx_of,
    entry_langs,
    members_only,
    note_of,
    page,
    path_id,
    see_other,
    visitor,
)
from store import action_runs, seen, ticket_query, tickets
from store.models import Ticket

routes = web.RouteTableDef()


@dataclass(frozen=True, slots=True)
class MergeRefused:
    """A merge the page's box asked for and that was refused: the box shows it again."""

    typed: str  # what was in the box, shown back as its value
    why: Msg  # said next to the box, in the page's language


CLOSE_REASONS = tuple(r.value for r in CloseReason)
# the buttons of the page's work form (its note box's): what each POST may ask
ACTIONS = ("assign_me", "assign", "pending", "open", "close", "note", "approve")
NOBODY = "-"  # the assign select's "nobody", as the list's filter and ``tickets assign ID -``
# the same note by the same member this soon after it, no other note between: the same press
NOTE_AGAIN = timedelta(minutes=1)
# ?already=…: a button pressed again (a double click, two members at once) whose change
# the first press made; the page says so over the change made, and nothing is done twice
ALREADY = {
    "approved": N_("The action was already approved; nothing was done again."),  # approve
    "unmerged": N_("The merge was already undone; nothing was done again."),  # unmerge
}
# ?error=…: a press that changed nothing, and why, said over the page it comes back to
ERRORS = {
    # the state machine refused the change (a closed ticket set pending)
    "transition": N_("That change is not possible in the ticket's current state."),
    # "add note" with nothing (or only blanks) in the box: nothing to add
    "empty-note": N_("The note box was empty, so no note was added. Type the note, then add it."),
}


def _detail(session: Session, ticket_id: int) -> dict[str, Any] | None:
    # where this view of it ends, read before the rest: on PostgreSQL each statement sees
    # what committed before it, so a change committed while the page is read is after
    # ``seen`` and a press made on the page is checked against it (read last, a colleague's
    # assignment missing from the page was inside it, and "Assign to me" undid it)
    view_ends = seen.latest_event_id(session, ticket_id)
    data = tickets.detail(session, ticket_id)
    if data is None:
        return None
    ids = ticket_query.attachment_ids(session, ticket_id)
    for m in data["messages"]:
        for n, a in enumerate(m["attachments"]):
            a["id"] = ids.get((m["id"], n))
    for e in data["events"]:  # the gateway's own words, said in the page's language
        if e["kind"] == "note" and e["detail"]:
            e["detail"]["text"] = i18n.kept(e["detail"].get("said"), e["detail"].get("text", ""))
        if e["kind"] == "field-rejected" and e["detail"]:  # the value, and why it was refused
            d = e["detail"]
            why = i18n.kept(d.get("said"), str(d.get("reason", "")))
            d["why"] = N_("{value} ({reason})", value=str(d.get("value", "")), reason=why)
        if e["kind"] in event_words.SAID_KINDS:  # a mail not sent, a refusal, a limit: why
            e["detail"] = {**(e["detail"] or {}), "why": event_words.why(e["kind"], e["detail"])}
    for r in data["action_runs"]:  # the last error, said in the page's language
        r["error"] = action_runs.said_error_of(r)
        r["waits_for_approval"] = _waits_for_approval(r, data)
    data["seen"] = view_ends  # a press made on this view undoes no change made after it
    return data


def _waits_for_approval(run: dict[str, Any], ticket: dict[str, Any]) -> bool:
    """Whether a manager's approval would queue ``run`` now (the page's Approve button):
    it is the run of the entry the ticket is filed under, the ticket is open, and the
    run waits, or was withdrawn before any manager approved it (its ticket closed or
    refiled meanwhile: failed with no document, ``input_sha256`` empty), which
    ``/approve`` queues again once the ticket is open under its entry."""
    if run["entry"] != ticket["catalog"] or ticket["state"] == "closed":
        return False
    withdrawn = run["state"] == action_runs.FAILED and not run["input_sha256"]
    return run["state"] == action_runs.AWAITING or withdrawn


@routes.get("/tickets/{id}")
@members_only
async def ticket_page(request: web.Request) -> web.Response:
    ticket_id = path_id(request, "id")
    response = await show(request, ticket_id, done=said_done.told(request, ticket_id))
    said_done.forget(request, response)
    return response


async def show(
    request: web.Request,
    ticket_id: int,
    status: int = 200,
    merge: MergeRefused | None = None,
    done: list[Msg] | None = None,
    clash: tuple[Msg, str] | None = None,
) -> web.Response:
    """The ticket's page; with ``merge``, as a refused merge brings it back: the box
    holds what was typed, and why it was refused is said next to it (a page of its own
    had no box, and a retry needed Back); ``done``: what the press before it did;
    ``clash``: why a press did nothing (a change made since its page was drawn) and the
    note typed with it, kept in its box."""
    ctx = ctx_of(request)
    data = await ctx.read(_detail, ticket_id)
    if data is None:
        raise web.HTTPNotFound()
    entries = ctx.catalog().entries
    entry = ctx.catalog().entry(data["catalog"])
    locale = visitor(request).locale
    fields = {f.name: f for e in entries for f in e.fields}
    fields.update({f.name: f for f in (entry.fields if entry else ())})
    labels = {name: f.label(locale) for name, f in fields.items()}
    _choices_said(data["events"], fields, locale)
    for e in data["events"]:  # a value removed: said as the notice and the CLI say it
        if e["kind"] == "field" and e["old"] and not e["new"]:
            name = str((e["detail"] or {}).get("name", ""))
            e["said"] = field_cleared(labels.get(name, name), e["old"])
            e["cleared"] = True  # its kind too: "Field cleared", not "Field set"
    sheet = entry.fields if entry else ()
    return page(
        request,
        "ticket.html.j2",
        {
            "t": data,
            "entry": entry,
            "entry_names": {e.id: e.name(locale) for e in entries},
            "entry_langs": entry_langs(request),  # an entry's name in the other language
            "system_actors": SYSTEM_ACTORS,  # the history's "by" when no person acted
            "field_labels": labels,  # the ticket's own entry first, where names clash
            "not_valid_now": _not_valid_now(sheet, data["fields"], locale),
            # values of fields the sheet no longer has (renamed, removed): kept, by name
            "off_sheet": {k: v for k, v in data["fields"].items() if k not in fields_of(sheet)},
            "close_reasons": CLOSE_REASONS,
            "members": ctx.settings.members,  # the assignee by name, as on the board
            "nobody": NOBODY,
            "error": ERRORS.get(request.query.get("error", "")),
            "note_error": request.query.get("error", "") == "empty-note",  # at the box
            "already": ALREADY.get(request.query.get("already", "")),
            "merge": merge,
            "done": done or [],  # said in a live region: a screen reader announces it
            "conflict": clash[0] if clash else None,
            "kept_note": clash[1] if clash else "",
        },
        status=status,
    )


def fields_of(sheet: tuple[Field, ...]) -> set[str]:
    return {f.name for f in sheet}


def _not_valid_now(
    sheet: tuple[Field, ...], values: Mapping[str, str], locale: str
) -> dict[str, str]:
    """Why each stored value its field no longer takes (the sheet changed since: a choice
    dropped, a text made a number) is not valid now, in the page's language: an action
    reads the sheet as the catalog is now and counts such a value missing."""
    out = {}
    for f in sheet:
        problem = validate(f, values[f.name])[1] if f.name in values else None
        if problem is not None:
            out[f.name] = i18n.translate(problem, locale)
    return out


def _choices_said(events: list[dict[str, Any]], fields: Mapping[str, Field], locale: str) -> None:
    """A choice field's values in the history by their labels in the page's language,
    as the sheet above it shows them (the event keeps the value: ``capex``)."""
    for e in events:
        field = (
            fields.get(str((e["detail"] or {}).get("name", ""))) if e["kind"] == "field" else None
        )
        if field is not None:  # a choice by its label, an address with its domain as written
            e["old"], e["new"] = (v and field.shown(v, locale) for v in (e["old"], e["new"]))


@routes.post("/tickets/{id}")
@guard.keeps_typed_input
@members_only
async def act(request: web.Request) -> web.Response:
    """assign to me, to another member or to nobody, pending, open, close (with a
    reason), a note, or (a manager) approve the catalog action that waits for approval.
    When the CSRF token failed (the browser lost that cookie, the session lived on),
    nothing is done: a 403 page says so, shows the note back and carries a fresh token
    to press again with."""
    ctx = ctx_of(request)
    ticket_id = path_id(request, "id")
    member = visitor(request).member
    assert member is not None
    posted = await form_texts(request)
    action = str(posted.get("action", ""))
    reason = str(posted.get("reason", "resolved"))
    note = note_of(posted)
    # the select's choice: a member of the team as configured, or "-" for nobody
    assignee = str(posted.get("assignee", "")).strip().lower()
    if action not in ACTIONS:
        raise web.HTTPBadRequest()
    if action == "close" and reason not in CLOSE_REASONS:
        raise web.HTTPBadRequest()
    if action == "assign" and assignee != NOBODY and assignee not in ctx.settings.team:
        raise web.HTTPBadRequest()  # not offered: nobody outside the team holds a ticket
    if guard.csrf_refused(request):  # checked after the shape: only our own values shown
        hidden = [("action", action)] + ([("reason", reason)] if action == "close" else [])
        hidden += [("assignee", assignee)] if action == "assign" else []
        after = seen_of(posted.get("seen"))  # pressed again, it undoes no change either
        hidden += [("seen", str(after))] if after is not None else []
        post_to = f"/tickets/{ticket_id}"
        return guard.press_again(
            request, post_to, ticket_id=ticket_id, hidden=hidden, kept_note=note
        )
    if action == "approve":
        said = await ctx.write(
            _approve, ticket_id, ctx.settings, ctx.catalog(), member.email, note, ctx.now()
        )
        if said is None:
            raise web.HTTPNotFound()
        if said is False:  # pressed again: a manager approved it already
            raise see_other(f"/tickets/{ticket_id}?already=approved")
        if said is not True:  # refused: why, in the page's language
            values = {"ticket_id": ticket_id, "why": said}
            return page(request, "approve_refused.html.j2", values, status=409)
        answer = see_other(f"/tickets/{ticket_id}")
        raise said_done.tell(request, answer, ticket_id, action, noted=bool(note))
    if action == "note" and not note:  # not required in the browser: the buttons share it
        raise see_other(f"/tickets/{ticket_id}?error=empty-note")
    if action == "assign_me":  # the same change, to the member who pressed it
        action, assignee = "assign", member.email
    to = None if assignee == NOBODY else assignee
    after = seen_of(posted.get("seen"))
    team = ctx.settings.members
    done = await ctx.write(
        _act, ticket_id, member.email, action, reason, note, ctx.now(), to, after, team
    )
    if done is None:
        raise web.HTTPNotFound()
    if isinstance(done, Conflict):  # drawn before a colleague's change: theirs stands
        return await show(request, ticket_id, 409, clash=(done.said, note))
    if not done:  # the change refused; a note typed with it was added all the same
        refused = see_other(f"/tickets/{ticket_id}?error=transition")
        raise said_done.tell(request, refused, ticket_id, "note") if note else refused
    ctx.wake_sender()  # the status mail or notice the change queued goes out now
    answer = see_other(f"/tickets/{ticket_id}")
    raise said_done.tell(request, answer, ticket_id, action, noted=bool(note))


def _act(
    session: Session,
    ticket_id: int,
    actor: str,
    action: str,
    reason: str,
    note: str,
    now: datetime,
    assignee: str | None = None,
    after: int | None = None,
    members: Sequence[Member] = (),
) -> bool | Conflict | None:
    """None: no such ticket; False: the state machine refused; a Conflict: the page
    was drawn before another's change this would undo, nothing done; True: done
    (``assign``: to ``assignee``, None for nobody). ``after``: the latest event the
    member's page showed (None: not known); ``members``: the team, to name who."""
    ticket = tickets.get_to_change(session, ticket_id)
    if ticket is None:
        return None
    clash = conflict(session, ticket, action, assignee, after, actor, members)
    if clash is not None:
        return clash
    how: By = {"actor": actor, "channel": Channel.WEB.value}
    _add_note(session, ticket, actor, note, now)
    if action == "note":
        return True
    try:
        if action == "assign":
            if ticket.assignee != assignee:  # theirs already (a second click): nothing to record
                changes.assign(session, ticket, assignee, now, **how)
        else:
            target = {"pending": TicketState.PENDING, "open": TicketState.OPEN}.get(
                action, TicketState.CLOSED
            )
            if ticket.state == target.value:  # pressed twice: the first press did it
                return True
            changes.change_state(
                session,
                ticket,
                target,
                now,
                reason=CloseReason(reason) if target == TicketState.CLOSED else None,
                actor=actor,
                channel=Channel.WEB.value,
            )
    except InvalidTransition:
        return False
    return True


def _add_note(session: Session, ticket: Ticket, actor: str, note: str, now: datetime) -> None:
    """Every button above the note box sends it along: what was typed is added first,
    whichever was pressed (a close without it lost the words), and once."""
    if note and not _noted_just_now(session, ticket.id, actor, note, now):
        changes.add_note(session, ticket, note, now, actor=actor, channel=Channel.WEB.value)


def _noted_just_now(session: Session, ticket_id: int, actor: str, note: str, now: datetime) -> bool:
    """Whether the ticket's latest note is this member's note of these words, made
    within :data:`NOTE_AGAIN`: a button pressed twice (a double click), whose second
    post would add the same note again and tell the assignee twice. The latest note,
    not the latest event: the first press of "Close" wrote its change after it."""
    last = tickets.last_event(session, ticket_id, "note")
    return (
        last is not None
        and (last.kind, last.actor) == ("note", actor)
        and (last.detail or {}).get("text") == note
        and now - last.at <= NOTE_AGAIN
    )


def _approve(
    session: Session,
    ticket_id: int,
    settings: Settings,
    catalog: Catalog,
    actor: str,
    note: str,
    now: datetime,
) -> bool | Msg | None:
    """The ticket page's approve button: the same function as a manager's ``/approve``
    (who may, a complete sheet, a run that waits), with the web as the channel. None:
    no such ticket; a Msg: why it was refused; True: the run is queued; False: it was
    approved already (pressed again), nothing done."""
    ticket = tickets.get_to_change(session, ticket_id)
    if ticket is None:
        return None
    _add_note(session, ticket, actor, note, now)  # the note box goes with the button
    try:
        trigger.approve(
            session, settings.members, catalog, ticket, now, actor=actor, channel=Channel.WEB.value
        )
    except trigger.AlreadyApproved:
        return False
    except trigger.ApprovalRefused as exc:
        return exc.reason
    return True
