"""The daemon's processing parts: what works on stored rows, apart from the doors.

The runner (inbox rows through the chain), the sender (the outbox), the
scheduler (reminders, digests, auto-close, health alerts), the catalog-action
workers and the chat poster. None of them listens on a socket: they read rows
that the doors (SMTP, IMAP, the pages, Slack) committed, and they are woken by
:class:`Nudges` when there is news. That is what lets ``run`` put all of them in
a process of their own (:mod:`gateway.runtime.processing`, issue #18), so that
their CPU work never takes the GIL from the listener's event loop; with
``[gateway] runner_process = false`` (or an injected clock, which cannot cross
a process boundary) they run as threads of the daemon, as before.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from gateway.actions.worker import ActionWorker
from gateway.outbound.sender import Sender, team_of
from gateway.runtime.app import App
from gateway.runtime.schema_watch import INTERVAL, SchemaWatch, guarded
from gateway.runtime.workers import Worker, repeat, wake_all
from gateway.scheduling import scheduler

log = logging.getLogger("gateway.daemon")


@dataclass(frozen=True, slots=True)
class Tuning:
    """How often each loop looks for due rows when nobody woke it; a value, so that it
    crosses into the processing process (a test's shorter interval included)."""

    poll_interval: float = 2.0  # the runner: retries that came due, rows of other instances
    send_interval: float = 5.0  # the sender: outbox retries that came due
    action_interval: float = 2.0  # the action workers: due runs, expired leases
    post_interval: float = 5.0  # the chat poster: retries that came due
    runner_batch: int = 20  # rows per runner pass, so a stop is noticed between passes
    schema_interval: float = INTERVAL  # the database's revision is asked at most this often


@dataclass(frozen=True, slots=True)
class Nudges:
    """One event per loop: set when there may be work for it."""

    inbox: threading.Event = field(default_factory=threading.Event)  # rows stored
    outbox: threading.Event = field(default_factory=threading.Event)  # mail queued
    chat: threading.Event = field(default_factory=threading.Event)  # news to post
    actions: threading.Event = field(default_factory=threading.Event)  # runs to start

    def all(self) -> tuple[threading.Event, ...]:
        return (self.inbox, self.outbox, self.chat, self.actions)


def workers(
    app: App, nudges: Nudges, tuning: Tuning, watch: SchemaWatch | None = None
) -> list[Worker]:
    """Every processing loop as a supervised worker, not started. Each pass first asks
    ``watch`` (cached for its interval): once another release changed the schema,
    nothing more is processed, sent or run here (the daemon is on its way out)."""
    sender = Sender.configured(
        app.settings.outbound, app.clock, app.sessions, team_of(app.settings)
    )
    actions = ActionWorker(app.settings, app.clock, app.sessions, app.catalog)
    after_runner = wake_all(nudges.outbox, nudges.chat, nudges.actions)
    found = [
        Worker(
            "runner",
            lambda s: repeat(
                "runner",
                lambda stop: drain_pending(app, stop, tuning.runner_batch, after_runner, watch),
                s,
                nudge=nudges.inbox,
                interval=tuning.poll_interval,
                did_work=after_runner,
            ),
        ),
        Worker(
            "sender",
            lambda s: repeat(
                "sender",
                guarded(watch, lambda stop: _send(sender, stop)),
                s,
                nudge=nudges.outbox,
                interval=tuning.send_interval,
            ),
        ),
        Worker(
            "scheduler",
            lambda s: scheduler.loop(
                app,
                s,
                wake_all(nudges.outbox, nudges.chat),
                moved=lambda: watch is not None and watch.moved() is not None,
            ),
        ),
    ]
    found += [  # at SIGTERM a command's group is ended, its run due at the next start
        Worker(
            f"actions-{i}",
            lambda s: repeat(
                "actions",
                guarded(watch, lambda stop: bool(actions.drain(stop.is_set))),
                s,
                nudge=nudges.actions,
                interval=tuning.action_interval,
                did_work=wake_all(nudges.outbox, nudges.chat),
            ),
        )
        for i in range(app.settings.actions.workers)
    ]
    if app.settings.chat.enabled:  # Slack or Teams down delays only this worker's rows
        from gateway.chat.poster import build_poster  # Slack's client only when chat is on

        poster = build_poster(app.settings, app.clock, app.sessions, app.catalog)
        found.append(
            Worker(
                "chat-poster",
                lambda s: repeat(
                    "chat poster",
                    guarded(watch, lambda stop: bool(poster.drain(stop.is_set))),
                    s,
                    nudge=nudges.chat,
                    interval=tuning.post_interval,
                ),
            )
        )
    return found


def stop_workers(found: list[Worker], nudges: Nudges, deadline: float) -> None:
    """Ask every worker to stop, wake them all, and wait until ``deadline`` (monotonic);
    a row in progress that is still busy then stays pending for the next start."""
    for worker in found:
        worker.stop.set()
    for wake in nudges.all():
        wake.set()
    for worker in found:  # they stop in parallel; each gets what is left of the bound
        if worker.thread is not None:
            worker.thread.join(max(deadline - time.monotonic(), 0.1))
            if worker.thread.is_alive():
                log.warning("worker %s still busy at exit; its row stays pending", worker.name)


def drain_pending(
    app: App,
    stop: threading.Event,
    batch: int,
    wake: Callable[[], None] = lambda: None,
    watch: SchemaWatch | None = None,
) -> bool:
    """Pass after pass until nothing is due; a row that stays due (transient) ends it,
    and so does a schema another release changed (``watch``, asked before each batch).

    ``wake`` is called after each pass that processed a row: the sender, the chat
    poster and the action workers take what it queued while the rest is drained, not
    after the last row (a burst of 2 000 mails held every acknowledgement back until
    the sender's own poll, issue #18; a backlog after an outage, for minutes).
    True when some row was processed (and so may have queued mail)."""
    processed = False
    while not stop.is_set() and (watch is None or watch.moved() is None):
        outcomes = app.runner.process_pending(batch)
        if not outcomes or all(o.state is None for o in outcomes):
            return processed
        processed = True
        wake()
    return processed


def _send(sender: Sender, stop: threading.Event) -> bool:
    sender.drain(stop.is_set)
    return False  # nobody waits for mail to be sent
