"""``ticket-gateway run``: the listener, the inbox writer and the background loops.

Threads, not processes: the SMTP listener (and the Slack app) have their own
event loop threads, the inbox writer commits in its own thread, and every
background loop (the pipeline runner, the outbox sender, the catalog-action
workers, the chat poster, the scheduler of reminders, digests and health
alerts, one IMAP poller per account, since imapclient blocks) is a supervised
:class:`~gateway.runtime.workers.Worker`: a loop that crashes is started again
with a capped, doubling backoff, and a failing account never stops the others.
On PostgreSQL each poller first takes its mailbox's advisory lock
(:mod:`gateway.receive.mailbox_lock`), so several instances share the work.

Under systemd (``Type=notify``) the daemon says READY=1 once the listener is
bound, pings the watchdog only while every part is alive, and says STOPPING=1
on the way out (:mod:`gateway.sdnotify`). The main thread only waits for
SIGTERM/SIGINT and then stops the parts in the order that loses nothing: first
the listener (so no new mail comes in and every ``250`` still waits for its
commit), then the writer (so what it holds is committed), then the workers (an
unprocessed row stays pending and is picked up at the next start).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from gateway.actions.worker import ActionWorker
from gateway.chat.poster import build_poster
from gateway.config.settings import Settings
from gateway.core.backoff import Backoff
from gateway.core.clock import Clock, SystemClock
from gateway.core.errors import ConfigError, TransientError
from gateway.core.i18n import N_
from gateway.outbound import maildir
from gateway.outbound.sender import Sender
from gateway.outbound.transport import transport_for
from gateway.receive import mailbox_lock, pipe
from gateway.receive.imap import ImapPoller
from gateway.receive.smtp import SmtpListener
from gateway.receive.writer import InboxWriter
from gateway.runtime import sdnotify
from gateway.runtime.app import App, build
from gateway.runtime.doors import open_doors
from gateway.runtime.workers import PASS_BACKOFF_MAX, Worker, repeat, wake_all
from gateway.scheduling import scheduler
from store.accept.generic import open_inbox

log = logging.getLogger("gateway.daemon")

STOP_BOUND = 10.0  # seconds from SIGTERM to exit, whatever the sessions do
SESSION_GRACE = 7.0  # of which sessions in flight get this long to finish
POLL_INTERVAL = 2.0  # the runner looks for due rows (retries, piped rows) at least this often
SEND_INTERVAL = 5.0  # the sender looks for due outbox rows (retries) at least this often
RUNNER_BATCH = 20  # rows per runner pass, so a stop is noticed between passes
ACTION_INTERVAL = 2.0  # the action workers look for due runs (retries, leases) this often
POST_INTERVAL = 5.0  # the chat poster looks for due rows (retries) at least this often


def run(
    settings: Settings,
    clock: Clock | None = None,
    *,
    ready: threading.Event | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Serve until ``stop`` is set (or SIGTERM/SIGINT in the main thread); 0 when stopped."""
    stop = stop or threading.Event()
    _fewer_malloc_arenas()
    with _daemon_lock(settings), _stop_on_signals(stop):
        maildir.prepare_configured(settings)  # before anything waits: a config error
        app = _build_when_reachable(settings, clock or SystemClock(), stop)
        if app is None:
            return 0
        try:
            with _reload_on_hangup(app):
                _serve(app, stop, ready)
        finally:
            app.close()
    return 0


MALLOC_ARENAS = 2


def _fewer_malloc_arenas() -> None:
    """glibc gives each thread that allocates its own heap arena (up to 8 per core), and
    memory freed in one is not reused by another: after a few big messages a daemon
    of a dozen threads holds far more than it uses. Two arenas keep its RSS near what
    it needs (issue #14: under 150 MB with 5 MB messages). A no-op off glibc."""
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        libc.mallopt(ctypes.c_int(-8), ctypes.c_int(MALLOC_ARENAS))  # M_ARENA_MAX
    except (OSError, AttributeError):
        pass


@contextmanager
def _daemon_lock(settings: Settings) -> Iterator[None]:
    """Held while running: ``ingest -`` then only accepts and leaves processing to us."""
    try:
        lock = pipe.hold_daemon_lock(settings.gateway.data_dir)
    except OSError:
        raise ConfigError(
            settings.source,
            "gateway.data_dir",
            N_(
                "another ticket-gateway run holds {path}",
                path=str(pipe.lock_path(settings.gateway.data_dir)),
            ),
        ) from None
    try:
        yield
    finally:
        lock.close()


def _serve(app: App, stop: threading.Event, ready: threading.Event | None) -> None:
    nudge = threading.Event()  # set by the writer after a commit: there is work
    send_nudge = threading.Event()  # set by the runner after a pass: there may be mail
    writer = InboxWriter(
        open_inbox(app.settings.database.url, app.sessions), app.clock, on_stored=nudge.set
    )
    listener = SmtpListener(app.settings, writer)
    pollers = [
        ImapPoller(account, app.settings, app.sessions, app.clock, on_stored=nudge.set)
        for account in app.settings.imap
    ]
    sender = Sender(
        app.settings.outbound, app.clock, app.sessions, lambda: transport_for(app.settings.outbound)
    )
    chat_nudge = threading.Event()  # set after runner and scheduler passes: news to post
    action_nudge = threading.Event()  # set by the runner after a pass: there may be runs
    actions = ActionWorker(app.settings, app.clock, app.sessions, app.catalog)
    after_runner = wake_all(send_nudge, chat_nudge, action_nudge)
    workers = [
        Worker(
            "runner",
            lambda s: repeat(
                "runner",
                lambda stop: _drain_pending(app, stop),
                s,
                nudge=nudge,
                interval=POLL_INTERVAL,
                did_work=after_runner,
            ),
        ),
        Worker(
            "sender",
            lambda s: repeat(
                "sender",
                lambda stop: _send(sender, stop),
                s,
                nudge=send_nudge,
                interval=SEND_INTERVAL,
            ),
        ),
        Worker("scheduler", lambda s: scheduler.loop(app, s, wake_all(send_nudge, chat_nudge))),
    ]
    workers += [  # a run in progress at SIGTERM is left to its lease: it runs again later
        Worker(
            f"actions-{i}",
            lambda s: repeat(
                "actions",
                lambda stop: bool(actions.drain(stop.is_set)),
                s,
                nudge=action_nudge,
                interval=ACTION_INTERVAL,
                did_work=wake_all(send_nudge, chat_nudge),
            ),
        )
        for i in range(app.settings.actions.workers)
    ]
    if app.settings.chat.enabled:  # Slack or Teams down delays only this worker's rows
        poster = build_poster(app.settings, app.clock, app.sessions, app.catalog)
        workers.append(
            Worker(
                "chat-poster",
                lambda s: repeat(
                    "chat poster",
                    lambda stop: bool(poster.drain(stop.is_set)),
                    s,
                    nudge=chat_nudge,
                    interval=POST_INTERVAL,
                ),
            )
        )
    workers += [
        Worker(f"imap-{i}", mailbox_lock.exclusive(app.engine, p.key, p.run))
        for i, p in enumerate(pollers)
    ]  # on PostgreSQL: one instance per mailbox
    doors = open_doors(app, nudge, send_nudge, listener)
    writer.start()
    try:
        doors.start(app.settings)
    except BaseException:
        writer.stop()
        raise
    nudge.set()  # rows left pending by the last run are processed at once
    for worker in workers:
        worker.start()
    if ready is not None:
        ready.set()
    sdnotify.notify(sdnotify.READY)
    sdnotify.status("accepting mail")
    _wait_and_ping(
        stop,
        lambda: doors.alive() and writer.alive() and all(w.alive() for w in workers),
    )
    sdnotify.notify(sdnotify.STOPPING)
    log.info("stopping: new connections get 421, sessions in flight finish")
    doors.stop_apps()
    _shut_down(listener, writer, workers, nudge, send_nudge, chat_nudge, action_nudge)


def _wait_and_ping(stop: threading.Event, healthy: Callable[[], bool]) -> None:
    """Until ``stop``: ping systemd's watchdog, but only while every part is alive,
    so a daemon whose supervisor threads died is restarted instead of looking fine."""
    interval = sdnotify.watchdog_interval()
    if interval is None:
        stop.wait()
        return
    while not stop.is_set():
        if healthy():
            sdnotify.notify(sdnotify.WATCHDOG)
        else:
            log.error("a part of the daemon is dead; no watchdog ping, systemd will restart us")
        stop.wait(interval)


def _shut_down(
    listener: SmtpListener, writer: InboxWriter, workers: list[Worker], *nudges: threading.Event
) -> None:
    """Listener, then writer, then workers, all within STOP_BOUND."""
    deadline = time.monotonic() + STOP_BOUND
    listener.stop(grace=SESSION_GRACE)
    left = max(deadline - time.monotonic(), 0.5)
    if not writer.stop(timeout=left / 2):
        log.error("inbox writer did not finish in time; unanswered senders will retry")
    for worker in workers:
        worker.stop.set()
    for wake in nudges:
        wake.set()
    for worker in workers:  # they stop in parallel; each gets what is left of the bound
        if worker.thread is not None:
            worker.thread.join(max(deadline - time.monotonic(), 0.1))
            if worker.thread.is_alive():
                log.warning("worker %s still busy at exit; its row stays pending", worker.name)


def _drain_pending(app: App, stop: threading.Event) -> bool:
    """Pass after pass until nothing is due; a row that stays due (transient) ends it.

    True when some row was processed (and so may have queued mail)."""
    processed = False
    while not stop.is_set():
        outcomes = app.runner.process_pending(RUNNER_BATCH)
        if not outcomes or all(o.state is None for o in outcomes):
            return processed
        processed = True
    return processed


def _send(sender: Sender, stop: threading.Event) -> bool:
    sender.drain(stop.is_set)
    return False  # nobody waits for mail to be sent


def _build_when_reachable(settings: Settings, clock: Clock, stop: threading.Event) -> App | None:
    """A database that is down at start is waited for, not a crash loop."""
    backoff = Backoff(1.0, PASS_BACKOFF_MAX)
    while not stop.is_set():
        try:
            return build(settings, clock, parse_apart=True)
        except TransientError as exc:
            delay = backoff.failed()
            log.error("database unavailable at start, retrying in %.0fs: %s", delay, exc)
            sdnotify.status(f"waiting for the database: {exc}")
            stop.wait(delay)
    return None


@contextmanager
def _reload_on_hangup(app: App) -> Iterator[None]:
    """SIGHUP re-reads the catalog; an invalid one is refused and the old one kept
    (CatalogHolder logs why). Jinja2 re-reads a template file that changed by itself."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGHUP, lambda _sig, _frame: app.catalog.reload())
    try:
        yield
    finally:
        signal.signal(signal.SIGHUP, previous)


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM/SIGINT set ``stop``; only the main thread may install handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {
        sig: signal.signal(sig, lambda _sig, _frame: stop.set())
        for sig in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
