"""``tickets merge``, ``tickets unmerge`` and ``tickets cc`` (#19) from a shell.

The same changes as the ``/merge`` and ``/cc`` reply commands, through the same
services (:mod:`gateway.tickets.merge`, :mod:`gateway.tickets.watchers`) and the
same rules, with ``cli:<login>`` as the actor and ``cli`` as the channel; a
refusal says why (exit 65), an unknown ticket is 69; a change the same command made
before (a merge or an unmerge run twice) says it is done already (exit 0).
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
    EX_UNAVAILABLE,
    EX_USAGE,
    Speaker,
    actor,
    opened,
    print_json,
)
from gateway.runtime.cli.help_language import argparse_text, h
from gateway.runtime.cli.numbers import whole

if TYPE_CHECKING:
    from gateway.config.settings import Settings

CHANNEL = "cli"


def cmd_tickets_merge(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.tickets import merge
    from gateway.tickets.merge_watch import tag

    def change(session: Any, source: Any, now: Any) -> None:
        merge.merge(
            session,
            source,
            args.target,
            now,
            actor=actor(),
            channel=CHANNEL,
            tag=tag(settings, args.target),
            max_watchers=settings.limits.max_watchers,
        )

    done = N_(
        "ticket #{source} merged into #{target} (closed as a duplicate)",
        source=args.source,
        target=args.target,
    )
    return _change(settings, args.source, change, done)


def cmd_tickets_unmerge(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.notify import labels
    from gateway.tickets import merge

    state: list[str] = []  # where the unmerge left it: its state before the merge

    def change(session: Any, source: Any, now: Any) -> None:
        merge.unmerge(
            session,
            source,
            now,
            window=settings.gateway.reopen_window,
            actor=actor(),
            channel=CHANNEL,
        )
        state.append(source.state)

    def done() -> Msg:
        back = labels.state(state[-1])
        return N_(
            "ticket #{id}: the merge is undone and the ticket is {state} again",
            id=args.source,
            state=back,
        )

    return _change(settings, args.source, change, done)


def cmd_tickets_cc(args: argparse.Namespace, settings: Settings) -> int:
    """``add``/``remove`` an address, or ``list`` the watchers (``--json`` for scripts)."""
    from gateway.pipeline.watching import Op, pasted
    from gateway.tickets import watchers

    said = Speaker(settings)
    if args.action == "list":
        if args.address is not None:  # not silently dropped: a script that meant add stops
            extra = argparse_text("unrecognized arguments: %s") % args.address
            args.cc_parser.error(extra)
        return _list(settings, said, args.id, args.json)
    if args.address is None:  # optional only for list: said as argparse says it, usage first
        missing = argparse_text("the following arguments are required: %s") % "address"
        args.cc_parser.error(missing)
    address = pasted(args.address)  # "Bob <bob@x.test>", "mailto:…": as people paste it
    if address is None:
        said.warn(N_("not an e-mail address: '{value}'", value=visible(args.address)))
        return EX_USAGE
    op = Op(args.action)

    def change(session: Any, ticket: Any, now: Any) -> None:
        watchers.change_watcher(
            session, settings, ticket, op, address, now, actor=actor(), channel=CHANNEL
        )

    done = (
        N_("ticket #{id}: {address} now watches it", id=args.id, address=address)
        if op == Op.ADD
        else N_("ticket #{id}: {address} no longer watches it", id=args.id, address=address)
    )
    return _change(settings, args.id, change, done)


def _list(settings: Settings, said: Speaker, ticket_id: int, as_json: bool) -> int:
    from store import merges, tickets
    from store.db import transaction

    with opened(settings) as app, transaction(app.sessions) as s:
        if tickets.get(s, ticket_id) is None:
            said.warn(N_("no ticket #{id}", id=ticket_id))
            return EX_UNAVAILABLE
        found = merges.watchers(s, ticket_id)
    if as_json:
        print_json(found)
    elif not found:
        said.say(N_("ticket #{id} has no watchers", id=ticket_id))
    for email in [] if as_json else found:
        print(email)
    return EX_OK


def _change(
    settings: Settings,
    ticket_id: int,
    change: Callable[[Any, Any, Any], None],
    done: Msg | Callable[[], Msg],
) -> int:
    """One change in one transaction: 69 for no such ticket, 65 for a refusal (and why),
    0 for done, now or before. ``done``: what is said, or how to say it once the change
    is made (what it did)."""
    from gateway.core.errors import AlreadyDone, InvalidTransition, Refusal
    from store import tickets
    from store.db import transaction

    said = Speaker(settings)
    with opened(settings) as app:
        try:
            with transaction(app.sessions) as s:
                ticket = tickets.get(s, ticket_id)
                if ticket is None:
                    said.warn(N_("no ticket #{id}", id=ticket_id))
                    return EX_UNAVAILABLE
                change(s, ticket, app.clock.now())
        except AlreadyDone as exc:  # run again: done by the first run, said as done
            said.say(N_("ticket #{id}: {problem}", id=ticket_id, problem=exc.why))
            return EX_OK
        except Refusal as exc:
            said.warn(N_("ticket #{id}: {problem}", id=ticket_id, problem=exc.why))
            return EX_DATAERR
        except InvalidTransition as exc:
            said.warn(N_("ticket #{id}: {problem}", id=ticket_id, problem=exc.message))
            return EX_DATAERR
    said.say(done if isinstance(done, Msg) else done())
    return EX_OK


def register_merge(t: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tm = t.add_parser("merge", help=h(N_("merge a duplicate ticket into another")))
    tm.add_argument("source", type=whole, help=h(N_("the duplicate: closed, its mail moves")))
    tm.add_argument("target", type=whole, help=h(N_("the ticket that goes on")))
    tm.set_defaults(handler=cmd_tickets_merge)
    tu = t.add_parser("unmerge", help=h(N_("undo a merge (within the reopen window)")))
    tu.add_argument("source", type=whole, help=h(N_("the ticket that was merged")))
    tu.set_defaults(handler=cmd_tickets_unmerge)
    tc = t.add_parser("cc", help=h(N_("add, remove or list the watchers of a ticket")))
    tc.add_argument("id", type=whole)
    tc.add_argument("action", choices=("add", "remove", "list"))
    tc.add_argument("address", nargs="?", help=h(N_("the watcher's e-mail address (add, remove)")))
    tc.add_argument("--json", action="store_true", help=h(N_("list: the addresses as JSON")))
    tc.set_defaults(handler=cmd_tickets_cc, cc_parser=tc)
