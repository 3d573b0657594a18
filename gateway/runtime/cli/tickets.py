"""``ticket-gateway tickets``: list, show and change tickets from a shell.

Changes go through :mod:`gateway.tickets.changes`, like a reply command's, so
each one is an event with ``cli:<login>`` as the actor and ``cli`` as the
channel; ``assign`` accepts exactly what the ``/assign`` reply command does.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gateway.runtime.cli.common import (
    EX_DATAERR,
    EX_OK,
    EX_UNAVAILABLE,
    EX_USAGE,
    actor,
    opened,
    print_json,
)

if TYPE_CHECKING:
    from gateway.config.settings import Settings
    from gateway.runtime.app import App

STATES = ("new", "open", "pending", "closed")
CLOSE_REASONS = ("resolved", "stale", "duplicate", "spam", "no-response")


def cmd_tickets_list(args: argparse.Namespace, settings: Settings) -> int:
    from store import tickets
    from store.db import transaction

    with opened(settings) as app, transaction(app.sessions) as s:
        rows = tickets.list_tickets(s, args.state)
    if args.json:
        print_json(rows)
        return EX_OK
    for r in rows:
        state = r["state"] + (f"/{r['close_reason']}" if r["close_reason"] else "")
        print(
            f"#{r['id']:<6} {state:<18} {r['message_count']:>3} msg  "
            f"{r['requester']:<32} {r['subject']}"
        )
    return EX_OK


def cmd_tickets_show(args: argparse.Namespace, settings: Settings) -> int:
    from store import tickets
    from store.db import transaction

    with opened(settings) as app, transaction(app.sessions) as s:
        data = tickets.detail(s, args.id)
    if data is None:
        print(f"ticket-gateway: no ticket #{args.id}", file=sys.stderr)
        return EX_UNAVAILABLE
    if args.json:
        print_json(data)
        return EX_OK
    print(f"Ticket #{data['id']}: {data['subject']}")
    for key in (
        "state",
        "close_reason",
        "requester",
        "catalog",
        "assignee",
        "created_at",
        "updated_at",
        "closed_at",
        "linked_ticket",
    ):
        if data.get(key) is not None:
            print(f"  {key}: {data[key]}")
    for m in data["messages"]:
        print(f"\n--- {m['direction']} {m['date'] or ''} {m['from']}  ({m['kind']})")
        print(f"Subject: {m['subject']}")
        print(m["text"].rstrip())
        for a in m["attachments"]:
            print(f"  [attachment] {a['filename']} ({a['content_type']}, {a['size']} bytes)")
    print("\nEvents:")
    for e in data["events"]:
        change = f"{e['old'] or ''} → {e['new']}" if e["old"] else (e["new"] or "")
        print(f"  {e['at']} {e['actor']} via {e['channel']}: {e['kind']} {change}")
    return EX_OK


def cmd_tickets_set_state(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.core.errors import InvalidTransition
    from gateway.core.model import CloseReason, TicketState
    from gateway.tickets import changes

    if args.reason and args.state != "closed":
        print("ticket-gateway: --reason only goes with closed", file=sys.stderr)
        return EX_USAGE
    reason = CloseReason(args.reason) if args.reason else None
    with opened(settings) as app:
        try:
            return _change_ticket(
                app,
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
                f"ticket #{args.id}: {args.state}",
            )
        except InvalidTransition as exc:
            print(f"ticket-gateway: ticket #{args.id}: {exc}", file=sys.stderr)
            return EX_DATAERR


def cmd_tickets_assign(args: argparse.Namespace, settings: Settings) -> int:
    """The same member lookup as the ``/assign`` reply command, so both accept the same."""
    from gateway.pipeline.commands import Assign, Command, CommandContext, Role, decide
    from gateway.tickets import changes

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
            print(f"ticket-gateway: {getattr(decision, 'reason', decision)}", file=sys.stderr)
            return EX_DATAERR
        member = decision.member
        return _change_ticket(
            app,
            args.id,
            lambda s, t: changes.assign(s, t, member, now, actor=actor(), channel="cli"),
            f"ticket #{args.id}: assigned to {member}",
        )


def cmd_tickets_note(args: argparse.Namespace, settings: Settings) -> int:
    text = " ".join(args.text).strip()
    if not text:
        print("ticket-gateway: the note is empty", file=sys.stderr)
        return EX_USAGE
    from gateway.tickets import changes

    with opened(settings) as app:
        now = app.clock.now()
        return _change_ticket(
            app,
            args.id,
            lambda s, t: changes.add_note(s, t, text, now, actor=actor(), channel="cli"),
            f"ticket #{args.id}: note added",
        )


def cmd_tickets_add_participant(args: argparse.Namespace, settings: Settings) -> int:
    """Let someone join a ticket: they may then add to it by mail and hear its answers
    (for a stranger whose reply was attached but not let in, issue #14)."""
    from gateway.core.i18n import N_, translate

    locale = settings.gateway.locale
    email = args.email.strip().lower()
    if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+", email):
        wrong = translate(N_("not an e-mail address: {value}", value=repr(args.email)), locale)
        print(f"ticket-gateway: {wrong}", file=sys.stderr)
        return EX_USAGE
    from gateway.tickets import changes

    def add(session: Any, ticket: Any) -> None:
        changes.add_participant(session, ticket, email, "cc", now, actor=actor(), channel="cli")

    done = N_("ticket #{id}: {email} added; they now hear its answers", id=args.id, email=email)
    with opened(settings) as app:
        now = app.clock.now()
        return _change_ticket(app, args.id, add, translate(done, locale))


def _change_ticket(app: App, ticket_id: int, change: Callable[[Any, Any], None], done: str) -> int:
    """One change to one ticket in one transaction; 69 when there is no such ticket."""
    from store import tickets
    from store.db import transaction

    with transaction(app.sessions) as s:
        ticket = tickets.get(s, ticket_id)
        if ticket is None:
            print(f"ticket-gateway: no ticket #{ticket_id}", file=sys.stderr)
            return EX_UNAVAILABLE
        change(s, ticket)
    print(done)
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
