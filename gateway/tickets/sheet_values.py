"""Parameter-sheet values, changed through the tickets service.

Kept apart from :mod:`gateway.tickets.changes` (which re-exports both functions, the
service's one name for them) for its length. One rule lives here for every door (a
member's ``/field``, a requester's reply, the request, ``/category``, a script calling
the service): a value equal to the one stored is no change. As in RT or Zammad, it
leaves no ``field`` event in the history, no notice to the members (no conversation
fact), and the ticket's ``updated_at`` stays: the board does not bring it to the top
for nothing. Equal means after the field type's normalisation
(:func:`gateway.catalog.sheet.same_value`): the caller gives the canonical value (a
choice by its value, a date in ISO form, an address with its domain's A-label), and an
address an older release kept with its domain as typed is the same as its A-label.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from gateway.catalog.model import Entry
from gateway.catalog.sheet import same_value
from gateway.core.i18n import Msg, dump
from gateway.tickets.conversation import Fact, note
from gateway.tickets.history import add_event as _event
from store import fields, ticket_rows
from store.models import Ticket


def set_field(
    session: Session,
    ticket: Ticket,
    name: str,
    value: str,
    now: datetime,
    *,
    actor: str,
    channel: str,
    entry: Entry | None = None,
) -> bool:
    """One parameter-sheet value, already validated for its type by the caller
    (``entry``: the ticket's, whose field says how values compare). False, and nothing
    written, when the sheet holds that value already."""
    if not store_fields(
        session,
        ticket,
        {name: value},
        (),
        fields.field_values(session, ticket.id),
        now,
        source=channel,
        actor=actor,
        channel=channel,
        entry=entry,
    ):
        return False
    ticket.updated_at = now
    return True


def clear_field(
    session: Session, ticket: Ticket, name: str, now: datetime, *, actor: str, channel: str
) -> bool:
    """The sheet's value of ``name`` taken away (a value given by mistake, for a field
    the request does not need after all): a ``field`` event from the old value to none,
    and the members' notice, as for any change. False, and nothing written, when the
    sheet holds no value for it (the same rule as an equal value, see the module)."""
    existing = fields.field_values(session, ticket.id)
    if name not in existing:
        return False
    ticket_rows.clear_field(session, ticket.id, name)
    old = existing[name]
    detail = {"name": name, "source": channel}
    _event(session, ticket, now, (actor, channel), "field", old=old, new=None, detail=detail)
    note(session, Fact(ticket, "field", now, actor, old, "", name=name))
    ticket.updated_at = now
    return True


def store_fields(
    session: Session,
    ticket: Ticket,
    values: Mapping[str, str],
    rejected: Sequence[tuple[str, str, Msg]],
    existing: Mapping[str, str],
    now: datetime,
    *,
    source: str,
    actor: str,
    channel: str,
    entry: Entry | None = None,
) -> dict[str, str]:
    """Sheet values (new or corrected; ``existing`` is what was stored) and the values
    that failed their type check, ``(field, value, why)``, each as an event: the reason
    in English for ``--json`` and kept as a Msg (``said``) so each reader reads it in
    their language. A value the sheet already holds is left out (see the module);
    returned: the values written."""
    changed = {
        name: value
        for name, value in values.items()
        if not same_value(entry.field(name) if entry else None, existing.get(name), value)
    }
    for name, value in changed.items():
        ticket_rows.set_field(session, ticket.id, name, value, exists=name in existing)
        _event(
            session,
            ticket,
            now,
            (actor, channel),
            "field",
            old=existing.get(name),
            new=value,
            detail={"name": name, "source": source},
        )
        note(session, Fact(ticket, "field", now, actor, existing.get(name, ""), value, name=name))
    for name, value, why in rejected:
        _event(
            session,
            ticket,
            now,
            (actor, channel),
            "field-rejected",
            detail={
                "name": name,
                "value": value,
                "reason": str(why),
                "said": dump(why),
                "source": source,
            },
        )
    return changed
