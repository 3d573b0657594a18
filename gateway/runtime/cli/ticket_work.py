"""``tickets priority ID LEVEL``, ``tickets answer ID NAME`` and ``tickets due ID DATE``:
the ``/priority``, ``/answer`` and ``/due`` reply commands from a shell (issue #19).

The level is read by the reply command's own reader
(:func:`gateway.pipeline.priority.level_named`): ``urgent``, ``緊急`` and the team's
subject marker ``至急`` work in both places, and a word that is none is refused with
the same words before the database is opened. The due date is read by ``/due``'s
reader (:func:`gateway.pipeline.due_dates.due_date`, the forms of
:mod:`gateway.catalog.dates`) in the team's zone; ``--clear`` takes it away.

All go through the same code as the reply commands — the tickets service for
the level and the due date, :mod:`gateway.notify.answers` and the one relay path for the saved
answer — so a ticket changed here leaves the same event (actor ``cli:<login>``,
channel ``cli``) and the requester gets the same mail. The CLI is the team's
tool: any level may be set here.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from gateway.core import zone
from gateway.core.i18n import N_, NP_, Msg
from gateway.runtime.cli.common import (
    EX_DATAERR,
    EX_OK,
    EX_USAGE,
    Speaker,
    actor,
    opened,
    ticket_to_change,
)
from gateway.runtime.cli.help_language import h
from gateway.runtime.cli.numbers import whole

if TYPE_CHECKING:
    from gateway.config.settings import Settings


def cmd_tickets_priority(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.notify import labels
    from gateway.pipeline.priority import level_named
    from gateway.tickets.priority import set_priority
    from store.db import transaction

    said = Speaker(settings)
    level = level_named(args.level, settings.priority.markers)
    if isinstance(level, Msg):  # no level: said as a reply's refusal says it
        said.warn(level)
        return EX_USAGE
    with opened(settings) as app, transaction(app.sessions) as s:
        found = ticket_to_change(s, args.id, said)  # merged: SLA and board are the target's
        if isinstance(found, int):
            return found
        ticket = found
        old = ticket.priority
        now = app.clock.now()
        changed = set_priority(s, ticket, level, now, actor=actor(), channel="cli", source="cli")
    new, was = labels.priority(level), labels.priority(old)
    if changed:
        said.say(N_("ticket #{id}: priority {old} → {new}", id=args.id, old=was, new=new))
    else:
        said.say(N_("ticket #{id}: priority is {new} already", id=args.id, new=new))
    return EX_OK


def cmd_tickets_answer(args: argparse.Namespace, settings: Settings) -> int:
    """Send a saved answer to the ticket's people, as ``/answer`` in a member's reply
    would, in the requester's language; from the member ``--as`` names, else the
    ticket's assignee (the answer goes out in a member's name, as every answer does)."""
    from gateway.notify import answers
    from gateway.pipeline.answer_names import UseAnswer, choose
    from gateway.tickets import changes
    from gateway.tickets.relay import relay_answer
    from store.db import transaction

    said = Speaker(settings)
    with opened(settings) as app, transaction(app.sessions) as s:
        # after the database is found: in the wrong folder, its answers/ has none either,
        # and "the team has none yet" would be the wrong thing to hear
        decided = choose(args.name, answers.available(settings.answers.dir))
        if not isinstance(decided, UseAnswer):
            said.warn(decided)
            return EX_DATAERR
        found = ticket_to_change(s, args.id, said)
        if isinstance(found, int):
            return found
        ticket = found
        member = settings.member(args.member or ticket.assignee or "")
        if member is None:  # --as names no member, or there is none to take
            said.warn(_no_member(args.member, ticket.assignee))
            return EX_DATAERR
        try:
            text, locale = answers.for_ticket(
                s, settings, app.catalog.current, ticket, decided.name
            )
        except answers.AnswerError as exc:
            said.warn(exc.why)
            return EX_DATAERR
        now, who = app.clock.now(), actor()
        detail: dict[str, Any] = {"name": decided.name, "locale": locale, "as": member.email}
        changes.record(s, ticket, "answer", now, actor=who, channel="cli", detail=detail)
        key = f"cli-answer:{ticket.id}:{decided.name}:{now.timestamp()}"
        sent = relay_answer(s, settings, ticket, member, text, key=key, now=now, channel="cli")
    said.say(
        NP_(
            "ticket #{id}: saved answer {name} ({locale}) sent to {n} person",
            "ticket #{id}: saved answer {name} ({locale}) sent to {n} people",
            sent,
            id=args.id,
            name=decided.name,
            locale=locale,
            n=sent,
        )
    )
    return EX_OK


def cmd_tickets_due(args: argparse.Namespace, settings: Settings) -> int:
    """Set the due date as ``/due`` sets it (the same reader: the end of that day in the
    team's zone, the CLI's user being no member with a zone of their own), or take it
    away (``--clear``); a date already set, or none to clear, is said and changes
    nothing. A date that is none, or past, is refused (65) as ``/due`` refuses it."""
    from gateway.pipeline.commands import SetDue
    from gateway.pipeline.due_dates import due_date
    from gateway.runner.command_said import changed
    from gateway.tickets import changes
    from store.db import transaction

    said = Speaker(settings)
    written = " ".join(args.date).strip()
    if args.clear == bool(written):  # both, or neither: which was meant is not known
        said.warn(
            N_("give a date, or --clear, not both")
            if args.clear
            else N_("give a date (or --clear to take the due date away)")
        )
        return EX_USAGE
    team_zone = settings.gateway.timezone
    with opened(settings) as app, transaction(app.sessions) as s:
        now, who = app.clock.now(), actor()
        due = None if args.clear else due_date(written, team_zone, now)
        if isinstance(due, Msg):
            said.warn(N_("ticket #{id}: {problem}", id=args.id, problem=due))
            return EX_DATAERR
        found = ticket_to_change(s, args.id, said)
        if isinstance(found, int):
            return found
        ticket = found
        done: Msg
        if due is None:
            wrote = changes.clear_due(s, ticket, now, actor=who, channel="cli")
            done = N_("due date cleared") if wrote else N_("no due date: nothing changed")
        elif ticket.due_at == due:
            done = N_("due {date} already: nothing changed", date=zone.Day(due.date()))
        else:
            changes.set_due(s, ticket, due, now, actor=who, channel="cli")
            done = changed(SetDue(due), ticket.state, team_zone=team_zone)
    said.say(N_("ticket #{id}: {change}", id=args.id, change=done))
    return EX_OK


def register_work(t: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tp = t.add_parser("priority", help=h(N_("set a ticket's priority (its SLA follows)")))
    tp.add_argument("id", type=whole)
    tp.add_argument(
        "level",
        metavar="LEVEL",
        help=h(N_("low, normal, high, urgent, a level's name or a [priority] subject marker")),
    )
    tp.set_defaults(handler=cmd_tickets_priority)
    ta = t.add_parser("answer", help=h(N_("send a saved answer to the requester")))
    ta.add_argument("id", type=whole)
    ta.add_argument("name", help=h(N_("the saved answer's name (see: answers list)")))
    ta.add_argument(
        "--as",
        dest="member",
        metavar="MEMBER",
        help=h(N_("the member it comes from (default assignee)")),
    )
    ta.set_defaults(handler=cmd_tickets_answer)
    td = t.add_parser("due", help=h(N_("set a ticket's due date, as /due does, or --clear it")))
    td.add_argument("id", type=whole)
    td.add_argument(
        "date",
        nargs="*",
        metavar="DATE",
        help=h(N_("2026-03-10, 2026/3/10 or 3/10 (the next one), as /due takes it")),
    )
    td.add_argument("--clear", action="store_true", help=h(N_("take the due date away")))
    td.set_defaults(handler=cmd_tickets_due)


def _no_member(named: str | None, assignee: str | None) -> Msg:
    """Why ``tickets answer`` has nobody to send in the name of: ``--as`` names no
    member, or the ticket has no assignee, or its assignee left the team (an answer
    never goes out in the name of someone no longer in ``[[members]]``)."""
    if named:
        return N_("unknown member {member!r}", member=named)
    if assignee:
        return N_(
            "name the member it comes from with --as (its assignee {assignee} is no longer "
            "in [[members]])",
            assignee=assignee,
        )
    return N_("name the member it comes from with --as (the ticket has no assignee)")
