"""``ticket-gateway status``, ``digest`` and ``sweep``: the scheduler's work, by hand.

``status`` judges health as the alerts do and exits 1 when a human is needed;
``digest`` and ``sweep`` run what the scheduler would run now, through the
same functions (so a digest sent by hand is not sent again by the daemon),
and ``--dry-run`` prints the mails instead of queueing them. The lines are said
in the CLI's language (the mails in their recipients'); ``status --json`` is
English data.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from gateway.core.i18n import N_, NP_, Msg
from gateway.runtime.cli.common import (
    EX_CONFIG,
    EX_OK,
    EX_TEMPFAIL,
    EX_UNHEALTHY,
    EX_USAGE,
    Speaker,
    local_time,
    opened,
    print_json,
)
from gateway.runtime.cli.help_language import h
from gateway.runtime.cli.status_lines import say_web, web_status
from gateway.runtime.cli.sweep import cmd_sweep
from gateway.runtime.cli.warning_codes import Seen, warnings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from gateway.catalog.load import CatalogHolder
    from gateway.catalog.model import Catalog
    from gateway.config.settings import Settings
    from gateway.scheduling.health import Daemon, HealthProblem, HealthReport
    from gateway.scheduling.workload import Outside


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    """0 healthy, 1 unhealthy (with the reasons): for a monitoring system to call."""
    from gateway.receive import pipe
    from gateway.scheduling import health

    data_dir = settings.gateway.data_dir
    running = health.Daemon(pipe.daemon_running(data_dir), str(pipe.lock_path(data_dir)))
    report, outside, broken, catalog = _checked(settings, running)
    web = web_status(settings)
    said = Speaker(settings)
    if args.json:  # English and exact bytes, whatever LANG says: for scripts
        document = {**report.as_dict(), "outside_catalog": outside and outside.as_dict()}
        found = [w.as_dict() for w in warnings(Seen(settings, report, outside, catalog=catalog))]
        print_json({**document, "web": web, "warnings": found})
    else:
        from gateway.runtime.cli.disk_lines import short_of_room

        _print_status(said, report, settings.gateway.timezone, short_of_room(settings))
        for warning in warnings(Seen(settings, report, outside, human=True, catalog=catalog)):
            said.say(N_("  warning: {warning}", warning=warning.message))
        say_web(said, web)
    if settings.gateway.secret_problem is not None or broken:
        return EX_CONFIG  # a configuration error, as every other command says it (78)
    return EX_OK if report.healthy else EX_UNHEALTHY


def _checked(
    settings: Settings, running: Daemon
) -> tuple[HealthReport, Outside | None, bool, Catalog | None]:
    """The health report, the open tickets outside the catalog, whether the catalog is
    broken, and the catalog (None: broken). A catalog with problems is among the
    report's problems, each line of it, and everything else is still read: a
    monitoring script gets its health data (the other commands stop at such a catalog,
    exit 78)."""
    from dataclasses import replace

    from gateway.core.clock import SystemClock
    from gateway.core.errors import CatalogError
    from gateway.runtime.disk_space import disk_problems
    from gateway.runtime.reader import catalog_holder, open_database
    from gateway.scheduling import health
    from store.db import session_factory

    try:
        catalog: CatalogHolder | None = catalog_holder(settings)
        broken: tuple[HealthProblem, ...] = ()
    except CatalogError as exc:
        catalog, broken = None, health.catalog_problems(exc)
    clock = SystemClock()
    engine = open_database(settings, clock)
    try:
        sessions = session_factory(engine)
        report = health.check(settings, sessions, clock.now(), running)
        outside = _outside_catalog(sessions, catalog.current) if catalog else None
    finally:
        engine.dispose()
    full = disk_problems(settings)  # the database cannot hold this one itself
    if broken or full:
        report = replace(report, problems=broken + full + report.problems)
    return report, outside, bool(broken), catalog.current if catalog else None


def _outside_catalog(sessions: sessionmaker[Session], catalog: Catalog) -> Outside:
    """Open tickets of entries removed from the catalog: a warning, not a problem (they
    follow the fallback's rules meanwhile; someone should refile them)."""
    from gateway.scheduling import workload
    from store.db import transaction

    with transaction(sessions, read_only=True) as s:
        return workload.outside_catalog(s, catalog)


def _print_status(
    said: Speaker, report: HealthReport, timezone: str, disks: Mapping[str, Msg] | None = None
) -> None:
    """The report for people: every time in ``timezone`` with the zone's name, as the
    other commands print times (``--json`` keeps them ISO 8601, UTC); ``disks``: the
    disk problems in MB and GB by their keys (``--json`` keeps the exact bytes)."""
    from gateway.scheduling import unread
    from gateway.scheduling.health import in_zone

    def at(value: datetime | None) -> str:
        return local_time(value, timezone)

    said.say(N_("healthy") if report.healthy else N_("UNHEALTHY"))
    for p in report.problems:
        text = (disks or {}).get(p.key) or in_zone(p.message, timezone)
        print("  " + said(N_("problem: {text}", text=text)))
    for m in report.mailboxes:
        error = "  " + said(N_("last error: {error}", error=m.last_error)) if m.last_error else ""
        said.say(
            N_(
                "mailbox {account}: last successful poll {at}{error}",
                account=m.account,
                at=at(m.last_success_at) or N_("never"),
                error=error,
            )
        )
        if m.kept:  # the server's way (Gmail's All Mail), not a problem: said to know it
            kept = NP_(
                "{count} stored message stays in the folder: the server answered OK "
                "to moving or flagging it and kept it (as Gmail's All Mail does); it is "
                "not tried again",
                "{count} stored messages stay in the folder: the server answered OK "
                "to moving or flagging them and kept them (as Gmail's All Mail does); "
                "they are not tried again",
                m.kept,
                count=m.kept,
            )
            print("  " + said(kept))
        if m.copied_back:  # a filter or sync tool putting moved mail back: not a problem
            back = NP_(
                "{count} stored message stays in the folder: it was moved and came back "
                "under a new UID several times (a server-side filter or sync tool copying "
                "it back?); it is not moved again",
                "{count} stored messages stay in the folder: they were moved and came back "
                "under new UIDs several times (a server-side filter or sync tool copying "
                "them back?); they are not moved again",
                m.copied_back,
                count=m.copied_back,
            )
            print("  " + said(back))
        if m.stepped_over.uids:  # never a ticket: a warning, a problem after a day
            print("  " + said(unread.said(m.account, m.stepped_over)))
    data = report.as_dict()  # the counts, as --json has them
    inbox, out = data["inbox"], data["outbox"]
    said.say(
        N_(
            "inbox: {pending} pending{oldest}, {shunted} shunted",
            pending=inbox["pending"],
            oldest=_oldest(at(report.inbox_oldest), inbox),
            shunted=inbox["shunted"],
        )
    )
    held = (  # notices gathering more on purpose: when they fall due, not an age
        N_(", {count} held until {at}", count=out["held"], at=at(report.outbox_held_until))
        if out["held"]
        else ""
    )
    said.say(
        N_(
            "outbox: {pending} pending{oldest}{held}, {failed} failed",
            pending=out["pending"],
            oldest=_oldest(at(report.outbox_oldest), out),
            held=held,
            failed=out["failed"],
        )
    )
    chat = data["chat_outbox"]
    if chat["pending"] or chat["failed"]:
        posts = N_(
            "chat posts: {pending} pending, {failed} failed",
            pending=chat["pending"],
            failed=chat["failed"],
        )
        why = N_("last error: {error}", error=report.chat_error) if report.chat_error else ""
        print(f"{said(posts)}  {said(why)}".rstrip())
    runs = data["action_runs"]
    if any(runs.values()):
        said.say(
            N_(
                "catalog actions: {approval} awaiting approval, {pending} waiting, "
                "{running} running, {failed} failed ({command})",
                approval=runs["awaiting_approval"],
                pending=runs["pending"],
                running=runs["running"],
                failed=runs["failed"],
                command="ticket-gateway actions list",
            )
        )
    for job, ran in sorted(report.jobs.items()):
        said.say(N_("job {job}: last run {at}", job=job, at=at(ran)))


def _oldest(since: str, queue: dict[str, object]) -> Msg | str:
    """ ", oldest since … (…s)" for a queue of ``status --json`` with rows waiting;
    ``since``: when its oldest row came, as the reader reads times."""
    if not queue["oldest_pending_at"]:
        return ""
    return N_(
        ", oldest since {at} ({seconds}s)",
        at=since,
        seconds=queue["oldest_pending_age_seconds"],
    )


def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.notify.queue import reader_zone
    from gateway.notify.render import renderer
    from gateway.scheduling import digest, scheduler
    from store.db import transaction

    said = Speaker(settings)
    if args.member is not None and not _is_member(settings, args.member):
        # a typo must not look like a member without mail (nothing printed, exit 0)
        said.warn(N_("no member {name!r}", name=args.member))
        return EX_USAGE
    with opened(settings) as app:
        ctx, now = scheduler.context(app), app.clock.now()
        run = digest.current_run(ctx, now)
        if args.dry_run:  # rendered here, never queued: nothing is written
            with transaction(app.sessions) as s:
                mails = digest.build(s, ctx, now, run, args.member)
                shown = [  # as mailed: in each member's language and time zone
                    renderer(settings.gateway.templates_dir).render(
                        m.view, m.locale, reader_zone(settings, m.view.recipient.email)
                    )
                    for m in mails
                ]
            # printed after the transaction: a pager may hold the output for as long as its
            # reader likes, and the write lock (SQLite) or row locks must not wait with it
            for m, parts in zip(mails, shown, strict=True):
                who = m.view.recipient
                _print_mail(
                    f"{who.name} <{who.email}>" if who.name else who.email,
                    parts.subject,
                    parts.text,
                )
            said.say(
                NP_(
                    "{count} mail would be sent for {week}",
                    "{count} mails would be sent for {week}",
                    len(mails),
                    count=len(mails),
                    week=run.label,
                )
            )
            return EX_OK
        with transaction(app.sessions) as s:
            ids = digest.send_run(s, ctx, now, run, args.member)
    if ids is None:
        said.say(N_("the digest for {week} was sent already", week=run.label))
        return EX_OK
    said.say(
        NP_(
            "{count} mail queued for {week}",
            "{count} mails queued for {week}",
            len(ids),
            count=len(ids),
            week=run.label,
        )
    )
    return EX_OK


def _is_member(settings: Settings, email: str) -> bool:
    return settings.member(email) is not None  # in any spelling (ito@例え.jp)


def cmd_send(args: argparse.Namespace, settings: Settings) -> int:
    """The outbox's due mail, sent now: what the daemon's sender does every few seconds,
    for setups without the daemon (cron) and for a retry not to wait. 75 while some of
    it waits for a relay that is down: put back by this pass, or by an earlier one and
    not due yet (a second run within the backoff said "0 to retry later" and 0)."""
    from gateway.outbound.sender import Sender, team_of
    from store.db import transaction
    from store.outbox_delivery import waiting_for_retry

    with opened(settings) as app:
        report = Sender.configured(
            settings.outbound, app.clock, app.sessions, team_of(settings)
        ).drain()
        with transaction(app.sessions, read_only=True) as session:
            waiting = max(waiting_for_retry(session), len(report.retried))
    Speaker(settings).say(
        NP_(
            "{sent} mail sent, {retried} to retry later, {failed} failed for good",
            "{sent} mails sent, {retried} to retry later, {failed} failed for good",
            len(report.sent),
            sent=len(report.sent),
            retried=waiting,
            failed=len(report.failed),
        )
    )
    return EX_TEMPFAIL if waiting else EX_OK


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


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    stt = sub.add_parser(
        "status", help=h(N_("health: mailboxes, inbox, outbox, jobs; exit 1 when unhealthy"))
    )
    stt.add_argument("--json", action="store_true")
    # --json prints the report's shape even when there is no report (failed_json)
    stt.set_defaults(handler=cmd_status, json_on_failure=True)

    dg = sub.add_parser("digest", help=h(N_("send the weekly digest now, or print it (--dry-run)")))
    dg.add_argument("--dry-run", action="store_true", help=h(N_("print the mails, send nothing")))
    dg.add_argument("--member", metavar="EMAIL", help=h(N_("only this member's mails")))
    dg.set_defaults(handler=cmd_digest)
    sw = sub.add_parser("sweep", help=h(N_("run the reminder, SLA and auto-close sweeps now")))
    sw.add_argument("--dry-run", action="store_true", help=h(N_("print what would happen")))
    sw.set_defaults(handler=cmd_sweep)
    se = sub.add_parser(
        "send", help=h(N_("send the mail waiting in the outbox now (without the daemon: cron)"))
    )
    se.set_defaults(handler=cmd_send)
