"""``ticket-gateway tickets``: list, show and change tickets from a shell.

``list`` is :mod:`.ticket_list`, ``show`` :mod:`.ticket_show` and ``attachment``
:mod:`.ticket_files`; the changes are here. Changes go through
:mod:`gateway.tickets.changes`, like a reply command's, so each one is an event
with ``cli:<login>`` as the actor and ``cli`` as the channel; ``assign`` accepts
exactly what the ``/assign`` reply command does.
What people read is said in the CLI's language; state values, event kinds and
the ``--json`` documents stay as stored (they are what scripts and the
``--state`` option use).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gateway.core.i18n import N_, Msg
from gateway.core.text import visible
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
from gateway.runtime.cli.ticket_fields import register_fields
from gateway.runtime.cli.ticket_files import register_attachment
from gateway.runtime.cli.ticket_list import NOBODY, STATES, register_list
from gateway.runtime.cli.ticket_merge import register_merge
from gateway.runtime.cli.ticket_show import register_show
from gateway.runtime.cli.ticket_work import register_work
from gateway.runtime.cli.unknown_member import Words, refusal

if TYPE_CHECKING:
    from gateway.config.settings import Settings
    from gateway.runtime.app import App

CLOSE_REASONS = ("resolved", "stale", "duplicate", "spam", "no-response")


def cmd_tickets_set_state(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.core.errors import InvalidTransition
    from gateway.core.model import CloseReason, TicketState
    from gateway.tickets import changes

    said = Speaker(settings)
    if args.reason and args.state != "closed":
        said.warn(N_("--reason only goes with closed"))
        return EX_USAGE
    reason = CloseReason(args.reason) if args.reason else None

    def change(s: Any, t: Any) -> Msg | None:
        same = t.state == args.state and (reason is None or t.close_reason == reason.value)
        if same and t.merged_into_id is None:  # merged: the state machine says where to work
            return unchanged(args.id, args.state)  # as `field` and `priority`: no change
        changes.change_state(
            s,
            t,
            TicketState(args.state),
            app.clock.now(),
            actor=actor(),
            channel="cli",
            reason=reason,
        )
        return None

    with opened(settings) as app:
        try:
            return _change_ticket(
                app,
                said,
                args.id,
                change,
                N_("ticket #{id}: {state}", id=args.id, state=args.state),
            )
        except InvalidTransition as exc:
            said.warn(N_("ticket #{id}: {problem}", id=args.id, problem=exc.message))
            return EX_DATAERR


def unchanged(ticket_id: int, state: str) -> Msg:
    """The line for a state the ticket has already: the state machine's own words, said
    as news, not as a refusal (a different close reason is still refused)."""
    from gateway.notify import labels

    already = N_("the ticket is already {state}", state=labels.state(state))
    return N_("ticket #{id}: {problem}", id=ticket_id, problem=already)


# the refusal of a word that names no member (:mod:`unknown_member`): a mail's transcript
# names the members to a member who knows the team, but an administrator on the quick
# start's defaults (no [[members]]) could give a ticket to nobody and was not told why
_UNKNOWN = Words(
    no_members=N_(
        "unknown member {member!r}: {config} lists no [[members]], and a ticket is "
        "given only to a member"
    ),
    not_listed=N_("unknown member {member!r} (not in the [[members]] of {config}: {members})"),
)


def cmd_tickets_assign(args: argparse.Namespace, settings: Settings) -> int:
    """The same member lookup as the ``/assign`` reply command, so both accept the same."""
    from gateway.pipeline.commands import Assign, Command, CommandContext, Refused, Role, decide
    from gateway.tickets import changes

    said = Speaker(settings)
    typed = args.member.strip()  # " tanaka " pasted with its spaces names tanaka
    if typed == NOBODY:
        return _unassign(settings, said, args.id)
    with opened(settings) as app:
        now = app.clock.now()
        ctx = CommandContext(
            Role.MEMBER,
            [m.email for m in settings.members],
            (),
            None,
            now,
            settings.gateway.timezone,
            member_names={m.email: m.name for m in settings.members},
        )
        decision = decide(Command("assign", typed, f"/assign {typed}"), ctx)
        if not isinstance(decision, Assign):
            why = decision.why if isinstance(decision, Refused) else str(decision)
            said.warn(refusal(settings, typed, why, _UNKNOWN))
            return EX_DATAERR
        member = decision.member

        def give(s: Any, t: Any) -> Msg | None:
            if t.assignee == member:  # no event, and they are not told again
                return N_("ticket #{id}: {member} has it already", id=args.id, member=member)
            changes.assign(s, t, member, now, actor=actor(), channel="cli")
            return None

        return _change_ticket(
            app,
            said,
            args.id,
            give,
            N_("ticket #{id}: assigned to {member}", id=args.id, member=member),
            merged=False,
        )


def _unassign(settings: Settings, said: Speaker, ticket_id: int) -> int:
    """``assign ID -``: nobody has it now (as ``list --assignee -`` reads ``-``), through
    the tickets service like any assignment, so the member it was taken from is told."""
    from gateway.tickets import changes
    from store.db import transaction

    with opened(settings) as app, transaction(app.sessions) as s:
        found = ticket_to_change(s, ticket_id, said)
        if isinstance(found, int):
            return found
        ticket = found
        was = ticket.assignee
        if was is not None:
            changes.assign(s, ticket, None, app.clock.now(), actor=actor(), channel="cli")
    if was is None:
        said.say(N_("ticket #{id}: nobody has it already", id=ticket_id))
    else:
        said.say(N_("ticket #{id}: unassigned (was {member})", id=ticket_id, member=was))
    return EX_OK


def cmd_tickets_note(args: argparse.Namespace, settings: Settings) -> int:
    said = Speaker(settings)
    text = " ".join(args.text).strip()
    if not text:
        said.warn(N_("the note is empty"))
        return EX_USAGE
    from gateway.tickets import changes

    with opened(settings) as app:
        now = app.clock.now()
        return _change_ticket(
            app,
            said,
            args.id,
            lambda s, t: changes.add_note(s, t, text, now, actor=actor(), channel="cli"),
            N_("ticket #{id}: note added", id=args.id),
        )


def cmd_tickets_add_participant(args: argparse.Namespace, settings: Settings) -> int:
    """Let someone join a ticket: they may then add to it by mail and hear its answers
    (for a stranger whose reply was attached but not let in, issue #14)."""
    from gateway.pipeline.watching import pasted

    said = Speaker(settings)
    email = pasted(args.email)  # as ``cc add`` reads it, from a mail client's paste too
    if email is None:
        said.warn(N_("not an e-mail address: '{value}'", value=visible(args.email)))
        return EX_USAGE
    from gateway.pipeline.loops import is_own_address, never_answered

    # ours, or a sender that reads no answers: every answer would go there (cc add refuses
    # them too, gateway.pipeline.watching)
    own = {o.lower() for o in settings.own_addresses}
    if is_own_address(email, own) or never_answered(email, own):
        said.warn(
            N_(
                "ticket #{id}: {email} cannot join it: it is one of the team's own addresses",
                id=args.id,
                email=email,
            )
            if is_own_address(email, own)
            else N_(
                "ticket #{id}: {email} cannot join it: it never gets our mail (it reads no "
                "answers, or our mail cannot be addressed to it)",
                id=args.id,
                email=email,
            )
        )
        return EX_DATAERR
    from gateway.tickets import changes

    def add(session: Any, ticket: Any) -> Msg | None:
        if changes.add_participant(session, ticket, email, "cc", now, actor=actor(), channel="cli"):
            return None
        return N_("ticket #{id}: {email} is on it already", id=args.id, email=email)

    done = N_("ticket #{id}: {email} added; they now hear its answers", id=args.id, email=email)
    with opened(settings) as app:
        now = app.clock.now()
        return _change_ticket(app, said, args.id, add, done, merged=False)


def _change_ticket(
    app: App,
    said: Speaker,
    ticket_id: int,
    change: Callable[[Any, Any], Msg | None],
    done: Msg,
    *,
    merged: bool = True,
) -> int:
    """One change to one ticket in one transaction; 69 when there is no such ticket.
    ``change`` returns None when it changed the ticket (``done`` is said), or the line
    that says it had that value already (said instead: exit 0, nothing written).
    ``merged`` False: a change a merged ticket does not take (65, naming the ticket it
    went into): a member given it, or a participant added, would be on a ticket whose
    mail all goes to the other (a note is still its history; a state change the state
    machine refuses with its own words)."""
    from store.db import transaction

    with transaction(app.sessions) as s:
        found = ticket_to_change(s, ticket_id, said, merged=merged)
        if isinstance(found, int):
            return found
        ticket = found
        same = change(s, ticket)
    said.say(done if same is None else same)
    return EX_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    t = sub.add_parser("tickets", help=h(N_("list, show and change tickets"))).add_subparsers(
        required=True, metavar="ACTION"
    )
    register_list(t)  # ticket_list: the filters and search
    register_show(t)  # ticket_show: one ticket for people, or its JSON
    register_attachment(t)  # ticket_files: save an attachment
    register_work(t)  # ticket_work: priority, answer (issue #19)
    register_merge(t)  # ticket_merge: merge, unmerge, cc (#19)
    register_fields(t)  # ticket_fields: the parameter sheet, as /field sets it
    tss = t.add_parser("set-state", help=h(N_("change a ticket's state")))
    tss.add_argument("id", type=whole)
    tss.add_argument("state", choices=STATES)
    tss.add_argument(
        "--reason", choices=CLOSE_REASONS, help=h(N_("close reason (default resolved)"))
    )
    tss.set_defaults(handler=cmd_tickets_set_state)
    ta = t.add_parser("assign", help=h(N_("give a ticket to a member")))
    ta.add_argument("id", type=whole)
    ta.add_argument(
        "member", help=h(N_("a configured member's address (or the part before @); - for nobody"))
    )
    ta.set_defaults(handler=cmd_tickets_assign)
    tn = t.add_parser("note", help=h(N_("add an internal note (never sent to the requester)")))
    tn.add_argument("id", type=whole)
    tn.add_argument("text", nargs="+")
    tn.set_defaults(handler=cmd_tickets_note)
    tp = t.add_parser(
        "add-participant", help=h(N_("let someone on a ticket (they then hear its answers)"))
    )
    tp.add_argument("id", type=whole)
    tp.add_argument("email")
    tp.set_defaults(handler=cmd_tickets_add_participant)
