"""Tell the managers when the gateway stalls, once, and once more when it recovers.

A stall nobody hears about is the failure operators of other helpdesks' mail
fetching complain about most: a mailbox whose password changed, an expired
OAuth token, shunted rows piling up. The scheduler calls :func:`send_due` on
every pass; it judges health like ``ticket-gateway status`` does
(:mod:`gateway.scheduling.health`) and mails the managers only when a problem *starts* or
*ends*, never per retry. The state lives in ``job_runs``: raising the n-th
alert for a problem claims ``(health-alert, "<problem>#n")`` and its recovery
``(health-recover, "<problem>#n")``, so a restart remembers what was already
said, and of several instances on one database exactly one says it. The
problem is kept there as its English text and as its msgid and parameters, so
the all-clear (perhaps days later, after a restart) is said in each manager's
language too.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from gateway.config.settings import Settings
from gateway.core import i18n, zone
from gateway.core.i18n import Msg
from gateway.notify import views
from gateway.notify.queue import queue_member_mail, team
from gateway.scheduling import health, unread
from store import health as queries
from store import jobs

log = logging.getLogger("gateway.alerts")

ALERT, RECOVER = "health-alert", "health-recover"
MAILBOX = "mailbox:"
INBOX = "inbox"  # mail accepted and not processed: the sender can still tell the managers
# a stuck outbox cannot carry its own alert
ALERTABLE = (MAILBOX, health.LEFT, "shunted", INBOX)
# what a starting daemon has not had the time to judge: a mailbox not polled yet, mail
# not processed yet, messages left in a folder by the run before (the first pass tries
# them once more, and the server may take them now)
SETTLING = (MAILBOX, health.LEFT, INBOX)


def send_due(
    session: Session, settings: Settings, now: datetime, started_at: datetime | None = None
) -> list[int]:
    """Raise and clear alerts as health says; the outbox ids of the mails queued.

    ``started_at``: when this daemon started. Until ``max_poll_age`` has passed
    since, mailboxes, the messages left in their folders and the inbox backlog are not
    judged (the first passes may not have run yet), neither to raise an alert nor to
    call an open one recovered."""
    if not settings.health.alerts:
        return []
    names = health.accounts(settings)
    # the mailboxes and the inbox only: nothing else is ALERTABLE, and this runs each pass
    snap = queries.snapshot(session, [a.source for a in settings.imap], now, lean=True)
    report = health.assess(snap, names, settings.health, now, unread.limits(settings))
    settling = started_at is not None and now - started_at < settings.health.max_poll_age

    def judged(key: str) -> bool:
        # a restart after an outage finds old rows it has not processed yet: give it time
        return not (settling and key.startswith(SETTLING))

    current = {
        p.key: p.message for p in report.problems if p.key.startswith(ALERTABLE) and judged(p.key)
    }
    raised, cleared = _last(session, ALERT), _last(session, RECOVER)
    ids: list[int] = []
    for key, problem in current.items():
        n = raised.get(key, (0, ""))[0]
        if n <= cleared.get(key, (0, ""))[0]:  # not open yet
            ids += _announce(session, settings, now, ALERT, f"{key}#{n + 1}", problem, now)
    for key, (n, was) in raised.items():
        if n > cleared.get(key, (0, ""))[0] and key not in current and judged(key):
            since = _raised_at(session, f"{key}#{n}") or now
            ids += _announce(session, settings, now, RECOVER, f"{key}#{n}", was, since)
    return ids


def _announce(
    session: Session,
    settings: Settings,
    now: datetime,
    job: str,
    period: str,
    problem: Msg | str,
    since: datetime,
) -> list[int]:
    """Claim the event (another instance may have) and queue one mail per manager."""
    if not jobs.claim(session, job, period, now, detail=_kept(problem)):
        return []
    text = str(problem)
    recovered = job == RECOVER
    if recovered:
        log.info("health recovered: %s", text)
    else:
        log.error("health alert: %s", text)
    managers = [m for m in settings.members if m.role == "manager"]
    if not managers:
        log.warning('health %s not mailed: no member has role = "manager"', job)
    local = zone.local_time(since, settings.gateway.timezone)
    said = health.in_zone(problem, settings.gateway.timezone)  # the job row keeps UTC
    ids = []
    for m in managers:
        view = views.HealthAlert(
            team(settings), views.Person(m.email, m.name), said, recovered, local
        )
        outbox_id = queue_member_mail(
            session,
            settings,
            view,
            key=f"{job}:{period}:{m.email}",
            now=now,
            locale=settings.locale_of(m),
        )
        if outbox_id is not None:
            ids.append(outbox_id)
    return ids


def _kept(problem: Msg | str) -> dict[str, Any]:
    """The job row's detail: the English text, and what it takes to say it again."""
    if isinstance(problem, str):
        return {"problem": problem}
    return {"problem": str(problem), "said": i18n.dump(problem)}


def _said(detail: Mapping[str, Any], key: str) -> Msg | str:
    """The problem of a job row: a Msg again, or the English text of an older row."""
    return i18n.kept(detail.get("said"), str(detail.get("problem", key)))


def _last(session: Session, job: str) -> dict[str, tuple[int, Msg | str]]:
    """Per problem key, the highest event number of ``job`` and its problem."""
    last: dict[str, tuple[int, Msg | str]] = {}
    for run in jobs.runs(session, job):
        key, _, number = run.period.rpartition("#")
        if number.isdigit() and int(number) > last.get(key, (0, ""))[0]:
            last[key] = (int(number), _said(run.detail, key))
    return last


def _raised_at(session: Session, period: str) -> datetime | None:
    return next((r.ran_at for r in jobs.runs(session, ALERT) if r.period == period), None)
