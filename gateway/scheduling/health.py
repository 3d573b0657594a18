"""Is the gateway healthy? One judgement for ``ticket-gateway status`` and the alerts.

Silent stalls are what operators of mail-fetching helpdesks complain about most:
a mailbox whose login started failing, a token that expired, mail that the
runner shunted and nobody looked at, mail accepted but never processed (a wedged
processing process, a drainer that keeps failing). So health is judged from what
the database says happened (the last *successful* poll, the shunted rows, the age
of the oldest unprocessed and of the oldest unsent mail), never from whether a
thread merely exists. The
judgement is a pure function of a :class:`store.health.Snapshot` and ``now``,
tested without a daemon; what it gives, the report, is
:mod:`gateway.scheduling.health_report`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from gateway.config.settings import HealthSettings, Settings
from gateway.core import zone
from gateway.core.errors import CatalogError
from gateway.core.i18n import N_, NP_, Msg
from gateway.core.spans import as_set
from gateway.scheduling import unread

# the report's types, said here too: callers name them health.HealthReport and so on
from gateway.scheduling.health_report import HealthProblem as HealthProblem
from gateway.scheduling.health_report import HealthReport as HealthReport
from gateway.scheduling.health_report import Mailbox as Mailbox
from gateway.scheduling.health_report import iso
from gateway.scheduling.member_bounces import bounced_members
from store import health as queries
from store.db import transaction

# A queue whose oldest row waits longer than its health limit: what status says.
BACKLOGS: dict[str, Msg] = {
    "inbox": N_(  # mail accepted, not processed yet (pending, or deferred after a failure)
        "the oldest unprocessed mail arrived at {since}, longer ago than "
        "health.max_inbox_age = {limit} ({command})"
    ),
    "outbox": N_(  # mail to send
        "the oldest unsent mail waits since {since}, longer than health.max_outbox_age = {limit}"
    ),
    "chat_outbox": N_(  # posts to chat
        "the oldest unsent chat post waits since {since}, longer than "
        "health.max_outbox_age = {limit}"
    ),
}

# The parameters of a problem that hold a time. They keep it as ISO 8601 in UTC: that is
# what ``status --json``, the log and an alert's job row keep (data, for scripts and for
# saying it again later); :func:`in_zone` turns them into the team's time for a person.
TIME_PARAMS = frozenset({"since", "at"})


def in_zone(message: Msg | str, timezone: str) -> Msg | str:
    """``message`` with its times (:data:`TIME_PARAMS`) in ``timezone`` and with the
    zone's name (``2026-03-02 10:00 JST``), as every other line a member reads says a
    time: a bare UTC instant in a Japanese line is easily taken for local. A plain
    string (an older alert row's text) is said as it is."""
    if isinstance(message, str) or not TIME_PARAMS & message.params.keys():
        return message
    params = {
        k: zone.local_time(v, timezone) or v if k in TIME_PARAMS and isinstance(v, str) else v
        for k, v in message.params.items()
    }
    return replace(message, params=params)


LEFT = "left:"  # the key of a mailbox's messages left in its folder, before the account

# the command that lists an inbox backlog, named in its problem (not translated)
_PENDING_MAIL = {"command": "ticket-gateway inbox list --state pending"}


def accounts(settings: Settings) -> tuple[str, ...]:
    return tuple(a.key for a in settings.imap)


def check(
    settings: Settings,
    sessions: sessionmaker[Session],
    now: datetime,
    daemon: Daemon | None = None,
) -> HealthReport:
    """``daemon``: whether this machine's daemon runs, as its caller found out (only a
    process outside the daemon asks: inside it, the answer is always yes)."""
    with transaction(sessions, read_only=True) as s:  # no write lock: a monitor calls it
        snap = queries.snapshot(
            s, [a.source for a in settings.imap], now, settings.health.max_failed_in_a_row
        )
        bounced = tuple(b.message() for b in bounced_members(s, settings.members, now))
    report = assess(snap, accounts(settings), settings.health, now, unread.limits(settings))
    report = replace(report, bounced_members=bounced)
    found = config_problems(settings)
    if daemon is not None and settings.health.daemon and not daemon.running:
        found += (daemon_problem(daemon),)
    report = replace(report, daemon=daemon.running if daemon is not None else None)
    return replace(report, problems=found + report.problems) if found else report


@dataclass(frozen=True, slots=True)
class Daemon:
    """Whether ``ticket-gateway run`` runs here: it holds ``lock`` for its lifetime."""

    running: bool
    lock: str  # the lock file's path


def daemon_problem(daemon: Daemon) -> HealthProblem:
    """A stopped daemon receives nothing by SMTP/LMTP, polls no mailbox, processes,
    sends and reminds nothing. Judged from its lock, not from what it leaves in the
    database: a site without IMAP has no poll that would go stale, and a quiet week
    has no mail that would wait."""
    return HealthProblem(
        "daemon",
        N_(
            "the daemon is not running: no process holds {lock} (start it: {command}; a "
            "site fed only by `ingest` from the MTA, with cron, sets health.daemon = false)",
            lock=daemon.lock,
            command="systemctl start ticket-gateway",
        ),
    )


def config_problems(settings: Settings) -> tuple[HealthProblem, ...]:
    """What the configuration says is broken though the settings loaded: a reply-token
    key that cannot be read stops the daemon's next start and every mail with a reply
    address, while a daemon started before keeps running. Said as the CLI says any
    configuration error, naming the key and the file."""
    exc = settings.gateway.secret_problem
    if exc is None:
        return ()
    said = N_(
        "configuration error: {path}: [{key}] {problem}",
        path=exc.path,
        key=exc.key,
        problem=exc.message,
    )
    return (HealthProblem("secret", said),)


def catalog_problems(exc: CatalogError) -> tuple[HealthProblem, ...]:
    """A catalog that does not load, one problem per line (a running daemon keeps the one
    it had; its next start fails, as does every command that files mail), said as the CLI
    says them, then its hint (``catalog:example``: the packaged example, to replace)."""
    found = [
        HealthProblem(
            f"catalog:{n}",
            N_(
                "the catalog has a problem: {path}:{line}: {problem}",
                path=exc.path,
                line=str(p.line),
                problem=p.message,
            ),
        )
        for n, p in enumerate(exc.problems, 1)
    ]
    hint = [HealthProblem("catalog:example", exc.hint)] if exc.hint is not None else []
    return (*found, *hint)


def assess(
    snap: queries.Snapshot,
    names: tuple[str, ...],
    limits: HealthSettings,
    now: datetime,
    stepped_over: tuple[timedelta, ...] = (),
) -> HealthReport:
    """``stepped_over``: each mailbox's ``max_stepped_over_age`` (a day where missing)."""
    ages = stepped_over + (unread.GRACE,) * (len(names) - len(stepped_over))
    mailboxes = tuple(
        Mailbox(
            n, s.last_success_at, s.last_error, s.left, s.kept, s.stepped_over, age, s.copied_back
        )
        for n, s, age in zip(names, snap.sources, ages, strict=True)
    )
    problems = [p for m in mailboxes if (p := _mailbox_problem(m, limits.max_poll_age, now))]
    # a message the server will not let the poller move or flag stays in the folder for
    # good: it is read on past, but a person must move it or fix the server (the
    # poller says which, what the server answered and what to do: receive.imap.left)
    problems += [HealthProblem(f"{LEFT}{m.account}", m.left) for m in mailboxes if m.left]
    late = (
        (m.account, unread.late(m.account, m.stepped_over, now, m.stepped_over_limit))
        for m in mailboxes
    )
    problems += [HealthProblem(f"{unread.KEY}{name}", said) for name, said in late if said]
    shunted = snap.inbox.get("shunted", 0)
    if shunted > limits.max_shunted:
        problems.append(
            HealthProblem(
                "shunted",
                NP_(
                    "{count} shunted inbox row, more than health.max_shunted = {limit} ({command})",
                    "{count} shunted inbox rows, more than health.max_shunted = {limit} "
                    "({command})",
                    shunted,
                    count=shunted,
                    limit=limits.max_shunted,
                    command="ticket-gateway inbox list --state shunted",
                ),
            )
        )
    # the queue, since when its oldest row waits, its limit, and what the message names
    backlogs: tuple[tuple[str, datetime | None, timedelta, dict[str, str]], ...] = (
        ("inbox", snap.inbox_oldest, limits.max_inbox_age, _PENDING_MAIL),
        ("outbox", snap.outbox_oldest, limits.max_outbox_age, {}),
        ("chat_outbox", snap.chat_oldest, limits.max_outbox_age, {}),
    )
    for key, oldest, limit, extra in backlogs:
        if oldest is not None and now - oldest > limit:
            params = {"since": iso(oldest), "limit": as_set(limit), **extra}
            problems.append(HealthProblem(key, replace(BACKLOGS[key], params=params)))
    refused = _relay_refuses(snap.finished, limits.max_failed_in_a_row, now)
    if refused is not None:
        problems.append(refused)
    return HealthReport(
        now,
        mailboxes,
        dict(snap.inbox),
        snap.outbox_pending,
        snap.outbox_oldest,
        snap.outbox_failed,
        dict(snap.jobs),
        tuple(problems),
        chat=dict(snap.chat),
        chat_oldest=snap.chat_oldest,
        actions=dict(snap.actions),
        inbox_oldest=snap.inbox_oldest,
        outbox_held=snap.outbox_held,
        outbox_held_until=snap.outbox_held_until,
        failed_recent=snap.failed_recent,
        recent_failures=snap.recent_failures,
        chat_error=snap.chat_error,
    )


def _mailbox_problem(m: Mailbox, limit: timedelta, now: datetime) -> HealthProblem | None:
    key = f"mailbox:{m.account}"
    why = N_(" (last error: {error})", error=m.last_error) if m.last_error else ""
    if m.last_success_at is None:
        return HealthProblem(
            key,
            N_("mailbox {account} was never polled successfully{why}", account=m.account, why=why),
        )
    if now - m.last_success_at > limit:
        return HealthProblem(
            key,
            N_(
                "mailbox {account} last polled successfully at {at}, longer ago than "
                "health.max_poll_age = {limit}{why}",
                account=m.account,
                at=iso(m.last_success_at),
                limit=as_set(limit),
                why=why,
            ),
        )
    return None


def _relay_refuses(
    finished: Sequence[queries.Finished], limit: int, now: datetime
) -> HealthProblem | None:
    """The last ``limit`` mails that left the outbox all failed for good, the newest
    within a day: not one customer's mistyped address (a warning, see ``status``) but
    the relay refusing us, and no customer hears anything. A mail delivered since, or a
    quiet day, ends it."""
    if limit <= 0 or len(finished) < limit or any(f.failed_at is None for f in finished):
        return None
    newest = finished[0]
    if newest.failed_at is None or now - newest.failed_at > queries.RECENT:
        return None
    return HealthProblem(
        "outbox_refused",
        N_(
            "the last {count} outgoing mails all failed for good, the newest at {at}: "
            "{error}; the relay refuses our mail (check [outbound] and the relay's log; "
            "health.max_failed_in_a_row = {count})",
            count=limit,
            at=iso(newest.failed_at) or "",
            error=newest.error,
        ),
    )
