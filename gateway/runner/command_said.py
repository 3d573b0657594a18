"""What an applied reply command changed, in words for the member's transcript.

Kept apart from :mod:`gateway.runner.command_run` (which applies the commands) because the
sample mails and their tests say the same words without running anything. Each
result is a :class:`~gateway.core.i18n.Msg`, said in the recipient's language when
the transcript is rendered.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from gateway.catalog.model import Entry
from gateway.catalog.sheet import typed_said
from gateway.core import zone
from gateway.core.domains import readable_address
from gateway.core.i18n import LOCALES, N_, Msg, translate
from gateway.notify import labels
from gateway.pipeline import commands
from gateway.pipeline.merging import Merge
from gateway.pipeline.watching import Watch
from gateway.tickets import merge_watch
from store.models import Ticket


def changed(
    action: commands.Action,
    old_state: str,
    taken: Mapping[str, str] | None = None,
    entry: Entry | None = None,
    *,
    team_zone: str = "",
    names: Mapping[str, str] | None = None,
) -> Msg:
    """What an applied command changed, in words for its transcript (``old_state``: the
    ticket's state before it; ``taken``: the sheet values ``/category`` read from the
    request, so the member sees what the ticket now holds without opening it; ``entry``:
    the entry ``/category`` filed it under, named by its name and the id they typed, or
    the ticket's entry, whose field ``/field`` set: named by its label, its value as the
    member reads it, :func:`~gateway.catalog.sheet.typed_said`; ``team_zone``: the team's
    zone, which a ``/due`` day read in another is told apart from, :func:`_due`)."""
    match action:
        case commands.SetState(target, None):
            return N_("{old} → {new}", old=labels.state(old_state), new=labels.state(target))
        case commands.SetState(target, reason):
            return N_(
                "{old} → {new} ({reason})",
                old=labels.state(old_state),
                new=labels.state(target),
                reason=labels.close_reason(reason or ""),
            )
        case commands.Assign(member):
            return N_("assigned to {member}", member=member_said(member, names))
        case commands.SetCategory(entry_id) if taken:
            return N_(
                "filed under {entry}; from the request: {values}",
                entry=_filed(entry, entry_id),
                values=_taken(entry, taken),
            )
        case commands.SetCategory(entry_id):
            return N_("filed under {entry}", entry=_filed(entry, entry_id))
        case commands.SetDue(due):
            return N_("due {date}", date=_due(due, team_zone))
        case commands.SetField(name, value):
            return N_(
                "field {name} set to {value}",
                name=_field_said(entry, name),
                value=_value_said(entry, name, value),
            )
        case commands.AddNote():
            return N_("internal note added (not sent to the requester)")
        case commands.Approve():
            return N_("approved")
        case commands.SetPriority(level):
            return N_("priority set to {new}", new=labels.priority(level))
        case commands.UseAnswer(name):
            return N_("saved answer {name} added after your words", name=name)
        case Merge() | Watch():
            return merge_watch.said(action)


def unchanged(action: commands.SetField, entry: Entry | None) -> Msg:
    """A ``/field`` giving the value the sheet holds already: the member is told nothing
    changed (the tickets service wrote no event, and no one was told of a change)."""
    return N_(
        "field {name} already had the value {value}: nothing changed",
        name=_field_said(entry, action.name),
        value=_value_said(entry, action.name, action.value),
    )


def filed_already(entry: Entry | None, entry_id: str) -> Msg:
    """A ``/category`` naming the entry the ticket is under: nothing changed, no event,
    as ``/assign`` to its assignee."""
    return N_("already filed under {entry}: nothing changed", entry=_filed(entry, entry_id))


def assigned_already(member: str, names: Mapping[str, str] | None = None) -> Msg:
    """An ``/assign`` naming the member who has the ticket: nothing changed, as the CLI,
    the page's "assign to me" and Slack's button say it."""
    return N_("{member} has it already: nothing changed", member=member_said(member, names))


def member_said(email: str, names: Mapping[str, str] | None) -> str:
    """A member as the team knows them: their ``[[members]]`` name, as the notices and
    pages name them (a transcript said ``assigned to ops2@example.test``), else the
    address with its domain as people write it."""
    return (names or {}).get(email) or readable_address(email)


def has_state_already(ticket: Ticket, action: commands.Action, *, reason_named: bool) -> bool:
    """``/open`` on an open ticket, ``/pending`` on a waiting one, ``/close`` on a closed
    one: no change, as ``tickets set-state`` decides it (exit 0, "already …"). Not
    when the ``/close`` names another reason than the ticket was closed with (closing
    again changes no reason: the state machine refuses it, as for the CLI), nor for a
    ticket merged into another (the state machine says where its work goes on)."""
    if not isinstance(action, commands.SetState) or ticket.merged_into_id is not None:
        return False
    if ticket.state != action.target:
        return False
    return not reason_named or action.reason is None or ticket.close_reason == action.reason


def state_already(state: str) -> Msg:
    """The transcript's line for :func:`has_state_already`: news, not a refusal (no
    event is written, and the grammar is not sent as if something went wrong)."""
    return N_("the ticket is already {state}: nothing changed", state=labels.state(state))


def _due(due: datetime, team_zone: str) -> zone.When:
    """A due date as its writer reads it: the day with its weekday, which is all there is
    to say in the team's zone; read in another zone (the member's ``time_zone``), the end
    of that day with the zone's name (``Sat, Dec 5, 2026, 23:59 EST``), so that neither
    they nor a colleague who reads the transcript takes it for the team's day."""
    zone_key = getattr(due.tzinfo, "key", "")
    if not team_zone or not zone_key or zone_key == team_zone:
        return zone.Day(due.date())
    return zone.Moment(due)


def _taken(entry: Entry | None, taken: Mapping[str, str]) -> Mapping[str, str]:
    """The values ``/category`` took, each by its field's label in each reader's language
    and the name ``/field`` is given (ユーザーID（user_id） = taro.yamada), as the ticket
    page and the acknowledgement name the sheet's fields (a Msg parameter, core.i18n)."""
    said = {name: _value_said(entry, name, value) for name, value in taken.items()}
    return {
        loc: translate(N_(", "), loc).join(
            f"{translate(_field_said(entry, name), loc)} = {said[name][loc]}" for name in taken
        )
        for loc in LOCALES
    }


def _value_said(entry: Entry | None, name: str, value: str) -> Mapping[str, str]:
    """A value of the entry's field ``name`` as the member who types values reads it: a
    choice by its label, with the value beside it where the label does not say it."""
    field = entry.field(name) if entry is not None else None
    return typed_said(field, value) if field is not None else {loc: value for loc in LOCALES}


def _field_said(entry: Entry | None, name: str) -> Msg | str:
    field = entry.field(name) if entry is not None else None
    if field is None or all(field.label(loc) == name for loc in LOCALES):
        return name
    return N_("{name} ({id})", name={loc: field.label(loc) for loc in LOCALES}, id=name)


def _filed(entry: Entry | None, entry_id: str) -> Msg | str:
    """The entry a ticket was filed under: its name and its id (アカウント（account）)."""
    return entry.said_with_id() if entry is not None and entry.id == entry_id else entry_id
