"""``ticket-gateway tickets``: list, show and change tickets from a shell.

Changes go through :mod:`gateway.tickets.changes`, like a reply command's, so
each one is an event with ``cli:<login>`` as the actor and ``cli`` as the
channel; ``assign`` accepts exactly what the ``/assign`` reply command does.
What people read is said in the CLI's language; state values, event kinds and
the ``--json`` documents stay as stored (they are what scripts and the
``--state`` option use).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gateway.core.i18n import N_, Msg
from gateway.runtime.cli.common import (
    EX_DATAERR,
    EX_OK,
    EX_UNAVAILABLE,
    EX_USAGE,
    Speaker,
    actor,
    opened,
    print_json,
)

if TYPE_CHECKING:
    from gateway.config.settings import Settings
    from gateway.runtime.app import App

STATES = ("new", "open", "pending", "closed")
CLOSE_REASONS = ("resolved", "stale", "duplicate", "spam", "no-response")

# key of ``tickets show`` → what its line is called
SHOWN: dict[str, Msg] = {
    "state": N_("state"),  # the state value, as --state takes it
    "close_reason": N_("close reason"),  # resolved, stale, …
    "requester": N_("requester"),  # who asked
    "catalog": N_("catalog entry"),  # the entry's id
    "assignee": N_("assignee"),  # the member who has it
    "created_at": N_("created at"),
    "updated_at": N_("updated at"),  # the last change
    "closed_at": N_("closed at"),
    "linked_ticket": N_("linked ticket"),  # the ticket this one refers to
}


def cmd_tickets_list(args: argparse.Namespace, settings: Settings) -> int:
    from store import tickets
    from store.db import transaction

    with opened(settings) as app, transaction(app.sessions) as s:
        rows = tickets.list_tickets(s, args.state)
    if args.json:
        print_json(rows)
        return EX_OK
    said = Speaker(settings)
    for r in rows:
        state = r["state"] + (f"/{r['close_reason']}" if r["close_reason"] else "")
        count = said(N_("{count} msg", count=format(r["message_count"], ">3")))
        print(f"#{r['id']:<6} {state:<18} {count}  {r['requester']:<32} {r['subject']}")
    return EX_OK


def cmd_tickets_show(args: argparse.Namespace, settings: Settings) -> int:
    from store import tickets
    from store.db import transaction

    said = Speaker(settings)
    with opened(settings) as app, transaction(app.sessions) as s:
        data = tickets.detail(s, args.id)
    if data is None:
        said.warn(N_("no ticket #{id}", id=args.id))
        return EX_UNAVAILABLE
    if args.json:
        print_json(data)
        return EX_OK
    said.say(N_("Ticket #{id}: {subject}", id=data["id"], subject=data["subject"]))
    for key, name in SHOWN.items():
        if data.get(key) is not None:
            print(f"  {said(name)}: {data[key]}")
    for m in data["messages"]:
        print(f"\n--- {m['direction']} {m['date'] or ''} {m['from']}  ({m['kind']})")
        said.say(N_("Subject: {subject}", subject=m["subject"]))
        print(m["text"].rstrip())
        for a in m["attachments"]:
            print(
                "  "
                + said(
                    N_(
                        "[attachment] {name} ({type}, {size} bytes)",
                        name=a["filename"],
                        type=a["content_type"],
                        size=a["size"],
                    )
                )
            )
    if data["action_runs"]:
        print("\n" + said(N_("Action runs:")))
    for r in data["action_runs"]:
        status = "-" if r["last_status"] is None else str(r["last_status"])
        said.say(
            N_(
                "  #{run} {entry} ({type}): {state}, {attempts} attempt(s), status {status},"
                " input sha256 {sha} {error}",
                run=r["id"],
                entry=r["entry"],
                type=r["type"],
                state=r["state"],
                attempts=r["attempts"],
                status=status,
                sha=r["input_sha256"][:12] or "-",
                error=r["last_error"],
            )
        )
    print("\n" + said(N_("Events:")))
    for e in data["events"]:
        change = f"{e['old'] or ''} → {e['new']}" if e["old"] else (e["new"] or "")
        what = f"{e['kind']} {change}"
        by = N_("{at} {actor} via {channel}:", at=e["at"], actor=e["actor"], channel=e["channel"])
        print(f"  {said(by)} {what}")
    return EX_OK


def cmd_tickets_set_state(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.core.errors import InvalidTransition
    from gateway.core.model import CloseReason, TicketState
    from gateway.tickets import changes

    said = Speaker(settings)
    if args.reason and args.state != "closed":
        said.warn(N_("--reason only goes with closed"))
        return EX_USAGE
    reason = CloseReason(args.reason) if args.reason else None
    with opened(settings) as app:
        try:
            return _change_ticket(
                app,
                said,
                args.id,
                lambda s, t: changes.change_state(
                    s,
                    t,
                    TicketState(args.state),
                    app.clock.now(),
                    actor=actor(),
                    channel="cli",
                    reason=reason,
                ),
                N_("ticket #{id}: {state}", id=args.id, state=args.state),
            )
        except InvalidTransition as exc:
            said.warn(N_("ticket #{id}: {problem}", id=args.id, problem=exc.message))
            return EX_DATAERR


def cmd_tickets_assign(args: argparse.Namespace, settings: Settings) -> int:
    """The same member lookup as the ``/assign`` reply command, so both accept the same."""
    from gateway.pipeline.commands import Assign, Command, CommandContext, Refused, Role, decide
    from gateway.tickets import changes

    said = Speaker(settings)
    with opened(settings) as app:
        now = app.clock.now()
        ctx = CommandContext(
            Role.MEMBER,
            [m.email for m in settings.members],
            (),
            None,
            now,
            settings.gateway.timezone,
        )
        decision = decide(Command("assign", args.member, f"/assign {args.member}"), ctx)
        if not isinstance(decision, Assign):
            said.warn(decision.why if isinstance(decision, Refused) else str(decision))
            return EX_DATAERR
        member = decision.member
        return _change_ticket(
            app,
            said,
            args.id,
            lambda s, t: changes.assign(s, t, member, now, actor=actor(), channel="cli"),
            N_("ticket #{id}: assigned to {member}", id=args.id, member=member),
        )


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
    said = Speaker(settings)
    email = args.email.strip().lower()
    if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+", email):
        said.warn(N_("not an e-mail address: {value}", value=repr(args.email)))
        return EX_USAGE
    from gateway.tickets import changes

    def add(session: Any, ticket: Any) -> None:
        changes.add_participant(session, ticket, email, "cc", now, actor=actor(), channel="cli")

    done = N_("ticket #{id}: {email} added; they now hear its answers", id=args.id, email=email)
    with opened(settings) as app:
        now = app.clock.now()
        return _change_ticket(app, said, args.id, add, done)


def _change_ticket(
    app: App, said: Speaker, ticket_id: int, change: Callable[[Any, Any], None], done: Msg
) -> int:
    """One change to one ticket in one transaction; 69 when there is no such ticket."""
    from store import tickets
    from store.db import transaction

    with transaction(app.sessions) as s:
        ticket = tickets.get(s, ticket_id)
        if ticket is None:
            said.warn(N_("no ticket #{id}", id=ticket_id))
            return EX_UNAVAILABLE
        change(s, ticket)
    said.say(done)
    return EX_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    t = sub.add_parser("tickets", help="list, show and change tickets").add_subparsers(
        required=True, metavar="ACTION"
    )
    tl = t.add_parser("list", help="list tickets")
    tl.add_argument("--state", choices=STATES)
    tl.add_argument("--json", action="store_true")
    tl.set_defaults(handler=cmd_tickets_list)
    ts = t.add_parser("show", help="show one ticket with messages and events")
    ts.add_argument("id", type=int)
    ts.add_argument("--json", action="store_true")
    ts.set_defaults(handler=cmd_tickets_show)
    tss = t.add_parser("set-state", help="change a ticket's state")
    tss.add_argument("id", type=int)
    tss.add_argument("state", choices=STATES)
    tss.add_argument("--reason", choices=CLOSE_REASONS, help="close reason (default resolved)")
    tss.set_defaults(handler=cmd_tickets_set_state)
    ta = t.add_parser("assign", help="give a ticket to a member")
    ta.add_argument("id", type=int)
    ta.add_argument("member", help="a configured member's address (or the part before @)")
    ta.set_defaults(handler=cmd_tickets_assign)
    tn = t.add_parser("note", help="add an internal note (never sent to the requester)")
    tn.add_argument("id", type=int)
    tn.add_argument("text", nargs="+")
    tn.set_defaults(handler=cmd_tickets_note)
    tp = t.add_parser(
        "add-participant", help="let someone on a ticket (they then hear its answers)"
    )
    tp.add_argument("id", type=int)
    tp.add_argument("email")
    tp.set_defaults(handler=cmd_tickets_add_participant)
