"""``ticket-gateway tickets show``: one ticket, everything a member needs to work it.

The text is for people, in the CLI's language and with every time in the team's
``[gateway] timezone``: the ticket's lines, its SLA deadlines (the catalog
entry's, computed as the scheduler computes them: :func:`gateway.scheduling.rules.
deadlines`), the parameter sheet with the entry's labels, the messages with their
attachments numbered as ``tickets attachment`` takes them, the action runs, and
the history with notes, field changes and due dates spelled out. ``--json`` is
:func:`store.tickets.detail` (stored values, UTC) plus the deadlines.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from gateway.core import i18n
from gateway.core.domains import readable_address
from gateway.core.i18n import N_, NP_, Msg
from gateway.core.zone import OutOfRange
from gateway.runtime.cli.common import (
    EX_OK,
    EX_UNAVAILABLE,
    Speaker,
    local_time,
    print_json,
    reading,
)
from gateway.runtime.cli.help_language import h
from gateway.runtime.cli.numbers import whole
from gateway.runtime.cli.show_words import CHANNELS, DIRECTIONS, MARKS, MESSAGE_KINDS

if TYPE_CHECKING:
    from gateway.catalog.model import Entry
    from gateway.config.settings import Member, Settings
    from store.models import Ticket

# key of ``tickets show`` → what its line is called
SHOWN: dict[str, Msg] = {
    "state": N_("state"),  # the state value, as --state takes it
    "close_reason": N_("close reason"),  # resolved, stale, …
    "priority": N_("priority"),  # low, normal, high, urgent (its SLA, its place in lists)
    "requester": N_("requester"),  # who asked
    "catalog": N_("catalog entry"),  # the entry's name and id
    "assignee": N_("assignee"),  # the member who has it
    "created_at": N_("created at"),
    "updated_at": N_("updated at"),  # the last change
    "closed_at": N_("closed at"),
    "due_at": N_("due"),  # a due date set on the ticket (/due)
    "first_response_at": N_("first response at"),  # when a person first answered
    "linked_ticket": N_("linked ticket"),  # the ticket this one refers to
    "merged_into": N_("merged into"),  # the ticket this duplicate went into (#19)
    "watchers": N_("watchers"),  # who hear what the requester hears (#19)
}
TIMES = frozenset({"created_at", "updated_at", "closed_at", "due_at", "first_response_at"})


def run_state(state: str, said: Speaker) -> str:
    """A run's state in the reader's words (gateway.notify.labels.RUN_STATES), and the
    value ``actions list --state`` takes when those words are not it: ``成功 (succeeded)``,
    ``waiting to run (pending)``."""
    from gateway.notify import labels

    label = labels.RUN_STATES.get(state)
    if label is None:  # a newer state: as it is
        return state
    words = said(label)
    return words if words.replace(" ", "_") == state else f"{words} ({state})"


def cmd_tickets_show(args: argparse.Namespace, settings: Settings) -> int:
    from store import tickets
    from store.db import transaction

    said = Speaker(settings)
    with reading(settings) as app, transaction(app.sessions, read_only=True) as s:
        data = tickets.detail(s, args.id)
        ticket = tickets.get(s, args.id)
        entry = app.catalog.current.entry(data["catalog"]) if data else None
        if data is not None and ticket is not None:
            rules = app.catalog.current.rules_for(data["catalog"])  # a removed entry: fallback
            data["deadlines"] = _deadlines(ticket, rules, settings, app.clock.now())
    if data is None:
        said.warn(N_("no ticket #{id}", id=args.id))
        return EX_UNAVAILABLE
    if args.json:
        print_json(data)
        return EX_OK
    left = bool(data["assignee"]) and not settings.on_team(data["assignee"])
    Shower(said, settings.gateway.timezone, entry, left, settings.member).show(data)
    return EX_OK


def _deadlines(
    ticket: Ticket, entry: Entry | None, settings: Settings, now: datetime
) -> list[dict[str, str]]:
    """The SLA deadlines still open, nearest first, as the scheduler sees them."""
    from gateway.scheduling import rules
    from gateway.scheduling.rules import times_of

    times = times_of(ticket, entry, settings.calendars)  # in the entry's calendar
    return [
        {
            "target": d.target,
            "at": d.at.isoformat(),
            "state": rules.deadline_state(d, now, settings.schedule, times.hours).value,
        }
        for d in rules.deadlines(times)
    ]


class Shower:
    """Prints one ticket's detail for people."""

    # assignee_left: no longer in [[members]], marked as the pages mark them (the digest
    # and the reminders treat the ticket as nobody's)
    # member: the configured member at an address, to name them as the pages do
    def __init__(
        self,
        said: Speaker,
        tz: str,
        entry: Entry | None,
        assignee_left: bool,
        member: Callable[[str], Member | None],
    ) -> None:
        self.said, self.timezone, self.entry, self.assignee_left = said, tz, entry, assignee_left
        self.member = member

    def show(self, data: dict[str, Any]) -> None:
        said = self.said
        said.say(N_("Ticket #{id}: {subject}", id=data["id"], subject=data["subject"]))
        for key, name in SHOWN.items():
            if data.get(key) not in (None, []):
                print(f"  {said(name)}: {self.value(key, data)}")
        for d in data["deadlines"]:
            print("  " + said(self.deadline(d)))
        self.fields(data["fields"])
        self.messages(data)
        self.runs(data["action_runs"])
        print("\n" + said(N_("Events:")))
        for e in data["events"]:
            by = N_(
                "{at} {actor} via {channel}:",
                at=self.time(e["at"]),
                actor=self.who(e["actor"]),
                channel=CHANNELS.get(e["channel"], e["channel"]),
            )
            print(f"  {said(by)} {self.event(e)}".rstrip())

    def who(self, actor: str) -> str | Msg:
        """Who acted, as the ticket page's history and the members' notices name them: the
        gateway's own doings by a label (its stored actor, ``gateway`` or ``schedule``, is
        no word a member configured), a member by name, anyone else by the address."""
        from gateway.notify.labels import SYSTEM_ACTORS_IN_TEXT

        if actor in SYSTEM_ACTORS_IN_TEXT:
            return SYSTEM_ACTORS_IN_TEXT[actor]
        member = self.member(actor)
        if member is not None and member.name:
            return member.name
        return readable_address(actor)

    def time(self, value: str | None) -> str:
        """In the team's zone, in the plain form scripts read; one the zone cannot say
        (year 9999 east of UTC) said so in the CLI's language, as the pages and mails
        say it (gateway.core.zone.OutOfRange)."""
        at = local_time(value, self.timezone)
        return at.said(self.said.locale) if isinstance(at, OutOfRange) else at

    def value(self, key: str, data: dict[str, Any]) -> str:
        if key in TIMES:
            return self.time(data[key])
        if key == "catalog" and self.entry is not None:
            return f"{self.entry.name(self.said.locale)} ({data['catalog']})"
        if key == "catalog" and data[key]:  # removed from the catalog since: as the board says
            from gateway.catalog.model import not_in_the_catalog

            return self.said(not_in_the_catalog(data[key]))
        if key == "priority":
            from gateway.notify import labels

            return self.said(labels.priority(data[key]))
        if key == "requester" and data.get("requester_name"):
            return f"{readable_address(data['requester'])} ({data['requester_name']})"
        if key == "assignee" and self.assignee_left:
            return f"{readable_address(data[key])} {self.said(N_('(not in the team)'))}"
        if key == "assignee" and (member := self.member(data[key])) and member.name:
            return f"{readable_address(data[key])} ({member.name})"  # as the requester's line
        if key in ("requester", "assignee") and data[key]:  # xn--…: as people write it
            return readable_address(data[key])
        if key == "watchers":
            return ", ".join(map(readable_address, data[key]))
        return str(data[key])

    def deadline(self, d: dict[str, str]) -> Msg:
        from gateway.notify import labels

        mark = MARKS.get(d["state"])
        return N_(
            "SLA {target}: {at}{mark}",
            target=labels.sla_target(d["target"]),
            at=self.time(d["at"]),
            mark=N_(" ({mark})", mark=mark) if mark else "",
        )

    def label(self, name: str) -> str:
        """A field's label in the CLI's language and its name: ``OS (os)``."""
        field = self.entry.field(name) if self.entry is not None else None
        label = field.label(self.said.locale) if field is not None else ""
        return f"{label} ({name})" if label and label != name else name

    def shown(self, name: str, value: str) -> str:
        """A field's value as the form shows it: a choice by its label in the CLI's
        language (設備投資（CAPEX）), an address with its domain as written (faß.de),
        anything else as stored."""
        field = self.entry.field(name) if self.entry is not None else None
        if field is None or not value:
            return value
        return field.shown(value, self.said.locale)

    def not_taken(self, name: str, value: str, required: bool) -> str:
        """A note on a value its field no longer takes (the sheet changed since: a choice
        dropped, a text field made a number). An action re-validates the sheet as the
        catalog is now, so a required one counts as missing there: said, with why."""
        from gateway.catalog.sheet import validate

        field = self.entry.field(name) if self.entry is not None else None
        problem = validate(field, value)[1] if field is not None else None
        if problem is None:
            return ""
        note = (
            N_("(required, not valid now: {problem})", problem=problem)
            if required
            else N_("(not valid now: {problem})", problem=problem)
        )
        return "  " + self.said(note)

    def fields(self, values: dict[str, str]) -> None:
        declared = list(self.entry.fields) if self.entry is not None else []
        names = [f.name for f in declared] + sorted(set(values) - {f.name for f in declared})
        if not names:
            return
        print("\n" + self.said(N_("Fields:")))
        required = {f.name for f in declared if f.required}
        missing = self.said(N_("(required, missing)"))
        for name in names:
            if name in values:
                note = self.not_taken(name, values[name], name in required)
                print(f"  {self.label(name)}: {self.shown(name, values[name])}{note}")
            else:
                print(f"  {self.label(name)}: -  {missing if name in required else ''}".rstrip())

    def messages(self, data: dict[str, Any]) -> None:
        said, number = self.said, 0
        for m in data["messages"]:
            when = self.time(m["date"] or m["received_at"])  # a mail without a Date
            head = N_(
                "--- {direction} {at} {sender}  ({kind})",
                direction=DIRECTIONS.get(m["direction"], m["direction"]),
                at=when,
                sender=readable_address(m["from"]),
                kind=MESSAGE_KINDS.get(m["kind"], m["kind"]),
            )
            print("\n" + said(head))
            said.say(N_("Subject: {subject}", subject=m["subject"]))
            print(m["text"].rstrip())
            for a in m["attachments"]:
                number += 1
                line = N_(
                    "[attachment {number}] {name} ({type}, {size} bytes)",
                    number=number,
                    name=a["filename"],
                    type=a["content_type"],
                    size=a["size"],
                )
                print("  " + said(line))
        if number:
            hint = N_(
                "(save one with: ticket-gateway tickets attachment {id} NUMBER)", id=data["id"]
            )
            print("\n" + said(hint))

    def runs(self, runs: list[dict[str, Any]]) -> None:
        from store import action_runs

        if runs:
            print("\n" + self.said(N_("Action runs:")))
        for r in runs:
            status = "-" if r["last_status"] is None else str(r["last_status"])
            self.said.say(
                NP_(
                    "  #{run} {entry} ({type}): {state}, {attempts} attempt, status {status},"
                    " input sha256 {sha} {error}",
                    "  #{run} {entry} ({type}): {state}, {attempts} attempts, status {status},"
                    " input sha256 {sha} {error}",
                    int(r["attempts"]),
                    run=r["id"],
                    entry=r["entry"],
                    type=r["type"],
                    state=run_state(r["state"], self.said),
                    attempts=r["attempts"],
                    status=status,
                    sha=r["input_sha256"][:12] or "-",
                    error=action_runs.said_error_of(r),
                )
            )

    def event(self, e: dict[str, Any]) -> str:
        """What one event did: kinds and stored values as they are, names spelled out."""
        from gateway.tickets import event_words

        kind, old, new, detail = e["kind"], e["old"], e["new"], e["detail"] or {}
        if kind == "note":  # the gateway's own note in the reader's language (i18n.kept)
            said = self.said(i18n.kept(detail.get("said"), str(detail.get("text", ""))))
            text = said.strip().replace("\n", "\n      ")
            return f"{kind}: {text}"
        if kind == "field" and old and not new:  # cleared: the notice's and the page's words
            from gateway.notify.labels import field_cleared

            name = str(detail.get("name", ""))
            return f"{kind} {self.said(field_cleared(self.label(name), self.shown(name, old)))}"
        if kind == "field":
            name = str(detail.get("name", ""))
            change = _change(old and self.shown(name, old), new and self.shown(name, new))
            return f"{kind} {self.label(name)}: {change}"
        if kind == "field-rejected":
            reason = i18n.kept(detail.get("said"), str(detail.get("reason", "")))
            why = self.said(N_("refused: {reason}", reason=reason))
            name = self.label(str(detail.get("name", "")))
            return f"{kind} {name}: {detail.get('value')!r} {why}"
        if kind in ("no-auto-answer", "no-ops-notice"):  # which mail, and why not
            mail = str(detail.get("mail", ""))
            reason = event_words.why(kind, detail)
            line = N_(
                "{mail} not sent: {reason}", mail=MESSAGE_KINDS.get(mail, mail), reason=reason
            )
            return f"{kind}: {self.said(line)}"
        if kind in event_words.SAID_KINDS:  # a refusal, a limit: kind and value, about what, why
            about = [readable_address(r) for r in detail.get("recipients") or []]
            about = about or detail.get("commands") or [detail.get("line")]
            why = self.said(event_words.why(kind, detail))
            head = f"{kind} {_change(old, new)}".rstrip()
            said = ": ".join(filter(None, [head, ", ".join(filter(None, about)), why]))
            # an attempt's event: what the script or the hook answered, its first lines
            output = str(detail.get("output") or "").strip() if kind == "action" else ""
            return said + "".join(f"\n      {text}" for text in output.splitlines())
        if kind in ("due", "first-response"):  # a due date taken away: said, not nothing
            gone = self.said(N_("no due date")) if kind == "due" and old and not new else ""
            return f"{kind} {_change(self.time(old) or None, gone or self.time(new))}"
        if kind == "state" and detail.get("close_reason"):
            return f"{kind} {_change(old, new)} ({detail['close_reason']})"
        if kind == "assign" and old and not new:  # to nobody: said, not an arrow to nothing
            return f"{kind} {readable_address(old)} → {self.said(N_('unassigned'))}"
        if kind in ("assign", "participant", "watcher"):  # addresses, as people write them
            return f"{kind} {_change(old and readable_address(old), new and readable_address(new))}"
        return f"{kind} {_change(old, new)}"


def _change(old: str | None, new: str | None) -> str:
    return f"{old} → {new or ''}" if old else (new or "")


def register_show(t: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ts = t.add_parser("show", help=h(N_("one ticket: fields, SLA, messages, attachments, history")))
    ts.add_argument("id", type=whole)
    ts.add_argument("--json", action="store_true")
    ts.set_defaults(handler=cmd_tickets_show)
