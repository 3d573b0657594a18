"""The ``ticket-gateway`` command.

Only this module chooses exit codes (sysexits): 0 ok, 64 usage, 65 input is not
mail, 69 not found, 75 try again later, 78 bad configuration; and ``status``
exits 1 when the gateway is unhealthy, as monitoring plugins expect. Heavy imports
(SQLAlchemy, the parser) are deferred into the subcommands so ``--help`` and a
bad config answer at once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gateway.config.settings import Settings
    from gateway.runtime.app import App

EX_OK, EX_USAGE, EX_DATAERR, EX_UNAVAILABLE = 0, 64, 65, 69
EX_SOFTWARE, EX_TEMPFAIL, EX_CONFIG = 70, 75, 78
EX_UNHEALTHY = 1  # status: something needs a human (not a sysexits code)
STATES = ("new", "open", "pending", "closed")
INBOX_STATES = ("pending", "done", "ignored", "rejected", "shunted")
CLOSE_REASONS = ("resolved", "stale", "duplicate", "spam", "no-response")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _configure_logging(args)
    from gateway.core.errors import CatalogError, ConfigError, TransientError

    try:
        settings = _settings(args.config)
        handler: Callable[[argparse.Namespace, Settings], int] = args.handler
        return handler(args, settings)
    except ConfigError as exc:
        print(f"ticket-gateway: configuration error: {exc}", file=sys.stderr)
        return EX_CONFIG
    except CatalogError as exc:
        print(f"ticket-gateway: the catalog {exc.path} has problems:", file=sys.stderr)
        for problem in exc.problems:
            print(f"{exc.path}:{problem.line}: {problem.message}", file=sys.stderr)
        return EX_CONFIG
    except TransientError as exc:
        print(f"ticket-gateway: temporary failure, try again later: {exc}", file=sys.stderr)
        return EX_TEMPFAIL
    except KeyboardInterrupt:
        return 130


def _configure_logging(args: argparse.Namespace) -> None:
    import logging  # not at the top: the MTA pipe path never needs it

    quiet = logging.INFO if args.handler is cmd_run else logging.WARNING  # a daemon says hello
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else quiet,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",  # gateway.logs.TEXT_FORMAT
    )
    if not args.verbose:  # libraries' per-connection and per-plugin chatter
        for noisy in ("mail.log", "alembic.runtime.plugins", "alembic.runtime.migration"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


def _settings(path: str | None) -> Settings:
    from gateway.config.settings import load_settings, locate_config

    return load_settings(locate_config(path))


@contextmanager
def _opened(settings: Settings) -> Iterator[App]:
    """The wired application for one command, closed however the command ends."""
    from gateway.runtime.app import build

    app = build(settings)
    try:
        yield app
    finally:
        app.close()


def _actor() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


# ---------------------------------------------------------------- run


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.runtime.daemon import run
    from gateway.runtime.logs import use_format

    use_format(settings.logging.format)
    return run(settings)


# ---------------------------------------------------------------- ingest


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.receive.bulk import ingest

    with _opened(settings) as app:
        summary = ingest(app, args.inputs, print)
    if summary.transient:
        return EX_TEMPFAIL
    return EX_DATAERR if summary.not_mail or summary.unreadable else EX_OK


# ---------------------------------------------------------------- tickets


def cmd_tickets_list(args: argparse.Namespace, settings: Settings) -> int:
    from store import tickets
    from store.db import transaction

    with _opened(settings) as app, transaction(app.sessions) as s:
        rows = tickets.list_tickets(s, args.state)
    if args.json:
        _json(rows)
        return EX_OK
    for r in rows:
        state = r["state"] + (f"/{r['close_reason']}" if r["close_reason"] else "")
        print(f"#{r['id']:<6} {state:<18} {r['message_count']:>3} msg  "
              f"{r['requester']:<32} {r['subject']}")
    return EX_OK


def cmd_tickets_show(args: argparse.Namespace, settings: Settings) -> int:
    from store import tickets
    from store.db import transaction

    with _opened(settings) as app, transaction(app.sessions) as s:
        data = tickets.detail(s, args.id)
    if data is None:
        print(f"ticket-gateway: no ticket #{args.id}", file=sys.stderr)
        return EX_UNAVAILABLE
    if args.json:
        _json(data)
        return EX_OK
    print(f"Ticket #{data['id']}: {data['subject']}")
    for key in ("state", "close_reason", "requester", "catalog", "assignee", "created_at",
                "updated_at", "closed_at", "linked_ticket"):
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
    with _opened(settings) as app:
        try:
            return _change_ticket(app, args.id, lambda s, t: changes.change_state(
                s, t, TicketState(args.state), app.clock.now(), actor=_actor(),
                channel="cli", reason=reason), f"ticket #{args.id}: {args.state}")
        except InvalidTransition as exc:
            print(f"ticket-gateway: ticket #{args.id}: {exc}", file=sys.stderr)
            return EX_DATAERR


def cmd_tickets_assign(args: argparse.Namespace, settings: Settings) -> int:
    """The same member lookup as the ``/assign`` reply command, so both accept the same."""
    from gateway.pipeline.commands import Assign, Command, CommandContext, Role, decide
    from gateway.tickets import changes

    with _opened(settings) as app:
        now = app.clock.now()
        ctx = CommandContext(Role.MEMBER, [m.email for m in settings.members], (), None, now,
                      settings.gateway.timezone)
        decision = decide(Command("assign", args.member, f"/assign {args.member}"), ctx)
        if not isinstance(decision, Assign):
            print(f"ticket-gateway: {getattr(decision, 'reason', decision)}", file=sys.stderr)
            return EX_DATAERR
        member = decision.member
        return _change_ticket(app, args.id, lambda s, t: changes.assign(
            s, t, member, now, actor=_actor(), channel="cli"),
            f"ticket #{args.id}: assigned to {member}")


def cmd_tickets_note(args: argparse.Namespace, settings: Settings) -> int:
    text = " ".join(args.text).strip()
    if not text:
        print("ticket-gateway: the note is empty", file=sys.stderr)
        return EX_USAGE
    from gateway.tickets import changes

    with _opened(settings) as app:
        now = app.clock.now()
        return _change_ticket(app, args.id, lambda s, t: changes.add_note(
            s, t, text, now, actor=_actor(), channel="cli"), f"ticket #{args.id}: note added")


def _change_ticket(app: App, ticket_id: int, change: Callable[[Any, Any], None],
                   done: str) -> int:
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


# ---------------------------------------------------------------- inbox and db


def cmd_inbox_list(args: argparse.Namespace, settings: Settings) -> int:
    from store import inbox
    from store.db import transaction

    with _opened(settings) as app, transaction(app.sessions) as s:
        rows = [
            {
                "id": r.id, "state": r.state, "source": r.source, "source_ref": r.source_ref,
                "message_id": r.message_id, "ticket": r.ticket_id, "reason": r.reason,
                "attempts": r.attempts, "size": r.size,
                "received_at": r.received_at.isoformat(),
                "error": r.error if args.json else "",
            }
            for r in inbox.list_rows(s, args.state, limit=args.limit)
        ]
    if args.json:
        _json(rows)
        return EX_OK
    for r in rows:
        ticket = f"#{r['ticket']}" if r["ticket"] else "-"
        print(f"{r['id']:<7} {r['state']:<9} {ticket:<7} {r['source']:<7} {r['reason']}")
    return EX_OK


def cmd_inbox_retry(args: argparse.Namespace, settings: Settings) -> int:
    from store import inbox
    from store.db import transaction

    if not args.shunted and args.id is None:
        print("ticket-gateway: give an inbox ID or --shunted", file=sys.stderr)
        return EX_USAGE
    with _opened(settings) as app:
        with transaction(app.sessions) as s:
            n = inbox.requeue(s, None if args.shunted else [args.id])
        outcomes = app.runner.process_pending()
    print(f"requeued {n} row(s)")
    for o in outcomes:
        state = o.state.value if o.state else "pending"
        ticket = f", ticket #{o.ticket_id}" if o.ticket_id else ""
        print(f"inbox #{o.inbox_id}: {state}{ticket} ({o.reason})")
    return EX_OK


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from store import migrate
    from store.db import make_engine

    engine = make_engine(settings.database.url)
    before = migrate.current_revision(engine)
    migrate.upgrade(engine)
    after = migrate.current_revision(engine)
    engine.dispose()
    print(f"database at revision {after}" + ("" if before == after else f" (was {before})"))
    return EX_OK


# ---------------------------------------------------------------- catalog and stats


def cmd_catalog_check(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from gateway.catalog.load import catalog_path, check_catalog, load_catalog

    path = Path(args.path) if args.path else catalog_path(settings)
    problems = check_catalog(path, settings.members)
    if problems:
        for p in problems:
            print(f"{path}:{p.line}: {p.message}")
        return EX_DATAERR
    catalog = load_catalog(path, settings.members)
    print(f"{path}: ok, {len(catalog.entries)} entries, fallback {catalog.fallback.id!r}")
    return EX_OK


def cmd_catalog_match(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from gateway.catalog.load import catalog_path, load_catalog
    from gateway.catalog.match import classify
    from gateway.catalog.sheet import missing_required, parse_sheet
    from gateway.core.errors import CatalogError
    from gateway.pipeline.parse.message import parse_message

    try:
        raw = Path(args.file).read_bytes()
    except OSError as exc:
        print(f"ticket-gateway: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return EX_UNAVAILABLE
    try:
        catalog = load_catalog(catalog_path(settings), settings.members)
    except CatalogError as exc:
        print(f"ticket-gateway: {exc}", file=sys.stderr)
        return EX_CONFIG
    msg = parse_message(raw)
    if not msg.is_mail:
        print(f"ticket-gateway: {args.file}: not an e-mail message", file=sys.stderr)
        return EX_DATAERR
    result = classify(catalog, msg.subject, msg.new_text)
    entry = catalog.entry(result.entry_id) or catalog.fallback
    sheet = parse_sheet(entry, msg.new_text)
    locale = args.locale or settings.gateway.locale
    missing = missing_required(entry, sheet.values, locale)
    if args.json:
        _json({**result.as_detail(), "name": entry.name(locale), "fields": sheet.values,
               "rejected": [{"field": r.field, "value": r.value, "reason": r.reason}
                            for r in sheet.rejected],
               "missing": [{"name": n, "label": label} for n, label in missing]})
        return EX_OK
    _print_match(result, entry.name(locale), sheet, missing)
    return EX_OK


def _print_match(result: Any, name: str, sheet: Any, missing: list[tuple[str, str]]) -> None:
    why = " (fallback: no keyword matched)" if result.fallback else ""
    print(f"entry: {result.entry_id} ({name}){why}")
    print(f"score: {result.score:g}")
    for h in result.matched:
        print(f"  {h.keyword!r} in {h.where}: weight {h.weight:g} -> {h.points:g}")
    for entry_id, score in result.scores[1:]:
        print(f"  runner-up: {entry_id} {score:g}")
    for entry_id, keyword in result.vetoed:
        print(f"  vetoed: {entry_id} by negative keyword {keyword!r}")
    for field, value in sheet.values.items():
        print(f"field {field}: {value}")
    for r in sheet.rejected:
        print(f"field {r.field}: rejected {r.value!r} ({r.reason})")
    for field, label in missing:
        print(f"missing: {field} ({label})")


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    from zoneinfo import ZoneInfo

    from gateway.catalog.load import catalog_path, load_catalog
    from gateway.core.errors import CatalogError
    from store import stats
    from store.db import transaction

    try:
        catalog = load_catalog(catalog_path(settings), settings.members)
    except CatalogError as exc:
        print(f"ticket-gateway: {exc}", file=sys.stderr)
        return EX_CONFIG
    with _opened(settings) as app, transaction(app.sessions) as s:
        data = stats.compute(s, entry_ids=[e.id for e in catalog.entries],
                             fallback_id=catalog.fallback.id,
                             tz=ZoneInfo(settings.gateway.timezone))
    if args.json:
        _json(data)
        return EX_OK
    _print_stats(data)
    return EX_OK


def _print_stats(data: dict[str, Any]) -> None:
    print("entry                open closed  median close")
    for e in data["entries"]:
        median = e["median_close_seconds"]
        shown = f"{median / 3600:.1f}h" if median is not None else "-"
        print(f"{e['entry'] or '(none)':<20} {e['open']:>4} {e['closed']:>6}  {shown:>12}")
    print("\nassignee                          open  oldest")
    for a in data["assignees"]:
        print(f"{a['assignee'] or '(nobody)':<32} {a['open']:>5}  #{a['oldest_ticket']} "
              f"since {a['oldest_created_at']}")
    print("\nweek       opened closed")
    for w in data["weeks"]:
        print(f"{w['week']:<10} {w['opened']:>6} {w['closed']:>6}")
    fb = data["fallback"]
    print(f"\nterms recurring in {fb['tickets']} {fb['entry']!r} tickets (candidates for "
          "new entries):")
    for t in fb["terms"]:
        print(f"  {t['term']:<20} {t['kind']:<6} {t['tickets']} tickets")


# ---------------------------------------------------------------- status


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    """0 healthy, 1 unhealthy (with the reasons): for a monitoring system to call."""
    from gateway.scheduling import health

    with _opened(settings) as app:
        report = health.check(settings, app.sessions, app.clock.now())
    if args.json:
        _json(report.as_dict())
    else:
        _print_status(report)
    return EX_OK if report.healthy else EX_UNHEALTHY


def _print_status(report: Any) -> None:
    data = report.as_dict()
    print("healthy" if report.healthy else "UNHEALTHY")
    for p in data["problems"]:
        print(f"  problem: {p['text']}")
    for m in data["mailboxes"]:
        error = f"  last error: {m['last_error']}" if m["last_error"] else ""
        print(f"mailbox {m['account']}: last successful poll {m['last_success_at'] or 'never'}"
              f"{error}")
    inbox, out = data["inbox"], data["outbox"]
    print(f"inbox: {inbox['pending']} pending, {inbox['shunted']} shunted")
    oldest = (f", oldest since {out['oldest_pending_at']} "
              f"({out['oldest_pending_age_seconds']}s)" if out["oldest_pending_at"] else "")
    print(f"outbox: {out['pending']} pending{oldest}, {out['failed']} failed")
    for job, at in data["jobs"].items():
        print(f"job {job}: last run {at}")


# ---------------------------------------------------------------- digest and sweep


def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.notify.render import renderer
    from gateway.scheduling import digest, scheduler
    from gateway.scheduling.rules import Job
    from store import jobs
    from store.db import transaction

    with _opened(settings) as app:
        ctx, now = scheduler.context(app), app.clock.now()
        run = digest.current_run(ctx, now)
        with transaction(app.sessions) as s:
            mails = digest.build(s, ctx, now, run, args.member)
            if args.dry_run:  # rendered here, never queued: nothing is written
                for m in mails:
                    parts = renderer(settings.gateway.templates_dir).render(m.view, m.locale)
                    who = m.view.recipient
                    _print_mail(f"{who.name} <{who.email}>" if who.name else who.email,
                                parts.subject, parts.text)
                print(f"{len(mails)} mail(s) would be sent for {run.period} ({run.label})")
                return EX_OK
            if args.member is None and not jobs.claim(s, Job.DIGEST, run.period, now):
                print(f"the digest for {run.period} was sent already")
                return EX_OK
            ids = digest.queue(s, ctx, mails, now)
    print(f"{len(ids)} mail(s) queued for {run.period} ({run.label})")
    return EX_OK


def cmd_sweep(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.scheduling import scheduler
    from gateway.scheduling.sweeps import run_sweeps
    from store import outbox
    from store.db import transaction

    with _opened(settings) as app:
        ctx, now = scheduler.context(app), app.clock.now()
        if args.dry_run:  # the real pass in a transaction that is rolled back
            with app.sessions() as s:
                report = run_sweeps(s, ctx, now)
                for row in outbox.rows(s):
                    if row.id in report.outbox:
                        _print_raw(row.raw)
                s.rollback()
            print(f"dry run: {report.summary()} (nothing written)")
            return EX_OK
        with transaction(app.sessions) as s:
            report = run_sweeps(s, ctx, now)
    print(report.summary())
    return EX_OK


def _print_raw(raw: bytes) -> None:
    import email
    import email.policy
    from email.message import EmailMessage

    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    body = msg.get_body(preferencelist=("plain",))
    text = body.get_content() if isinstance(body, EmailMessage) else ""
    _print_mail(str(msg["To"]), str(msg["Subject"]), text)


def _print_mail(to: str, subject: str, text: str) -> None:
    print(f"To: {to}\nSubject: {subject}\n\n{text.rstrip()}\n\n" + "-" * 72)


def _json(data: Any) -> None:
    import json

    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


# ---------------------------------------------------------------- parser


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ticket-gateway",
                                description="E-mail to ticket gateway for ops teams.")
    p.add_argument("--config", metavar="PATH",
                   help="config file (default: $TICKET_GATEWAY_CONFIG, else ./gateway.toml)")
    p.add_argument("-v", "--verbose", action="store_true", help="log debug output")
    sub = p.add_subparsers(required=True, metavar="COMMAND")

    sub.add_parser("run", help="run the daemon: SMTP/LMTP listener, IMAP pollers, runner"
                   ).set_defaults(handler=cmd_run)

    ing = sub.add_parser("ingest", help="store and process raw messages (files, folders, "
                                        "maildirs, mbox, - for stdin)")
    ing.add_argument("inputs", nargs="*", metavar="PATH|-")
    ing.set_defaults(handler=cmd_ingest)

    t = sub.add_parser("tickets", help="list, show and change tickets").add_subparsers(
        required=True, metavar="ACTION")
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

    i = sub.add_parser("inbox", help="accepted raw messages and their dispositions"
                       ).add_subparsers(required=True, metavar="ACTION")
    il = i.add_parser("list", help="list inbox rows, newest first")
    il.add_argument("--state", choices=INBOX_STATES)
    il.add_argument("--limit", type=int, default=200)
    il.add_argument("--json", action="store_true")
    il.set_defaults(handler=cmd_inbox_list)
    ir = i.add_parser("retry", help="reprocess a row, or every shunted row")
    ir.add_argument("id", type=int, nargs="?")
    ir.add_argument("--shunted", action="store_true")
    ir.set_defaults(handler=cmd_inbox_retry)

    c = sub.add_parser("catalog", help="check the service catalog, explain a match"
                       ).add_subparsers(required=True, metavar="ACTION")
    cc = c.add_parser("check", help="validate the catalog; every problem with its line")
    cc.add_argument("path", nargs="?", metavar="PATH",
                    help="catalog file (default: [catalog] path, else the example)")
    cc.set_defaults(handler=cmd_catalog_check)
    cm = c.add_parser("match", help="classify a message file and explain the score")
    cm.add_argument("file", metavar="FILE")
    cm.add_argument("--locale", choices=("ja", "en"), help="language of names and labels")
    cm.add_argument("--json", action="store_true")
    cm.set_defaults(handler=cmd_catalog_match)

    st = sub.add_parser("stats", help="per entry, assignee and week; the fallback report")
    st.add_argument("--json", action="store_true")
    st.set_defaults(handler=cmd_stats)

    stt = sub.add_parser("status", help="health: mailboxes, inbox, outbox, jobs; exit 1 when "
                         "unhealthy")
    stt.add_argument("--json", action="store_true")
    stt.set_defaults(handler=cmd_status)

    dg = sub.add_parser("digest", help="send the weekly digest now, or print it (--dry-run)")
    dg.add_argument("--dry-run", action="store_true", help="print the mails, send nothing")
    dg.add_argument("--member", metavar="EMAIL", help="only this member's mails")
    dg.set_defaults(handler=cmd_digest)
    sw = sub.add_parser("sweep", help="run the reminder, SLA and auto-close sweeps now")
    sw.add_argument("--dry-run", action="store_true", help="print what would happen")
    sw.set_defaults(handler=cmd_sweep)

    d = sub.add_parser("db", help="database maintenance").add_subparsers(
        required=True, metavar="ACTION")
    d.add_parser("upgrade", help="migrate the schema to the newest revision").set_defaults(
        handler=cmd_db_upgrade)
    return p

