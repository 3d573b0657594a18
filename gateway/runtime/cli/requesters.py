"""``ticket-gateway requesters forget ADDRESS [--dry-run] [--json]``: a person's data
erased on their request (「私の個人情報を削除してください」: APPI art. 35, GDPR art. 17).

The erasure is one transaction of the tickets service (:mod:`gateway.tickets.erasure`):
it all happens or nothing does. The team's sent digests and lists (for ever with
``keep_sent = "forever"``) are read before it, outside the write lock
(:func:`gateway.tickets.erasure_lists.scan`): read in it, they held the daemon's
listener and runner for seconds. ``--dry-run`` runs the very same erasure and rolls it
back, so what it lists is exactly what the command would take. After the commit, the
outbound maildir's copies of the outbox rows that went are removed. The lines say how
many rows of each kind, never the address (the terminal may be logged or shared).
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gateway.core.i18n import N_, Msg
from gateway.core.os_errors import os_error
from gateway.core.text import visible
from gateway.runtime.cli.common import (
    EX_DATAERR,
    EX_IOERR,
    EX_OK,
    EX_USAGE,
    Speaker,
    actor,
    opened,
    print_json,
)
from gateway.runtime.cli.help_language import h

if TYPE_CHECKING:
    from gateway.config.settings import Settings
    from gateway.tickets.erasure import Outcome

SHOWN_IDS = 20  # ticket numbers listed on a line; more are "…"

# What each line counts, in the order said (key of Outcome.counts(), or "maildir_files")
LINES: tuple[tuple[str, Msg], ...] = (
    # the tickets they asked for, gone whole with the team's answers on them
    ("tickets", N_("their tickets: {n}")),
    # tickets of others they were on or wrote to: kept, without their words
    ("kept_tickets", N_("tickets of others, kept without their words: {n}")),
    # others' tickets merged into theirs: given their mail back and kept
    ("given_back", N_("tickets of others merged into theirs, given their mail back: {n}")),
    ("messages", N_("messages: {n}")),
    ("attachments", N_("attached files: {n}")),
    # the raw mail and submissions as they arrived
    ("inbox_rows", N_("raw inbox rows: {n}")),
    ("form_submissions", N_("of which web form or chat submissions: {n}")),
    ("outbox_rows", N_("outgoing mails (outbox rows): {n}")),
    # mails to them and others: no longer to them, a sent one's bytes dropped
    ("outbox_trimmed", N_("outgoing mails to others too, taken off them: {n}")),
    # the team's sent digests and lists that named them or their tickets: bytes dropped
    (
        "outbox_bytes_dropped",
        N_("digests and lists we sent that named them, their kept bytes dropped: {n}"),
    ),
    ("maildir_files", N_("copies in the outbound maildir: {n}")),
    ("chat_links", N_("chat links and chat posts: {n}")),
    ("events", N_("ticket history entries: {n}")),
    # others' entries on tickets that stay, which named them: the address cut out
    ("events_scrubbed", N_("history entries of others, their address taken out: {n}")),
    ("fields", N_("parameter sheet values: {n}")),
    ("participants", N_("places among a ticket's people: {n}")),
    ("action_runs", N_("catalog action runs: {n}")),
    ("job_runs", N_("reminder and schedule marks: {n}")),
    ("search_entries", N_("search index entries: {n}")),
    ("rate_counters", N_("web form counters: {n}")),
)


class _DryRun(Exception):
    """Rolls the dry run's transaction back, carrying what it found."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__("dry run")
        self.outcome = outcome


def cmd_requesters_forget(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.core.sqlite_url import sqlite_path
    from gateway.core.tokens import is_own_address
    from gateway.notify import maildir_copies
    from gateway.pipeline.watching import pasted
    from gateway.tickets.erasure import forget
    from gateway.tickets.erasure_lists import scan
    from store.checkpoint import empty_log
    from store.db import transaction

    said = Speaker(settings)
    address = pasted(args.address) or _quoted(args.address)
    if address is None:
        said.warn(N_("not an e-mail address: '{value}'", value=visible(args.address)))
        return EX_USAGE
    address = address.lower()
    own = {a.lower() for a in settings.own_addresses}
    if settings.member(address) is not None or is_own_address(address, own):
        # a member's answers are the team's record on every ticket, our own address (its
        # +token reply forms too) is on every mail we sent: neither is a requester's data
        # (a member who leaves: README)
        said.warn(N_("{address} is the team's, not a requester's: nothing erased", address=address))
        return EX_DATAERR
    files: list[Path] = []
    with opened(settings) as app:
        # once the database is found: the key is kept beside it, and in the wrong folder
        # "no gateway database" (66) is what to hear, not that the key cannot be read
        key = settings.gateway.reply_key()
        try:
            # the sent digests and lists, read before the write lock: the daemon goes on
            scanned = scan(app.sessions, address, app.clock.now())
            with transaction(app.sessions) as s:
                now = app.clock.now()
                outcome = forget(s, address, now, actor=actor(), key=key, scanned=scanned)
                if settings.outbound.mode == "maildir":
                    files = maildir_copies.copies(settings.outbound.maildir, outcome.mail_copies)
                if args.dry_run:
                    raise _DryRun(outcome)
                # before the commit: a copy that cannot be removed stops the erasure
                # whole, and run again it finds the rows that name the copies again
                maildir_copies.remove(files)
        except _DryRun as done:
            outcome = done.outcome
        except OSError as exc:
            said.warn(N_("nothing was erased: {error}", error=os_error(exc)))
            return EX_IOERR
        if not args.dry_run and (path := sqlite_path(str(settings.database.url))):
            empty_log(Path(path))  # nor left in SQLite's log, nor in the file's older pages
    counts: dict[str, Any] = {**outcome.counts(), "maildir_files": len(files)}
    if args.json:
        ids = {k: getattr(outcome, k) for k in ("tickets", "kept_tickets", "given_back")}
        audit = None if args.dry_run else outcome.audit_id
        print_json({**counts, **ids, "dry_run": args.dry_run, "audit": audit})
        return EX_OK
    if outcome.nothing and not files:
        said.say(N_("nothing stored for this address"))
    else:
        said.say(N_("would be erased:") if args.dry_run else N_("erased:"))
        _say_counts(said, outcome, counts)
    if args.dry_run:
        said.say(N_("nothing was erased (--dry-run)"))
    else:  # a request with nothing to erase is answered too, and recorded as such
        said.say(N_("recorded as erasure #{id}", id=outcome.audit_id))
    return EX_OK


# an address whose local part is a quoted string (RFC 5322 3.4.1: ``"john doe"@x.test``),
# alone or in <> after a name: the mail's own parser keeps it so, the plain form refuses it
_QUOTED = re.compile(r"""(?:[^<>"]*<)?("(?:[^"\\\r\n]|\\.)*"@[^@\s<>"',;]+\.[^@\s<>"',;]+)>?""")


def _quoted(text: str) -> str | None:
    """``text`` as an address with a quoted local part, in the one form the store keeps
    (:func:`~gateway.pipeline.parse.mailboxes.canonical`: quotes kept only where needed),
    or None: a requester whose mail came from ``"john doe"@x.test`` can be erased too."""
    from gateway.pipeline.parse.mailboxes import canonical

    found = _QUOTED.fullmatch(text.strip())
    if found is None or found.group(0).count("<") != found.group(0).count(">"):
        return None
    return canonical(found.group(1))


def _say_counts(said: Speaker, outcome: Outcome, counts: dict[str, Any]) -> None:
    for key, line in LINES:
        n = counts[key]
        if not n:
            continue
        shown = said(N_(line.msgid, n=n))
        listed = getattr(outcome, key, None)
        if isinstance(listed, list):
            numbers = ", ".join(f"#{i}" for i in listed[:SHOWN_IDS])
            numbers += ", …" if len(listed) > SHOWN_IDS else ""
            shown = said(N_("{line} ({ids})", line=shown, ids=numbers))
        said.say("  " + shown)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    r = sub.add_parser(
        "requesters", help=h(N_("the people who write in: their data on request"))
    ).add_subparsers(required=True, metavar="ACTION")
    rf = r.add_parser(
        "forget",
        help=h(N_("erase everything stored of one address (APPI art. 35, GDPR art. 17)")),
    )
    rf.add_argument("address", help=h(N_("the person's e-mail address")))
    rf.add_argument(
        "--dry-run", action="store_true", help=h(N_("list what would be erased; erase nothing"))
    )
    rf.add_argument("--json", action="store_true", help=h(N_("the counts as JSON")))
    rf.set_defaults(handler=cmd_requesters_forget)
