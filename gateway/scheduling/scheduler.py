"""The scheduler's loop: a pass of every job, then sleep until the next is due.

Thin on purpose: :mod:`gateway.scheduling.rules` decides,
:mod:`gateway.scheduling.sweeps` and :mod:`gateway.scheduling.digest` act;
this module only turns the clock into passes. The first pass runs at start,
which is how a digest missed while the daemon was down is sent (once).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from gateway.catalog.load import CatalogHolder
from gateway.config.settings import Settings
from gateway.core.backoff import Backoff
from gateway.core.clock import Clock
from gateway.core.errors import TransientError
from gateway.scheduling import alerts, digest, left_work, retention, rules, sent_bytes
from gateway.scheduling.sweeps import JobContext, SweepReport, run_sweeps
from store.db import transaction

log = logging.getLogger(__name__)

MAX_BACKOFF = 300.0
# How much later than its wait a pass may come before the loop takes it that the host
# slept (a suspend, a paused VM) or its clock was set forward: a busy machine is late
# by seconds, not by this.
WOKE_AFTER = timedelta(minutes=1)


class Services(Protocol):
    """What a pass needs from the composition root (``gateway.runtime.app.App`` has it)."""

    @property
    def settings(self) -> Settings: ...
    @property
    def sessions(self) -> sessionmaker[Session]: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def catalog(self) -> CatalogHolder: ...


def context(app: Services) -> JobContext:
    return JobContext(app.settings, app.catalog.current)


@dataclass
class Start:
    """What a daemon's start still owes its first pass: the open tickets of those who
    left the team (:mod:`gateway.scheduling.left_work`), told with the team the daemon
    started with. Spent once that transaction committed, whatever fails after it in the
    pass: a later pass's team may be older than the file's."""

    leavers_owed: bool = True


def tick(
    app: Services,
    started_at: datetime | None = None,
    *,
    first: bool = False,
    start: Start | None = None,
) -> SweepReport:
    """One pass at the app's ``now``: sweeps, the digest if it is due, health alerts,
    the bytes of mail sent more than ``[outbound] keep_sent`` ago dropped, and tickets
    closed more than ``[retention] closed_tickets`` ago erased.

    Separate transactions, so a sweep that fails does not hold back the digest,
    nor either of them an alert. ``started_at``: when the daemon started or woke (see
    :func:`gateway.scheduling.alerts.send_due` and
    :func:`gateway.scheduling.sweeps.unread_mail`). ``first``: the daemon's first pass
    since its start, the one whose team is surely the configuration file's: the open
    tickets of someone who left it are told then (:mod:`gateway.scheduling.left_work`);
    ``start``: the loop's, which says whether they still are (and is spent by the pass
    that tells them)."""
    now, ctx = app.clock.now(), context(app)
    with transaction(app.sessions) as s:
        report = run_sweeps(s, ctx, now, started=started_at)
    if start.leavers_owed if start is not None else first:
        with transaction(app.sessions) as s:
            left_work.tell(s, ctx, now, report)
        if start is not None:  # committed: a failure later in this pass does not undo it
            start.leavers_owed = False
    with transaction(app.sessions) as s:
        sent = digest.send_due(s, ctx, now)
    if sent:
        report.done[rules.Job.DIGEST] += 1
        report.outbox.extend(sent)
    with transaction(app.sessions) as s:
        alerted = alerts.send_due(s, app.settings, now, started_at)
    if alerted:
        report.done[alerts.ALERT] += 1
        report.outbox.extend(alerted)
    sent_bytes.drop_old(app.sessions, app.settings.outbound, now)  # its own transactions
    retention.drop_closed(app.sessions, app.settings, now)  # its own transactions too
    return report


def seconds_to_next_pass(app: Services, now: datetime) -> float:
    sched = app.settings.schedule
    tz = context(app).tz
    return rules.wait_seconds(now, sched.sweep_interval, rules.next_digest(now, sched.digest, tz))


def slept(last: datetime, now: datetime, waited: float) -> bool:
    """Whether the clock moved on much further than the loop waited since its last pass
    ended at ``last``. The pollers did not run in that time either: the health alerts
    then give them ``max_poll_age`` to catch up, as after a start, rather than telling the
    managers of a mailbox "stalled" for days and of its recovery a minute later."""
    return now - last > timedelta(seconds=waited) + WOKE_AFTER


def loop(
    app: Services,
    stop: threading.Event,
    wrote: Callable[[], None] = lambda: None,
    moved: Callable[[], bool] = lambda: False,
) -> None:
    """Pass, wait ``min(sweep_interval, time to the next digest)``, repeat until ``stop``.

    ``wrote`` wakes the sender when a pass queued mail. ``moved``: True once another
    release changed the database's schema; no pass runs then (the daemon stops). A pass
    that comes far later than its wait (:func:`slept`) counts as a start for the health
    alerts: the host slept, and its pollers wake with it."""
    backoff, started = Backoff(1.0, MAX_BACKOFF), app.clock.now()
    start = Start()  # the leavers' tickets, owed until a pass has told them
    last, waited = started, 0.0  # when the last pass ended, and the wait after it
    while not stop.is_set():
        if moved():
            stop.wait(1.0)
            continue
        if slept(last, now := app.clock.now(), waited):
            log.warning("scheduler: the clock moved %s in a wait of %.0fs", now - last, waited)
            started = now  # judged as after a start (gateway.scheduling.alerts.send_due)
        try:
            report = tick(app, started, start=start)
        except TransientError as exc:
            delay = backoff.failed()
            log.warning("scheduler: database unavailable, retrying in %.0fs: %s", delay, exc)
        except Exception:  # a pass that fails must not end the loop
            delay = backoff.failed()
            log.exception("scheduler pass failed, retrying in %.0fs", delay)
        else:
            backoff.succeeded()
            if report.outbox:
                log.info("scheduler: %s", report.summary())
                wrote()
            last = app.clock.now()
            waited = seconds_to_next_pass(app, last) + 0.5
            stop.wait(waited)
            continue
        last, waited = app.clock.now(), delay
        stop.wait(delay)
