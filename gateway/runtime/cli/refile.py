"""``ticket-gateway catalog refile``: file the fallback's tickets again after the
catalog grew.

The team splits the fallback into real entries as patterns show (``stats`` lists
the words its tickets share). New mail is then filed by the new entries; this
command does the same for the tickets already waiting in the fallback (or in any
entry named with ``--from``, such as one the catalog no longer has). It shows
what would move and changes nothing, unless ``--apply`` is given: then each move
is its own transaction (a running daemon's listener never waits for the whole
run), checked again inside it, and written through the tickets service with
actor ``cli:<login>``. The decision is :func:`gateway.catalog.refile.where_now`.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gateway.core.i18n import N_, Msg
from gateway.runtime.cli.common import EX_DATAERR, EX_OK, Speaker, actor, opened, print_json
from gateway.runtime.cli.help_language import h

if TYPE_CHECKING:
    from gateway.catalog.model import Action, Catalog
    from gateway.catalog.refile import Move, Stay
    from gateway.config.settings import Settings
    from gateway.runtime.app import App
    from store.refile import Filed


@dataclass(slots=True)
class Line:
    """One ticket of the report (and of ``--json``)."""

    filed: Filed
    outcome: Move | Stay
    assignee: str | None = None  # after --apply, or as the dry run foresees it
    stored: dict[str, str] | None = None  # sheet values stored by --apply (or foreseen)
    skipped: bool = False  # --apply found it changed meanwhile
    action: Action | None = None  # the new entry's action the move starts (or would)
    run: int | None = None  # its run, written by --apply
    held: Msg | None = None  # why the move does not start it after all


def cmd_catalog_refile(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.catalog.load import load_for
    from gateway.catalog.refile import Move, where_now
    from gateway.pipeline.request_words import stored_request_words
    from store import refile
    from store.db import transaction

    said = Speaker(settings)
    # a broken catalog: CatalogError, said with every problem by main (exit 78)
    catalog = load_for(settings)
    source = args.source or catalog.fallback.id
    with opened(settings) as app:
        with transaction(app.sessions, read_only=True) as s:
            found = refile.filed_under(s, source, include_closed=args.include_closed)
        lines = [
            Line(
                f,
                where_now(
                    catalog,
                    source,
                    f.subject,
                    stored_request_words(f.new_text),
                    f.filing,
                    f.assigned_by_hand,
                ),
            )
            for f in found
        ]
        if catalog.entry(source) is None:
            if not lines:
                said.warn(
                    N_("no entry {entry!r} in the catalog, and no ticket under it", entry=source)
                )
                return EX_DATAERR
            said.warn(  # on stderr: --json's output stays one document
                N_("{entry!r} is not in the catalog: its tickets are matched anew", entry=source)
            )
        if args.apply:
            for line in lines:
                if isinstance(line.outcome, Move):
                    _apply(app, catalog, source, line)
        else:
            _foresee(app, catalog, lines)
    moves = [ln for ln in lines if isinstance(ln.outcome, Move) and not ln.skipped]
    if args.json:
        print_json({"from": source, "applied": args.apply, "tickets": [_json(ln) for ln in lines]})
        return EX_OK
    for line in lines:
        print(said(_said(line, source)))
        if line.action is not None and not line.skipped:
            print(said(_said_action(line, args.apply)))
    summary = (
        N_(
            "{moved} of {count} tickets under {entry} filed again",
            moved=len(moves),
            count=len(lines),
            entry=source,
        )
        if args.apply
        else N_(
            "{moved} of {count} tickets under {entry} would move (--apply moves them)",
            moved=len(moves),
            count=len(lines),
            entry=source,
        )
    )
    starting = sum(1 for ln in moves if ln.action is not None and ln.held is None)
    if starting:  # one sentence with the summary: the last line stays the run's outcome
        summary = (
            N_("{summary}; {count} started an action", summary=summary, count=starting)
            if args.apply
            else N_("{summary}; {count} would start an action", summary=summary, count=starting)
        )
    said.say(summary)
    return EX_OK


def _apply(app: App, catalog: Catalog, source: str, line: Line) -> None:
    """One move in its own transaction, if the ticket is still where it was read."""
    from gateway.catalog.refile import Move
    from gateway.runner.filing import refile
    from store import tickets
    from store.db import transaction

    move = line.outcome
    assert isinstance(move, Move)
    with transaction(app.sessions) as s:
        ticket = tickets.get(s, line.filed.ticket_id)
        if ticket is None or (ticket.catalog, ticket.assignee, ticket.state) != (
            source,
            line.filed.assignee,
            line.filed.state,
        ):
            line.skipped = True  # a person or the daemon changed it since it was read
            return
        done = refile(
            s,
            ticket,
            move,
            catalog,
            line.filed.new_text,
            app.clock.now(),
            actor=actor(),
            channel="cli",
            zone=app.settings.gateway.timezone,
        )
    line.assignee, line.stored = done.assignee, done.stored
    line.action, line.run, line.held = done.action, done.run, done.held


def _foresee(app: App, catalog: Catalog, lines: list[Line]) -> None:
    """The dry run: each move's assignee and sheet values as ``--apply`` would leave
    them, in the order it takes them (the round robin turns over the run)."""
    from gateway.catalog.refile import Move
    from gateway.runner.refile_preview import Rotation, foresee
    from store.db import transaction

    with transaction(app.sessions, read_only=True) as s:
        rotation = Rotation(s)
        for line in lines:
            if isinstance(line.outcome, Move):
                zone = app.settings.gateway.timezone
                done = foresee(s, catalog, line.filed, line.outcome, rotation, zone)
                line.assignee, line.stored = done.assignee, done.stored
                line.action, line.held = done.action, done.held


def _said_action(line: Line, applied: bool) -> Msg:
    """The action a move starts (after ``--apply``, with its run) or would start."""
    assert line.action is not None
    tid, entry = line.filed.ticket_id, getattr(line.outcome, "entry", None)
    name = entry.id if entry is not None else ""
    waits = line.action.when == "approved"
    if line.held is not None:
        return (
            N_(
                "#{id}: its sheet is complete, but the action of {entry} does not start: {reason}",
                id=tid,
                entry=name,
                reason=line.held,
            )
            if applied
            else N_(
                "#{id}: its sheet would be complete, but the action of {entry} would not"
                " start: {reason}",
                id=tid,
                entry=name,
                reason=line.held,
            )
        )
    if not applied:
        if waits:
            return N_(
                "#{id}: its sheet would be complete: the action of {entry} would wait for"
                " a manager's /approve",
                id=tid,
                entry=name,
            )
        return N_(
            "#{id}: its sheet would be complete: the action of {entry} would start ({target})",
            id=tid,
            entry=name,
            target=line.action.target,
        )
    if waits:
        return N_(
            "#{id}: its sheet is complete: the action of {entry} waits for a manager's"
            " /approve (run #{run})",
            id=tid,
            entry=name,
            run=line.run,
        )
    return N_(
        "#{id}: its sheet is complete: the action of {entry} starts ({target}, run #{run})",
        id=tid,
        entry=name,
        target=line.action.target,
        run=line.run,
    )


def _said(line: Line, source: str) -> Msg:
    from gateway.catalog.refile import Stay

    tid, outcome = line.filed.ticket_id, line.outcome
    if isinstance(outcome, Stay):
        if outcome is Stay.BY_PERSON:
            return N_("#{id}: stays under {entry} (filed there by a person)", id=tid, entry=source)
        return N_("#{id}: stays under {entry} (no other entry matches)", id=tid, entry=source)
    score = format(outcome.classification.score, "g")
    words = ", ".join(dict.fromkeys(h.keyword for h in outcome.classification.matched))
    if line.skipped:
        return N_("#{id}: changed meanwhile, left under {entry}", id=tid, entry=source)
    said = {"id": tid, "old": source, "new": outcome.entry.id, "score": score, "keywords": words}
    if outcome.entry.fallback:  # from a lost entry, matching nothing now: no score to show
        return N_(
            "#{id}: {old} → {new} (no entry matches: the fallback), assignee {assignee}",
            **said,
            assignee=line.assignee or "-",
        )
    return N_(
        "#{id}: {old} → {new} (score {score}: {keywords}), assignee {assignee}",
        **said,
        assignee=line.assignee or "-",
    )


def _json(line: Line) -> dict[str, Any]:
    from gateway.catalog.refile import Move

    f, outcome = line.filed, line.outcome
    data: dict[str, Any] = {"ticket": f.ticket_id, "state": f.state, "assignee": f.assignee}
    if not isinstance(outcome, Move):
        return {**data, "moves": False, "stays": outcome.value}
    data.update(
        moves=not line.skipped,
        to=outcome.entry.id,
        classification=outcome.classification.as_detail(),
        reassign=outcome.reassign,
    )
    if line.skipped:
        data["stays"] = "changed-meanwhile"
    if line.stored is not None:  # after --apply, or as the dry run foresees it
        data.update(assignee_now=line.assignee, fields_stored=line.stored)
        data["action"] = (
            None
            if line.action is None or line.skipped
            else {
                "trigger": line.action.when,
                "type": line.action.type,
                "target": line.action.target,
                "run": line.run,
                "held": None if line.held is None else str(line.held),
            }
        )
    return data


def register(c: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``catalog refile`` under the ``catalog`` command's actions."""
    cr = c.add_parser(
        "refile",
        help=h(N_("file the fallback's tickets again under the entries that match them now")),
    )
    cr.add_argument(
        "--from",
        dest="source",
        metavar="ENTRY",
        help=h(N_("the entry whose tickets are filed again (default: the fallback)")),
    )
    cr.add_argument("--apply", action="store_true", help=h(N_("move them (default: only show)")))
    cr.add_argument(
        "--include-closed",
        action="store_true",
        help=h(N_("closed tickets too (their entry only, for the statistics)")),
    )
    cr.add_argument("--json", action="store_true")
    cr.set_defaults(handler=cmd_catalog_refile)
