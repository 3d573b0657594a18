"""``ticket-gateway ingest`` and ``inbox``: put raw mail in, look at what came in.

``ingest`` is also the MTA's pipe (when no daemon takes the fast path in
:mod:`gateway.runtime.entry`), so its exit codes are the ones an MTA
understands: 75 makes it retry, 65 means the input is not mail at all.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from gateway.core.i18n import N_, NP_, Msg
from gateway.runtime.cli import inbox_show
from gateway.runtime.cli.common import (
    EX_DATAERR,
    EX_NOINPUT,
    EX_OK,
    EX_SOFTWARE,
    EX_TEMPFAIL,
    EX_UNAVAILABLE,
    EX_USAGE,
    Speaker,
    columns,
    opened,
    pad,
    print_json,
)
from gateway.runtime.cli.help_language import h
from gateway.runtime.cli.numbers import whole

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from gateway.config.settings import Settings

INBOX_STATES = ("pending", "done", "ignored", "rejected", "shunted")


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    """Stores and processes; without the reply-token key nothing is stored (exit 78, or
    75 for an MTA's pipe, which keeps the mail) rather than stored and left half-done."""
    settings.gateway.reply_key()
    import logging

    from gateway.core.errors import (
        CatalogError,
        ConfigError,
        DatabaseNotCreated,
        TransientError,
    )
    from gateway.receive.parse_ahead import ParseAhead
    from gateway.runtime.cli.terminal import OutputFailed

    ahead = ParseAhead.started(args.inputs)  # first: its workers start while we import

    from gateway.receive.bulk import ingest
    from gateway.runtime.memory import give_memory_back

    give_memory_back()  # a folder of mail is many big messages one after another

    said = Speaker(settings)
    try:
        # closed even if the database cannot be opened; the runner commits without pause,
        # so the log's checkpoints go to a thread of their own (store.checkpoint)
        with ahead, opened(settings, checkpoint_apart=True, create=True) as app:
            summary = ingest(app.the_runner(), args.inputs, said.say, ahead=ahead)
    except (TransientError, ConfigError, CatalogError, DatabaseNotCreated, OutputFailed):
        # the usual 75, or 78 (a database this user may not write or at a newer schema;
        # a catalog with problems, each on its line, before anything was stored; for
        # an MTA's pipe 75, or it would bounce the mail), or 73/75 (a database file that
        # cannot be made), or 74 (its lines cannot be written: what was stored stays
        # stored, found as a duplicate if run again): cli.main
        raise
    except Exception as exc:
        # An MTA bounces on any exit it does not know (a traceback is 1): an error of
        # ours, or a database that is not one, must leave the mail in its queue. What was
        # committed stays, and is found again as a duplicate when the MTA retries.
        logging.getLogger("gateway.ingest").exception("ingest failed")
        said.warn(N_("temporary failure, try again later: {error}", error=repr(exc)))
        return EX_TEMPFAIL
    if summary.transient:
        return EX_TEMPFAIL
    if summary.not_mail:
        return EX_DATAERR  # an input named on the command line is not mail at all
    return EX_NOINPUT if summary.unreadable else EX_OK  # a file could not be read


def cmd_inbox_list(args: argparse.Namespace, settings: Settings) -> int:
    from store import inbox
    from store.db import transaction

    with opened(settings) as app, transaction(app.sessions) as s:
        rows = [
            {**inbox.view(r), "error": r.error if args.json else ""}
            for r in inbox.list_rows(s, args.state, limit=args.limit)
        ]
    if args.json:
        print_json(rows)
        return EX_OK
    said = Speaker(settings)
    if not rows:  # said, as tickets list says it: an empty answer, not a silent command
        said.say(N_("no inbox rows match"))
        return EX_OK
    heads = [said(name) for name, _ in INBOX_COLUMNS]
    # each column as wide as its header in the reader's language, or its usual width
    widths = [max(w, columns(head)) for head, (_, w) in zip(heads, INBOX_COLUMNS, strict=True)]
    # what each number is: the inbox row (inbox retry's), the ticket
    print(" ".join(pad(head, w) for head, w in zip(heads, widths, strict=True)).rstrip())
    for r in rows:
        ticket = f"#{r['ticket']}" if r["ticket"] else "-"
        cells = (str(r["id"]), str(r["state"]), ticket, str(r["source"]), str(r["reason"] or ""))
        print(" ".join(pad(c, w) for c, w in zip(cells, widths, strict=True)).rstrip())
    return EX_OK


# ``inbox list``'s columns: header and width in terminal columns (the last: the rest)
INBOX_COLUMNS: tuple[tuple[Msg, int], ...] = (
    (N_("inbox"), 7),  # the row's number, as inbox retry takes it
    (N_("state"), 9),  # pending | done | ignored | rejected | shunted, as --state takes them
    (N_("ticket"), 7),
    (N_("source"), 7),  # smtp, imap, ingest, web, slack: where it came in
    (N_("reason"), 1),  # what the runner recorded (English: the log's words)
)


def cmd_inbox_retry(args: argparse.Namespace, settings: Settings) -> int:
    """Requeues and processes at once; 70 (EX_SOFTWARE) when a row is shunted again
    (the fix not deployed yet): a script must not read "fixed" in an exit 0."""
    from gateway.core.model import InboxState
    from gateway.runner.rows import state_said
    from store import inbox
    from store.db import transaction

    said = Speaker(settings)
    if not args.shunted and args.id is None:
        said.warn(N_("give an inbox ID or --shunted"))
        return EX_USAGE
    with opened(settings) as app:
        with transaction(app.sessions) as s:
            refused = None if args.shunted else _not_retried(s, args.id)
            if refused is not None:
                said.warn(refused[1])
                return refused[0]
            n = inbox.requeue(s, None if args.shunted else [args.id])
        outcomes = app.the_runner().process_pending()
    said.say(NP_("requeued {count} row", "requeued {count} rows", n, count=n))
    for o in outcomes:
        state = o.state.value if o.state else "pending"  # the inbox state, as --state takes it
        ticket = N_(", ticket #{id}", id=o.ticket_id) if o.ticket_id else ""
        # what the runner did in the reader's words where it said them (as ingest's
        # line), else its English record; the state as `inbox list` names it
        said.say(
            N_(
                "inbox #{id}: {state}{ticket} ({reason})",
                id=o.inbox_id,
                state=state_said(state),
                ticket=ticket,
                reason=o.reason if o.said is None else o.said,
            )
        )
    return EX_SOFTWARE if any(o.state is InboxState.SHUNTED for o in outcomes) else EX_OK


# the states a row is retried from: the rest were dealt with, and processing them
# again would overwrite what was done (a new ticket's row became "duplicate of itself")
RETRIED = (
    "shunted",  # a bug stopped it: reprocessed after the fix
    "pending",  # not processed yet: processed now
)


def _not_retried(session: Session, inbox_id: int) -> tuple[int, Msg] | None:
    """The exit code and the reason why row ``inbox_id`` is not retried, if it is not."""
    from store import inbox

    state = inbox.state_of(session, inbox_id)
    if state is None:
        return EX_UNAVAILABLE, N_("no inbox row #{id}", id=inbox_id)
    if state not in RETRIED:
        reason = N_(
            "inbox #{id} is {state}; only a shunted row is retried", id=inbox_id, state=state
        )
        return EX_DATAERR, reason
    return None


def register_ingest(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ing = sub.add_parser(
        "ingest",
        help=h(N_("store and process raw messages (files, folders, maildirs, mbox, - for stdin)")),
    )
    ing.add_argument("inputs", nargs="*", metavar="PATH|-")
    ing.set_defaults(handler=cmd_ingest, creates_database=True)


def register_inbox(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    i = sub.add_parser(
        "inbox", help=h(N_("accepted raw messages and their dispositions"))
    ).add_subparsers(required=True, metavar="ACTION")
    il = i.add_parser("list", help=h(N_("list inbox rows, newest first")))
    il.add_argument("--state", choices=INBOX_STATES)
    il.add_argument("--limit", type=whole, default=200)
    il.add_argument("--json", action="store_true")
    il.set_defaults(handler=cmd_inbox_list)
    ir = i.add_parser("retry", help=h(N_("reprocess a row, or every shunted row")))
    ir.add_argument("id", type=whole, nargs="?")
    ir.add_argument("--shunted", action="store_true")
    ir.set_defaults(handler=cmd_inbox_retry)
    inbox_show.register_show(i)
