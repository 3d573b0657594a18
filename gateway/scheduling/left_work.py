"""The open tickets of someone who left the team, told to the managers who answer for
them now, once.

A member taken out of ``[[members]]`` keeps the assignee column of their open tickets
(the history says who had them); from that start on the entry's manager, else the
fallback's, answers for them (:func:`gateway.scheduling.context.responsible`). As in
Zammad and RT, where a disabled agent's tickets stay where they were, nothing would tell
the manager so until a requester writes, a ticket goes stale or a deadline passes, or
the weekly digest comes (and never, under an entry with neither and the digest off).
So the first pass that finds a leaver's open tickets mails each manager the ones they
now answer for, each with the manager's own reply address (``/assign`` there hands it
on), and claims the leaver's address in ``job_runs``: told once, whatever the passes,
until a start finds the address on the team again (then leaving again is told again).

Only a pass whose team is the configuration file's runs this: the daemon's first pass
after its start, and ``sweep``, which reads the file each time. A daemon's later passes
could take a newcomer the command line gave a ticket to (the file edited, the daemon
not restarted yet) for a leaver, and tell a false story that no claim would take back.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import datetime

from sqlalchemy.orm import Session

from gateway.notify import views
from gateway.notify.queue import queue_member_mail, team
from gateway.scheduling import told
from gateway.scheduling.context import JobContext, SweepReport, responsible
from gateway.scheduling.rules import Job
from store import jobs, reminders
from store.models import Ticket

# Tickets one mail lists; a leaver with hundreds is handed on from the list the mail
# names (``tickets list --assignee``), not from a mail nobody reads to its end.
LISTED = 100


def tell(session: Session, ctx: JobContext, now: datetime, report: SweepReport) -> None:
    """Mail each manager the open tickets of those who left the team, not told yet."""
    if not ctx.settings.members:  # no team configured: anyone may hold a ticket
        return
    # one back on the team (a leave over, a contractor again) was told of as a leaver
    # once: leaving again, they are told again
    jobs.release(session, Job.LEFT, {m.email.lower() for m in ctx.settings.members})
    held: dict[str, list[Ticket]] = defaultdict(list)
    for ticket in reminders.open_tickets(session):
        if ticket.assignee and not ctx.settings.on_team(ticket.assignee):
            held[ticket.assignee.lower()].append(ticket)
    to: dict[str, list[Ticket]] = defaultdict(list)
    for leaver, tickets in sorted(held.items()):
        if not jobs.claim(session, Job.LEFT, leaver, now):
            continue  # told before
        for ticket in tickets:
            report.did(Job.LEFT, ticket.id)
            who = responsible(ctx, ticket)
            if who is not None:
                to[who].append(ticket)
    for manager, tickets in sorted(to.items()):
        listed = tickets[:LISTED]
        view = views.LeftWork(
            team(ctx.settings),
            ctx.person(manager),
            tuple(told.ref(session, ctx, t, manager, now) for t in listed),
            tuple(sorted({(t.assignee or "").lower() for t in tickets})),
            len(tickets) - len(listed),
        )
        # the pass's time too: the same tickets left a second time are a second mail (a
        # digest of it all: a long address does not make the key too long for its column)
        ids = ",".join(str(t.id) for t in tickets)
        key = "left:" + hashlib.sha256(f"{manager}\n{now.isoformat()}\n{ids}".encode()).hexdigest()
        report.queued(
            queue_member_mail(
                session,
                ctx.settings,
                view,
                key=key,
                now=now,
                locale=ctx.locale_of(manager),
            )
        )
