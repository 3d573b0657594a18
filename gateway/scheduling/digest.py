"""The weekly digest (every member) and summary (managers), as queued mails.

Each member gets the tickets assigned to them that are not closed, oldest
first, with the marks that say what needs doing (SLA due soon or overdue,
stale) and, per ticket, the reply-token address to act on it by mail; each in
the member's own language. Managers also get the team's figures for the week.
The digest is claimed once per ISO week in ``job_runs`` (:func:`send_run`), so
however often the loop wakes, a week has one digest.
"""

from __future__ import annotations

import logging
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta, tzinfo
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from gateway.catalog import known
from gateway.config.settings import Member
from gateway.core import tokens, weeks
from gateway.core.counted import counted
from gateway.core.domains import ascii_address
from gateway.core.i18n import N_, translate
from gateway.core.spans import span
from gateway.notify import views
from gateway.notify.queue import queue_member_mail, team, ticket_ref
from gateway.pipeline.command_help import command_lines
from gateway.pipeline.commands import GRAMMAR, Role
from gateway.scheduling import rules, stale, workload
from gateway.scheduling.rules import DigestRun, Job, times_of
from gateway.scheduling.sweeps import JobContext
from store import inbox, jobs, reminders, stats
from store.installation import reply_keys
from store.models import Ticket

log = logging.getLogger(__name__)

OLDEST = 10  # tickets in the managers' "oldest" list
# Tickets each section of a member's digest lists (theirs; nobody's). A member back from
# leave or a team that let thousands pile up would get a mail of thousands of entries that
# nobody reads and a relay may refuse for its size. The sections come most urgent first,
# then oldest, so the ones past this can wait for the pages: the mail says how many more
# there are and links to the list of them all. 50 is a week's work for one person, and
# at four lines each a mail that still reads on a phone.
DIGEST_LISTED = 50
CANDIDATES = 10  # fallback-report terms in the managers' summary
MANUAL = "manual-"  # the period key of a digest asked for by hand while digests are off


# what every ticket of the mails is read with: the reply keys, and the ids of the tickets
# whose pending reminder never reached the requester (gateway.scheduling.stale.unreached)
Read = tuple[tokens.ReplyKeys, frozenset[int]]


@dataclass(frozen=True, slots=True)
class Mail:
    """One digest mail before it is queued (or printed by ``digest --dry-run``)."""

    view: views.WeeklyDigest | views.WeeklySummary
    locale: str
    key: str


def manual_run(now: datetime, tz: tzinfo) -> DigestRun:
    """The period of a digest asked for by hand while scheduled digests are off: the
    seven local days up to ``now``, today included (at most one a day: the period is
    the key that stops a second one), named by the same week rule as a scheduled one."""
    last = now.astimezone(tz).date()
    first = last - rules.WEEK + timedelta(days=1)
    return DigestRun(
        at=now,
        period=f"{MANUAL}{last.isoformat()}",
        since=datetime.combine(first, time(0, 0), tzinfo=tz),
        until=now,
        week=weeks.span_week(first, last),
        label=weeks.span_label(first, last),
        days=weeks.span_days(first, last),
    )


def current_run(ctx: JobContext, now: datetime) -> DigestRun:
    scheduled = rules.previous_digest(now, ctx.settings.schedule.digest, ctx.tz)
    return scheduled or manual_run(now, ctx.tz)


def build(
    session: Session, ctx: JobContext, now: datetime, run: DigestRun, only: str | None = None
) -> list[Mail]:
    """Every digest and summary due for ``run``; ``only`` restricts to one member."""
    open_ = reminders.open_tickets(session)
    # the tickets the stale reminder lists as stale although their entry has no
    # stale_after: found once for all (gateway.scheduling.stale)
    gone = stale.unreached(session, open_)
    keys = reply_keys(session, ctx.settings.gateway.reply_key())
    mails: list[Mail] = []
    for member in ctx.settings.members:
        if only is not None and member.email != ascii_address(only.strip()):
            continue
        locale = ctx.settings.locale_of(member)
        digest = _digest(ctx, member, open_, now, run, (keys, gone))
        if digest is not None:
            mails.append(Mail(digest, locale, f"digest:{run.period}:{member.email}"))
        if member.role == "manager":
            summary = _summary(session, ctx, member, locale, open_, now, run, (keys, gone))
            if not nothing_to_report(summary):
                mails.append(Mail(summary, locale, f"summary:{run.period}:{member.email}"))
    return mails


def nothing_to_report(summary: views.WeeklySummary) -> bool:
    """A week in which nothing was opened or closed, with nothing open and nothing
    shunted: a page of zeros (a fresh site's first start, a dormant team) teaches
    managers to ignore the mail that matters. RT's dashboard mails offer "suppress if
    empty" for this; whether the gateway is alive is ``status``'s and the alerts' job,
    not a mail's that may or may not come. A week with open tickets is always sent:
    work left lying is what the summary is for."""
    return not (
        summary.opened
        or summary.closed
        or summary.by_state
        or summary.shunted
        or summary.force_closed
    )


def queue(
    session: Session, ctx: JobContext, mails: Sequence[Mail], now: datetime, key_prefix: str = ""
) -> list[int]:
    """Queue ``mails``; the outbox keys make a second queueing of a week a no-op."""
    ids = [
        queue_member_mail(
            session, ctx.settings, m.view, key=key_prefix + m.key, now=now, locale=m.locale
        )
        for m in mails
    ]
    return [i for i in ids if i is not None]


def send_run(
    session: Session, ctx: JobContext, now: datetime, run: DigestRun, only: str | None = None
) -> list[int] | None:
    """Queue the digest of ``run``; None when that period was sent already.

    The period is claimed in ``job_runs`` first, so however often this is
    called (the scheduler's loop, ``ticket-gateway digest``), a period has one
    digest. ``only`` (one member, by hand) claims nothing: it is a resend, under keys
    of its own (the week's keys would find the mail sent already and queue nothing), so
    each resend is one more mail and the week's own mail still goes out if it had not.
    """
    if only is None and not jobs.claim(session, Job.DIGEST, run.period, now):
        return None
    prefix = f"resend:{now.isoformat()}:" if only is not None else ""
    return queue(session, ctx, build(session, ctx, now, run, only), now, prefix)


def send_due(session: Session, ctx: JobContext, now: datetime) -> list[int]:
    """The scheduled digest, if its time has come and nobody sent it yet
    (:func:`gateway.scheduling.rules.digest_due`, from the last one sent).

    Only the latest scheduled week is considered, so after downtime the missed
    digest goes out once at start, not once per missed week."""
    last = jobs.last_ran(session, Job.DIGEST, besides=MANUAL)
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=UTC)  # SQLite gives back the UTC it stored, naive
    run = rules.digest_due(now, ctx.settings.schedule.digest, ctx.tz, _Claimed(session), last)
    if run is None:
        return []
    ids = send_run(session, ctx, now, run)
    if ids is None:  # claimed already: sent by an earlier pass or by hand
        return []
    log.info("digest %s: %s queued", run.label, counted(len(ids), "mail"))
    return ids


class _Claimed:
    """The digest periods claimed in ``job_runs``, asked one at a time."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def __contains__(self, period: object) -> bool:
        return isinstance(period, str) and jobs.claimed(self.session, Job.DIGEST, period)


def _ref(
    ctx: JobContext,
    ticket: Ticket,
    now: datetime,
    member: str,
    read: Read,
    names: Mapping[str, str],
) -> views.TicketRef:
    """A ticket with its marks and the member's own address for acting on it; stale as
    the stale reminder says (:func:`gateway.scheduling.stale.stale_times`). Its assignee
    as ``names`` (:func:`_names`, in the reader's language) shows them: one who left is
    marked "(not in the team)", as the summary's rows count their tickets as nobody's."""
    keys, gone = read
    t = times_of(ticket, ctx.rules(ticket), ctx.settings.calendars)
    sla, deadline = rules.sla_state(t, now, ctx.settings.schedule)
    shown = sla if sla in (rules.SlaState.DUE_SOON, rules.SlaState.OVERDUE) else ""
    return replace(
        ticket_ref(ticket, ctx.settings, now, ctx.catalog),
        assignee=names.get(ticket.assignee or "", ""),
        catalog=_entry_name(ctx, ticket, ctx.locale_of(member)),
        sla=str(shown),
        due=ctx.local(deadline.at) if deadline is not None and shown else "",
        stale=stale.is_stale(t, now, gone, ctx.settings.schedule),
        reply_to=tokens.reply_address(ctx.settings.gateway.address, keys, ticket.id, member),
    )


def _digest(
    ctx: JobContext,
    member: Member,
    open_: Sequence[Ticket],
    now: datetime,
    run: DigestRun,
    read: Read,
) -> views.WeeklyDigest | None:
    mine = [t for t in open_ if (t.assignee or "").lower() == member.email]
    # nobody has them: no assignee, or one taken out of [[members]] since
    nobody = [t for t in open_ if not ctx.settings.on_team(t.assignee)]
    if not mine and not nobody:
        return None
    listed = DIGEST_LISTED
    shown = [*mine[:listed], *nobody[:listed]]
    names = _names(ctx, ctx.locale_of(member.email), [t.assignee or "" for t in shown])
    return views.WeeklyDigest(
        team(ctx.settings),
        views.Person(member.email, member.name),
        run.label,
        tuple(_ref(ctx, t, now, member.email, read, names) for t in mine[:listed]),
        tuple(_ref(ctx, t, now, member.email, read, names) for t in nobody[:listed]),
        commands=member_commands(member, ctx.locale_of(member.email)),
        days=run.days,
        more_assigned=max(len(mine) - listed, 0),
        more_unassigned=max(len(nobody) - listed, 0),
        assigned_link=_page(ctx, _mine(member.email)) if len(mine) > listed else "",
        unassigned_link=_page(ctx, _nobodys()) if len(nobody) > listed else "",
    )


def _mine(email: str) -> str:
    """The pages' list of ``email``'s tickets that are not closed: every one of the
    digest's first section, paged."""
    return f"/tickets?{urlencode({'state': 'active', 'assignee': email})}"


def _nobodys() -> str:
    """The pages' list of the tickets nobody has that are not closed: every one of the
    digest's second section, a leaver's too (the list's "nobody", ``-``, is the digest's:
    :mod:`store.holders`)."""
    return "/tickets?state=active&assignee=-"


def _page(ctx: JobContext, path: str) -> str:
    """``path`` on the pages; "" when the pages are off or at an address only this machine
    can open (a link to nothing helps nobody)."""
    web = ctx.settings.web
    return f"{web.base_url}{path}" if web.mail_links else ""


def member_commands(member: Member, locale: str) -> str:
    """The grammar's lines for the commands ``member``'s role may give, in ``locale``."""
    role = Role.MANAGER if member.role == "manager" else Role.MEMBER
    return command_lines(locale, [word for word, spec in GRAMMAR.items() if role in spec.roles])


def _summary(
    session: Session,
    ctx: JobContext,
    member: Member,
    locale: str,
    open_: Sequence[Ticket],
    now: datetime,
    run: DigestRun,
    read: Read,
) -> views.WeeklySummary:
    by_state = Counter(t.state for t in open_)
    # the board's window: words of fallback tickets split into entries long ago are no
    # candidates now, and the summary suggests what the "other" panel shows
    since = now - timedelta(days=stats.FALLBACK_DAYS)
    # a word an entry has is no candidate now, and takes no candidate's place
    report = stats.fallback_report(
        session,
        ctx.catalog.fallback.id,
        CANDIDATES,
        since=since,
        keyword_of=known.finder(ctx.catalog),
    )
    sla = workload.sla_counts(open_, ctx.catalog, ctx.settings, now, read[1])
    forced = reminders.force_closes(session, run.since, run.until)
    # who has each ticket as the digests count it: one who left has none (nobody, "")
    held = [t.assignee if ctx.settings.on_team(t.assignee) else "" for t in open_]
    # the oldest list's assignees too, a leaver's address with the rows' mark
    oldest = _oldest(open_)
    named = _names(
        ctx,
        locale,
        [who or "" for who in held],
        forced,
        sla.by_assignee,
        [t.assignee or "" for t in oldest],
    )
    # the median, not the mean: one ticket left a month would pull a mean far from what
    # most requesters waited; wall time, as the board's median
    took = stats.resolve_seconds(session, run.since, run.until)
    # one row per entry, two of one name each with its id (the SLA rows were keyed by it)
    entries = ctx.catalog.row_names({t.catalog or "" for t in open_} | set(sla.by_entry), locale)
    return views.WeeklySummary(
        team=team(ctx.settings),
        recipient=views.Person(member.email, member.name),
        period=run.label,
        days=run.days,
        opened=reminders.opened_between(session, run.since, run.until),
        closed=reminders.closed_between(session, run.since, run.until),
        by_state=tuple(
            views.StateCount(s, by_state[s]) for s in ("new", "open", "pending") if by_state[s]
        ),
        oldest=tuple(_ref(ctx, t, now, member.email, read, named) for t in oldest),
        shunted=inbox.counts_by_state(session).get("shunted", 0),
        by_entry=_counted(Counter(entries[t.catalog or ""] for t in open_)),
        by_assignee=_counted(Counter(named[who or ""] for who in held)),
        force_closed=_counted(Counter({named[who]: n for who, n in forced.items()})),
        candidates=tuple(
            views.NamedCount(t["term"], t["tickets"])
            for t in report["terms"]
            if not t["keyword_of"]
        ),
        candidates_days=stats.FALLBACK_DAYS,
        outside_catalog=workload.outside_catalog(session, ctx.catalog).message(),
        sla_by_assignee=_sla({named[who]: n for who, n in sla.by_assignee.items()}),
        sla_by_entry=_sla({entries[e or ""]: n for e, n in sla.by_entry.items()}),
        resolved=len(took),
        median_resolve=span(statistics.median(took)) if took else None,
    )


def _oldest(open_: Sequence[Ticket]) -> list[Ticket]:
    """The :data:`OLDEST` open tickets by age alone: ``open_`` comes urgent first (the
    digest's working order), and a list headed "oldest" that took that order would show
    this morning's urgent tickets and hide the one left lying for a month."""
    return sorted(open_, key=lambda t: (t.created_at, t.id))[:OLDEST]


def _sla(counts: dict[str, Counter[str]]) -> tuple[views.SlaCount, ...]:
    """Most overdue first: where the breaches pile up."""
    rows = [views.SlaCount(name, n["overdue"], n["due_soon"]) for name, n in counts.items()]
    return tuple(sorted(rows, key=lambda c: (-c.overdue, -c.due_soon, c.name)))


def _counted(counts: Counter[str]) -> tuple[views.NamedCount, ...]:
    return tuple(
        views.NamedCount(name, n)
        for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    )


def _name(ctx: JobContext, email: str) -> str:
    return ctx.person(email).display if email else ""


def _names(ctx: JobContext, locale: str, *emails: Iterable[str]) -> dict[str, str]:
    """Each address's row name in the per-member sections: the member's name, followed
    by the address where two share it (two Satos), so each keeps their own row and
    counts, as on the board; one who left the team (no longer in ``[[members]]``, still
    the assignee of open tickets) by address, marked so as the board marks them; ""
    (nobody) stays "" (the sections' "nobody")."""
    every = set(ctx.settings.team).union(*emails)
    left = translate(N_("(not in the team)"), locale)
    shown = {
        email: f"{_name(ctx, email)} {left}"
        if email and not ctx.settings.on_team(email)
        else _name(ctx, email)
        for email in every
    }
    twice = {name for name, n in Counter(shown.values()).items() if n > 1 and name}
    return {
        email: f"{name} ({ctx.person(email).readable})" if name in twice else name
        for email, name in shown.items()
    }


def _entry_name(ctx: JobContext, ticket: Ticket, locale: str) -> str:
    return ctx.catalog.shown_name(ticket.catalog or "", locale)
