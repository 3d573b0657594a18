"""``ticket-gateway tickets list``: the tickets that match, oldest first.

The filters and the full-text search are the web list's own query layer
(:func:`store.ticket_query.find`, :mod:`store.search`: SQLite FTS5 trigrams,
PostgreSQL ``pg_trgm``, Japanese substrings too), so a page and a script see
the same tickets for the same filters. Each option is one row of
:data:`FILTERS` naming the :class:`~store.ticket_query.TicketQuery` field it
sets: a new filter is a field there and a row here.

The text columns are for people (the entry's name in the CLI's language); the
``--json`` objects are data (the entry's id), with DESIGN.md's keys.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gateway.core.domains import readable_address
from gateway.core.i18n import N_, Msg
from gateway.runtime.cli.common import EX_OK, EX_USAGE, Speaker, pad, print_json, reading
from gateway.runtime.cli.help_language import h
from gateway.runtime.cli.left_mark import legend, marked_cell
from gateway.runtime.cli.unknown_member import Words, refusal

if TYPE_CHECKING:
    from gateway.catalog.model import Catalog
    from gateway.config.settings import Settings

STATES = ("new", "open", "pending", "closed")
NOBODY = "-"  # --assignee -: the tickets nobody has; --catalog -: those of no entry


@dataclass(frozen=True, slots=True)
class Filter:
    """One option of ``tickets list`` and the TicketQuery field it sets."""

    flag: str
    field: str
    metavar: str
    help: Msg
    choices: tuple[str, ...] | None = None


# option → TicketQuery field; the options are ANDed
FILTERS = (
    # a state, or "active": every ticket that is not closed
    Filter(
        "--state", "state", "STATE", N_("new, open, pending, closed, active"), (*STATES, "active")
    ),
    # whose it is: a member's address or the part before the @ (as /assign takes it)
    Filter(
        "--assignee",
        "assignee",
        "MEMBER",
        N_("a member (e-mail or name before @), {nobody}: none", nobody=NOBODY),
    ),
    # who asked: the requester's address, in any case
    Filter("--requester", "requester", "EMAIL", N_("the requester's e-mail address")),
    # the catalog entry's id (what /category and --json say), or - for none (the board's
    # "(not filed)" lane)
    Filter("--catalog", "catalog", "ENTRY", N_("a catalog entry's id, {none}: none", none=NOBODY)),
    # how urgent, in any word /priority and `tickets priority` take (level_named): the
    # value, its name (緊急, 高), a subject marker of the team's ([priority]: 至急)
    Filter(
        "--priority",
        "priority",
        "LEVEL",
        N_("low, normal, high, urgent, or any word /priority takes for one"),
    ),
    # every word in the subject or text of a message that came in; Japanese substrings
    Filter("--search", "search", "TEXT", N_("words in the subject or text (Japanese too)")),
)

# the text columns: header and width in terminal columns (negative: right-aligned)
COLUMNS: tuple[tuple[Msg, int], ...] = (
    (N_("ticket"), 7),
    (N_("state"), 18),
    (N_("priority"), 8),  # low | normal | high | urgent, as --priority takes them
    (N_("msgs"), -4),  # messages that came in
    (N_("assignee"), 24),
    (N_("entry"), 22),  # the catalog entry's name
    (N_("requester"), 26),
    (N_("subject"), 1),
)
ASSIGNEE = 4  # the assignee's column: marked when they left the team (left_mark)


def cmd_tickets_list(args: argparse.Namespace, settings: Settings) -> int:
    from store import ticket_query
    from store.db import transaction

    said = Speaker(settings)
    values: dict[str, Any] = {f.field: getattr(args, f.field) for f in FILTERS}
    values = {k: v for k, v in values.items() if v is not None}
    if "assignee" in values:
        member = _member(settings, values["assignee"])
        if not isinstance(member, str):
            said.warn(member)
            return EX_USAGE
        values["assignee"] = member
    if "priority" in values:
        from gateway.pipeline.priority import level_named  # pure: words and markers

        level = level_named(values["priority"], settings.priority.markers)
        if isinstance(level, Msg):  # refused as `tickets priority` refuses it
            said.warn(level)
            return EX_USAGE
        values["priority"] = level.value
    if values.get("catalog") == NOBODY:
        values["catalog"] = ""
    # "-" is nobody's as the digest says it: no assignee, or one who left the team
    query = ticket_query.TicketQuery(**values, limit=None, order="oldest", team=settings.team)
    with reading(settings) as app, transaction(app.sessions, read_only=True) as s:
        rows, _ = ticket_query.find(s, query)
        catalog = app.catalog.current
    if args.json:
        print_json(rows)
        return EX_OK
    if not rows:
        said.say(N_("no tickets match"))
        return EX_OK
    print(" ".join(pad(said(name), width) for name, width in COLUMNS).rstrip())
    # one taken out of [[members]] still has their tickets: marked, as the pages mark them
    left = [bool(r["assignee"]) and not settings.on_team(r["assignee"]) for r in rows]
    for r, gone in zip(rows, left, strict=True):
        print(_line(r, catalog, said, gone))
    if (words := legend(left)) is not None:
        said.say(words)  # a footnote, right under the rows
    return EX_OK


def _line(r: dict[str, Any], catalog: Catalog, said: Speaker, left: bool) -> str:
    """One ticket's row; ``left``: its assignee is no longer in ``[[members]]``."""
    state = r["state"] + (f"/{r['close_reason']}" if r["close_reason"] else "")
    cells = (
        f"#{r['id']}",
        state,
        r.get("priority") or "normal",
        str(r["message_count"]),
        readable_address(r["assignee"]) if r["assignee"] else "-",
        catalog.shown_name(r["catalog"], said.locale) or "-",  # a removed entry: marked
        readable_address(r["requester"]),  # xn--…: as people write it (--json: as kept)
    )
    shown = [
        marked_cell(c, w, left) if n == ASSIGNEE else pad(c, w, cut=True)
        for n, (c, (_, w)) in enumerate(zip(cells, COLUMNS, strict=False))
    ]
    return " ".join([*shown, r["subject"]])


def _member(settings: Settings, text: str) -> str | Msg:
    """The address --assignee means: "" for nobody, an address as given, or the member
    the word names as ``/assign`` reads it (the part before the ``@``, a name from
    ``[[members]]``, with or without its space or a Japanese honorific); else why none."""
    from gateway.pipeline.member_names import member_named  # pure: names and addresses

    if text == NOBODY:
        return ""
    wanted = text.strip()
    if "@" in wanted:
        return wanted.lower()
    emails = [m.email for m in settings.members]
    found = member_named(wanted, emails, {m.email: m.name for m in settings.members})
    return found if isinstance(found, str) else _no_member(settings, text, found)


def _no_member(settings: Settings, text: str, why: Msg) -> Msg:
    """Why ``--assignee text`` names nobody (``why``: ``/assign``'s words), and what it
    takes instead: the README's ``--assignee tanaka`` on a site with no ``[[members]]``
    (the quick start's) said only "no member 'tanaka'"."""
    wanted = text.strip().lower()
    shared = [m.email for m in settings.members if m.email.split("@", 1)[0] == wanted]
    if len(shared) > 1:  # the short form of two members: nobody's
        return N_(
            "{name!r} is the part before the @ of several members ({members}): give the address",
            name=text,
            members=", ".join(shared),
        )
    return refusal(settings, text, why, _UNKNOWN)


# the refusal of a word that names no member (:mod:`unknown_member`), and what it takes
_UNKNOWN = Words(
    no_members=N_(  # no short forms to take: only an address
        "no member {member!r}: {config} lists no [[members]], so give the assignee's "
        "whole address ({member}@…)"
    ),
    not_listed=N_(
        "no member {member!r} in the [[members]] of {config}: give an address, or the part "
        "before the @ of a member's ({members})"
    ),
)


def register_list(t: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tl = t.add_parser("list", help=h(N_("list tickets, oldest first; the options narrow the list")))
    for f in FILTERS:
        tl.add_argument(f.flag, dest=f.field, metavar=f.metavar, help=h(f.help), choices=f.choices)
    tl.add_argument("--json", action="store_true")
    tl.set_defaults(handler=cmd_tickets_list)
