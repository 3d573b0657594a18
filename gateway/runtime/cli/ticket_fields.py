"""``tickets field ID [KEY [VALUE...] | KEY --clear]``: a ticket's parameter sheet from a
shell, as a member's ``/field`` sets it by mail.

One rule for every door: the field is found as ``/field`` finds it (its name, or its
label in any language, :func:`gateway.catalog.sheet.field_named`), the value is read by
the field's type (:func:`gateway.catalog.sheet.validate`; a date without its year is
the next such day from today in the team's zone, as ``/field`` reads it) and refused
with the same words, and the tickets service writes it
(:mod:`gateway.tickets.sheet_values`): a value the sheet holds already is no change
(no event, no notice), a change is an event with actor ``cli:<login>`` and channel
``cli`` and the members' notice, and a sheet it completes starts the entry's action
(:func:`gateway.actions.trigger.sheet_changed`).
A closed ticket's sheet may be corrected (its record), but starts nothing: the work was
done or withdrawn, as ``catalog refile`` leaves a closed ticket's action alone. A merged
ticket's sheet went into the ticket it was merged into: it is refused, as ``tickets
answer`` refuses it. Without a KEY the sheet is listed, each field with its type.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from gateway.core.i18n import N_, Msg
from gateway.runtime.cli.common import (
    EX_DATAERR,
    EX_OK,
    EX_UNAVAILABLE,
    EX_USAGE,
    Speaker,
    actor,
    columns,
    opened,
    pad,
    print_json,
    reading,
    ticket_to_change,
)
from gateway.runtime.cli.help_language import h
from gateway.runtime.cli.numbers import whole

if TYPE_CHECKING:
    from gateway.catalog.model import Entry, Field
    from gateway.config.settings import Settings


def cmd_tickets_field(args: argparse.Namespace, settings: Settings) -> int:
    said = Speaker(settings)
    value = " ".join(args.value).strip()
    if args.key is None:
        if args.clear:
            said.warn(N_("--clear needs the field to clear"))
            return EX_USAGE
        return _list(settings, said, args.id, args.json)
    if args.clear == bool(value):  # both, or neither: which was meant is not known
        said.warn(
            N_("give the field a value, or --clear, not both")
            if args.clear
            else N_("give the field a value (or --clear to take its value away)")
        )
        return EX_USAGE
    return _change(settings, said, args, value)


def _change(settings: Settings, said: Speaker, args: argparse.Namespace, value: str) -> int:
    """Set or clear one field in one transaction; what was done, or why not (65, 69)."""
    from gateway.actions import trigger
    from gateway.catalog.sheet import validate
    from gateway.core.clock import day_in
    from gateway.core.model import TicketState
    from gateway.pipeline.commands import SetField
    from gateway.pipeline.field_names import field_said
    from gateway.runner.command_said import changed, unchanged
    from gateway.tickets import changes
    from store.db import transaction

    with opened(settings) as app, transaction(app.sessions) as s:
        found = ticket_to_change(s, args.id, said)
        if isinstance(found, int):
            return found
        ticket = found
        catalog = app.catalog.current
        entry = catalog.entry(ticket.catalog)
        field = _named(entry, args.key)
        if isinstance(field, Msg):
            said.warn(N_("ticket #{id}: {problem}", id=args.id, problem=field))
            return EX_DATAERR
        now, who = app.clock.now(), actor()
        done: Msg
        if args.clear:
            wrote = changes.clear_field(s, ticket, field.name, now, actor=who, channel="cli")
            done = (
                N_("field {name} cleared", name=field_said(field))
                if wrote
                else N_("field {name} has no value: nothing changed", name=field_said(field))
            )
        else:
            today = day_in(now, settings.gateway.timezone)  # 4/1: the next, as /field
            canonical, problem = validate(field, value, today)
            if problem is not None:
                said.warn(N_("field {name}: {problem}", name=args.key, problem=problem))
                return EX_DATAERR
            action, old = SetField(field.name, canonical), ticket.state
            wrote = changes.set_field(
                s, ticket, field.name, canonical, now, actor=who, channel="cli", entry=entry
            )
            done = changed(action, old, entry=entry) if wrote else unchanged(action, entry)
        if wrote and ticket.state != TicketState.CLOSED:  # a sheet complete now: its action
            trigger.sheet_changed(s, ticket, catalog, now, actor=who, channel="cli")
    said.say(N_("ticket #{id}: {change}", id=args.id, change=done))
    return EX_OK


def _named(entry: Entry | None, key: str) -> Field | Msg:
    """The field of ``entry``'s sheet ``key`` names, or why there is none, in the words
    ``/field`` refuses it with (the field most likely meant, else the sheet's fields)."""
    from gateway.catalog.sheet import field_named
    from gateway.pipeline.field_names import unknown_field

    if entry is None:  # not filed, or its entry left the catalog since
        return N_("unknown field {name!r} for this ticket", name=key)
    return field_named(entry, key) or unknown_field(entry, key)


def _list(settings: Settings, said: Speaker, ticket_id: int, as_json: bool) -> int:
    """The ticket's sheet: each field of its entry with its type (a choice's values, which
    ``tickets field`` takes), whether it is required, and its value; then any value the
    sheet no longer has a field for (renamed, removed), by its name."""
    from store import tickets
    from store.db import transaction

    with reading(settings) as reader, transaction(reader.sessions, read_only=True) as s:
        data = tickets.detail(s, ticket_id)
        entry = reader.catalog.current.entry(data["catalog"]) if data else None
    if data is None:
        said.warn(N_("no ticket #{id}", id=ticket_id))
        return EX_UNAVAILABLE
    values: dict[str, str] = data["fields"]
    declared = list(entry.fields) if entry is not None else []
    rows = [_row(f, values.get(f.name), said.locale) for f in declared]
    names = {f.name for f in declared}
    rows += [_off_sheet(name, values[name]) for name in sorted(set(values) - names)]
    if as_json:
        print_json([{k: v for k, v in r.items() if k not in ("shown", "said")} for r in rows])
        return EX_OK
    required, off = said(N_("required")), said(N_("(not on the sheet)"))
    lines = []
    for r in rows:
        label = r["said"] if r["said"] not in ("", r["name"]) else ""
        named = f"{label} ({r['name']})" if label else r["name"]
        kind = off if r["type"] is None else r["type"]
        if r["choices"]:
            kind += ": " + ", ".join(r["choices"])
        need = required if r["required"] else ""
        lines.append((named, kind, need, "-" if r["value"] is None else r["shown"]))
    # in columns, as wide as their widest cell: an optional field's value must not stand
    # where another line says "required" ("System (system)  text  -" read as not required)
    # each at most its CAPS width (a long label, a choice's values: cut with "…", whole in
    # --json), so a line keeps to 78 columns; the value, last, is never cut
    widths = [
        min(cap, max((columns(cells[i]) for cells in lines), default=0))
        for i, cap in enumerate(CAPS)
    ]
    for *cells, shown in lines:  # a column no line fills (nothing required) is left out
        padded = [pad(c, w, cut=True) for c, w in zip(cells, widths, strict=True) if w]
        print("  ".join([*padded, shown]))
    return EX_OK


# the widest the label, type and "required" columns of the listing get: 30 + 22 + 8 and
# their gaps leave a value 12 columns within 78
CAPS = (30, 22, 8)


def _row(f: Field, value: str | None, locale: str) -> dict[str, Any]:
    """One field of the listing: what ``--json`` gives (the label in English, as JSON
    stays), and the label and value as the CLI's reader reads them (``said``, ``shown``:
    a choice by its label)."""
    return {
        "name": f.name,
        "label": f.label("en"),
        "said": f.label(locale),
        "type": f.type,
        "choices": list(f.choices),
        "required": f.required,
        "value": value,
        "shown": f.shown(value, locale) if value else value,
    }


def _off_sheet(name: str, value: str) -> dict[str, Any]:
    """A stored value whose field the entry's sheet no longer has: by its name, no type."""
    return {
        "name": name,
        "label": "",
        "said": "",
        "type": None,
        "choices": [],
        "required": False,
        "value": value,
        "shown": value,
    }


def register_fields(t: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tf = t.add_parser(
        "field", help=h(N_("list a ticket's parameter sheet, or set or clear one of its fields"))
    )
    tf.add_argument("id", type=whole)
    tf.add_argument(
        "key", nargs="?", help=h(N_("the field: its name or its label (none: list the sheet)"))
    )
    # default=[]: argparse counts a "*" positional without a default as required and
    # would name it in the error for a missing ticket number
    tf.add_argument(
        "value", nargs="*", default=[], help=h(N_("its value (several words are one value)"))
    )
    tf.add_argument("--clear", action="store_true", help=h(N_("take the field's value away")))
    tf.add_argument("--json", action="store_true", help=h(N_("the listing as JSON")))
    tf.set_defaults(handler=cmd_tickets_field)
