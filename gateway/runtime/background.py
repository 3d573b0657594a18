"""The daemon's processing parts: what works on stored rows, apart from the doors.

The runner (inbox rows through the chain), the sender (the outbox), the
scheduler (reminders, digests, auto-close, health alerts), the catalog-action
workers and the chat poster. None of them listens on a socket: they read rows
that the doors (SMTP, IMAP, the pages, Slack) committed, and they are woken by
:class:`Nudges` when there is news. That is what lets ``run`` put all of them in
a process of their own (:mod:`gateway.runtime.processing`, issue #18), so that
their CPU work never takes the GIL from the listener's event loop; with
``[gateway] runner_process = false`` (or an injected clock, which cannot cross
a process boundary) they run as threads of the daemon, as before. What the daemon
needs of them without running them (their tuning, their wake-ups, their stop) is in
:mod:`gateway.runtime.nudges`, so that its listener does not import them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from gateway.actions.worker import ActionWorker
from gateway.outbound.sender import Sender, team_of
from gateway.runtime.app import App
from gateway.runtime.nudges import Nudges, Tuning
from gateway.runtime.schema_watch import SchemaWatch, guarded
from gateway.runtime.workers import Worker, repeat, wake_all
from gateway.scheduling import scheduler


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
        outcomes = app.the_runner().process_pending(batch)
        if not outcomes or all(o.state is None for o in outcomes):
            return processed
        processed = True
        wake()
    return processed


def _send(sender: Sender, stop: threading.Event) -> bool:
    sender.drain(stop.is_set)
    return False  # nobody waits for mail to be sent
