"""``ticket-gateway run``: the doors, the inbox writer and the processing loops.

Two processes (issue #18). This one keeps the doors: the SMTP listener and the
Slack app on their own event loop threads, the pages, one IMAP poller per
account (imapclient blocks), and the inbox writer, which commits in its own
thread. The processing loops (:mod:`gateway.runtime.background`: the runner,
the outbox sender, the scheduler, the catalog-action workers, the chat poster)
run in a child process (:mod:`gateway.runtime.processing`), woken through a
pipe after each commit, so their CPU work never takes the GIL from the event
loop that answers ``250``. ``[gateway] runner_process = false`` (or a test's
injected clock) keeps them as threads here instead. Every part is a supervised
:class:`~gateway.runtime.workers.Worker` (the child's handle included): a
loop that crashes is started again with a capped, doubling backoff, and a
failing account never stops the others. On PostgreSQL each poller first takes
its mailbox's advisory lock (:mod:`gateway.receive.mailbox_lock`), so several
instances share the work.

Under systemd (``Type=notify``) the daemon says READY=1 once the doors are
bound and the processing process runs, pings the watchdog only while every
part is alive, and says STOPPING=1 on the way out (:mod:`gateway.sdnotify`).
The main thread only waits for SIGTERM/SIGINT and then stops the parts in the
order that loses nothing: first the listener (so no new mail comes in and
every ``250`` still waits for its commit), then the writer (so what it holds is
committed), then the processing loops (an unprocessed row stays pending and is
picked up at the next start).

Another instance of a newer release on the same database may upgrade its schema while
this one runs. A worker thread asks the database's revision every
:data:`SCHEMA_INTERVAL` seconds (:mod:`gateway.runtime.schema_watch`: one tiny query,
no Alembic), and the main thread looks at what it found; once it is not this
release's, the doors store nothing more (451, the pages 503), processing and polling
are told to stop at once, the listener closes (421), and ``run`` ends with the
configuration error a start would have raised (exit 78, which systemd does not
restart): the admin upgrades this instance too.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from gateway.catalog.load import watch_catalog
from gateway.config.settings import Settings
from gateway.config.team_changes import reread, tell_what_waits
from gateway.core.backoff import Backoff
from gateway.core.clock import Clock, SystemClock
from gateway.core.errors import TransientError
from gateway.outbound import maildir
from gateway.receive import pipe
from gateway.receive.smtp import SmtpListener
from gateway.receive.writer import InboxWriter
from gateway.runtime import run_lock, schema_watch, sdnotify
from gateway.runtime.app import App, build
from gateway.runtime.database_lock import one_daemon_per_database
from gateway.runtime.disk_space import disk_problems
from gateway.runtime.doors import open_doors
from gateway.runtime.memory import give_memory_back
from gateway.runtime.nudges import Nudges, Tuning, stop_workers
from gateway.runtime.open_files import raise_open_files
from gateway.runtime.processing import ProcessingProcess
from gateway.runtime.reader import schema_moved
from gateway.runtime.schema_watch import SchemaWatch, WatchedInbox
from gateway.runtime.start_warnings import warn_at_start as warn_at_start
from gateway.runtime.workers import PASS_BACKOFF_MAX, Worker
from store import inbox
from store.accept.generic import open_inbox
from store.db import transaction
from store.revision import HEAD

log = logging.getLogger("gateway.daemon")

STOP_BOUND = 10.0  # seconds from SIGTERM to exit, whatever the sessions do
SESSION_GRACE = 7.0  # of which sessions in flight get this long to finish
POLL_INTERVAL = 2.0  # the runner looks for due rows (retries, piped rows) at least this often
SEND_INTERVAL = 5.0  # the sender looks for due outbox rows (retries) at least this often
RUNNER_BATCH = 20  # rows per runner pass, so a stop is noticed between passes
ACTION_INTERVAL = 2.0  # the action workers look for due runs (retries, leases) this often
POST_INTERVAL = 5.0  # the chat poster looks for due rows (retries) at least this often
CHILD_READY_WAIT = 60.0  # seconds READY waits for the processing process's first start
# seconds systemd is asked for (EXTEND_TIMEOUT_USEC) for one try at the database, and
# for the rest of a start that waited for it: the processing process's first start
# (CHILD_READY_WAIT at most) and the doors, with room to spare
START_STEP = 90.0
# seconds systemd is asked for while the schema is upgraded at start: a migration of a big
# database may take minutes (an index on every message); a hung one is still stopped
MIGRATION_STEP = 3600.0
# seconds between two looks at the database's revision (one tiny query): how long an
# instance left on an older release goes on after a newer one upgraded the schema
SCHEMA_INTERVAL = schema_watch.INTERVAL
SIGNAL_SLICE = 0.5  # the main thread wakes this often to run signal handlers (see _wait_and_ping)


def run(
    settings: Settings,
    clock: Clock | None = None,
    *,
    ready: threading.Event | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Serve until ``stop`` is set (or SIGTERM/SIGINT in the main thread); 0 when stopped.
    Raises ConfigError (exit 78) when another release changed the schema meanwhile."""
    stop = stop or threading.Event()
    settings.gateway.reply_key()  # a key that cannot be read: exit 78 now, not per row
    warn_at_start(settings)
    raise_open_files()  # before any child: they start with the same limit
    give_memory_back()
    with _daemon_lock(settings), one_daemon_per_database(settings), stop_on_signals(stop):
        maildir.prepare_configured(settings)  # before anything waits: a config error
        app = _build_when_reachable(settings, clock or SystemClock(), stop)
        if app is None:
            return 0
        try:
            with _reload_on_hangup(app):
                moved = _serve(app, stop, ready)
        finally:
            app.close()
    if moved is not None:
        raise schema_moved(settings, moved)
    return 0


@contextmanager
def _daemon_lock(settings: Settings) -> Iterator[None]:
    """Held while running: ``ingest -`` then only accepts and leaves processing to us."""
    lock = run_lock.adopt(settings) or run_lock.take(settings)  # taken before the exec
    try:
        yield
    finally:
        lock.close()


def _serve(app: App, stop: threading.Event, ready: threading.Event | None) -> str | None:
    """Until ``stop``; the database's revision when it stopped because that moved."""
    tuning = Tuning(
        POLL_INTERVAL, SEND_INTERVAL, ACTION_INTERVAL, POST_INTERVAL, RUNNER_BATCH, SCHEMA_INTERVAL
    )
    watch = SchemaWatch(app.engine, SCHEMA_INTERVAL)
    nudges = Nudges()
    child = _processing_child(app, tuning, stop)
    if child is None:  # the processing loops as threads of this process
        from gateway.runtime import background  # the child's alone otherwise (issue #18)

        wake_inbox, wake_outbox = nudges.inbox.set, nudges.outbox.set
        workers = background.workers(app, nudges, tuning, watch)
    else:
        wake_inbox, wake_outbox = child.wake_inbox, child.wake_outbox
        workers = [Worker("processing", child.run, interrupt=child.interrupt)]
        # the child files by a catalog of its own: a reload here is one there
        app.catalog.followers.append(child.reload_catalog)
    workers.append(Worker("schema-watch", watch.watch))  # the query off the main thread
    # a catalog saved since is taken without a SIGHUP (the child is told, as on one)
    workers.append(Worker("catalog-watch", lambda s: watch_catalog(app.catalog, s)))
    writer = InboxWriter(
        WatchedInbox(open_inbox(app.settings.database.url, app.sessions), watch),
        app.clock,
        on_stored=wake_inbox,
    )
    listener = SmtpListener(app.settings, writer)
    workers += _pollers(app, wake_inbox, watch)
    doors = open_doors(app, wake_inbox, wake_outbox, listener, watch)
    writer.start()
    try:
        doors.start(app.settings)
    except BaseException:
        writer.stop()
        raise
    nudges.inbox.set()  # rows left pending by the last run are processed at once
    for worker in workers:
        worker.start()
    if child is not None:  # READY means processing too; a child that fails is restarted
        _wait_for_ready(child.ready, stop, CHILD_READY_WAIT)
    if ready is not None:
        ready.set()
    sdnotify.notify(sdnotify.READY)
    sdnotify.status("accepting mail")
    moved = _wait_and_ping(
        stop,
        lambda: doors.alive() and writer.alive() and all(w.alive() for w in workers),
        watch.seen,
    )
    sdnotify.notify(sdnotify.STOPPING)
    if moved is not None:
        _stop_taking_work(moved, workers)
    log.info("stopping: new connections get 421, sessions in flight finish")
    doors.stop_apps()
    _shut_down(listener, writer, workers, nudges)
    return moved


def _pollers(app: App, stored: Callable[[], None], watch: SchemaWatch) -> list[Worker]:
    """One IMAP poller per ``[[imap]]`` account; imapclient is imported only for one."""
    if not app.settings.imap:
        return []
    from gateway.receive import mailbox_lock
    from gateway.receive.imap import ImapPoller

    return [
        Worker(f"imap-{i}", mailbox_lock.exclusive(app.engine, p.key, p.run))
        for i, p in enumerate(
            ImapPoller(
                a, app.settings, app.sessions, app.clock, on_stored=stored, gate=watch.refuse
            )
            for a in app.settings.imap
        )
    ]  # on PostgreSQL: one instance per mailbox


def _stop_taking_work(moved: str, workers: list[Worker]) -> None:
    """Another release changed the schema: the doors already store nothing (451, 503);
    processing and polling are told to stop now, not after the listener's grace."""
    log.error(
        "the database schema changed to %s while this instance (schema %s) ran: it stops "
        "(exit 78); upgrade ticket-gateway on this machine",
        moved,
        HEAD,
    )
    sdnotify.status(f"stopped: the database schema is {moved}, this release's is {HEAD}")
    for worker in workers:
        worker.stop.set()


def _wait_for_ready(ready: threading.Event, stop: threading.Event, bound: float) -> None:
    """Until the processing child is ready, ``bound`` passes, or we are told to stop: a
    stop that reached the child while it started leaves it never ready, and a minute's
    wait for it would outlast the unit's TimeoutStopSec."""
    deadline = time.monotonic() + bound
    while not ready.wait(SIGNAL_SLICE) and not stop.is_set() and time.monotonic() < deadline:
        pass


def _processing_child(
    app: App, tuning: Tuning, stopping: threading.Event
) -> ProcessingProcess | None:
    """The processing loops' own process (issue #18), unless ``[gateway]
    runner_process = false`` or a test injected a clock, which cannot cross into it."""
    if not _apart(app.settings, app.clock):
        if app.settings.gateway.runner_process:
            log.info("an injected clock: the processing loops run as threads of the daemon")
        return None
    return ProcessingProcess(
        app.settings,
        tuning,
        lambda row, why: _shunt(app, row, why),
        catalog_text=lambda: app.catalog.text,  # a restarted child files as the daemon does
        stopping=stopping,
    )


def _apart(settings: Settings, clock: Clock) -> bool:
    """Whether the processing loops run in their own process; then this one builds no
    runner, nor imports its chain, parser or templates (8 MB, issue #18)."""
    return settings.gateway.runner_process and isinstance(clock, SystemClock)


def _shunt(app: App, inbox_id: int, reason: str) -> None:
    """A row whose processing was killed over its budget, so that no restart takes it."""
    with transaction(app.sessions) as s:
        inbox.shunt_if_pending(s, inbox_id, reason, app.clock.now())


def _wait_and_ping(
    stop: threading.Event,
    healthy: Callable[[], bool],
    moved: Callable[[], str | None] = lambda: None,
) -> str | None:
    """Until ``stop``: ping systemd's watchdog, but only while every part is alive,
    so a daemon whose supervisor threads died is restarted instead of looking fine.
    Also until ``moved`` (what the schema-watch worker found: no query here) says the
    schema changed under us: that revision is returned.

    Waits :data:`SIGNAL_SLICE` at a time, never endlessly: Python runs signal handlers
    in the main thread, and a signal the kernel hands to another thread (it does when
    the main thread has one pending already) is only handled once the main thread
    wakes. An endless wait kept SIGHUP and SIGTERM waiting for whatever woke it next."""
    interval = sdnotify.watchdog_interval()
    next_ping = time.monotonic()
    while not stop.is_set():
        if (found := moved()) is not None:
            return found
        if interval is not None and time.monotonic() >= next_ping:
            if healthy():
                sdnotify.notify(sdnotify.WATCHDOG)
            else:
                log.error("a part of the daemon is dead; no watchdog ping, systemd will restart us")
            next_ping = time.monotonic() + interval
        stop.wait(SIGNAL_SLICE)
    return None


def _shut_down(
    listener: SmtpListener, writer: InboxWriter, workers: list[Worker], nudges: Nudges
) -> None:
    """Listener, then writer, then workers (the processing child among them), all
    within STOP_BOUND."""
    deadline = time.monotonic() + STOP_BOUND
    listener.stop(grace=SESSION_GRACE)
    left = max(deadline - time.monotonic(), 0.5)
    if not writer.stop(timeout=left / 2):
        log.error("inbox writer did not finish in time; unanswered senders will retry")
    stop_workers(workers, nudges, deadline)


def _build_when_reachable(settings: Settings, clock: Clock, stop: threading.Event) -> App | None:
    """A database that is down at start is waited for, not a crash loop.

    systemd is told what the start waits for (``STATUS=``) and given the time for it
    (``EXTEND_TIMEOUT_USEC=``): the wait and one more try, then, once the database
    answers, :data:`START_STEP` for the rest of the start; a schema upgrade, which
    may take minutes on a big database, gets :data:`MIGRATION_STEP`. Without it, a
    database down (or a migration running) for longer than ``TimeoutStartSec`` had the
    daemon killed as a failed start, again at every restart, while it would have come up."""
    backoff = Backoff(1.0, PASS_BACKOFF_MAX)
    migrated: list[str] = []

    def migrating(current: str | None, head: str) -> None:
        """A schema upgrade may outlast the unit's start timeout: systemd is given an hour."""
        migrated.append(head)
        log.info("upgrading the database schema from %s to %s", current or "none", head)
        sdnotify.status(f"upgrading the database schema ({current or 'none'} -> {head})")
        pipe.note_upgrade(settings.gateway.data_dir, current or "none", head)  # for status
        sdnotify.extend_timeout(MIGRATION_STEP)

    while not stop.is_set():
        try:
            app = build(
                settings,
                clock,
                parse_apart=True,
                before_migrating=migrating,
                processing=not _apart(settings, clock),
            )
        except TransientError as exc:
            delay = backoff.failed()
            log.error("database unavailable at start, retrying in %.0fs: %s", delay, exc)
            for problem in disk_problems(settings):  # SQLite says "disk I/O error" at most
                log.error("%s", problem.text)
            sdnotify.status(f"waiting for the database (next try in {delay:.0f}s): {exc}")
            sdnotify.extend_timeout(delay + START_STEP)
            stop.wait(delay)
            continue
        if backoff.failures or migrated:  # past the unit's own timeout, maybe: the rest
            sdnotify.status("the database answers; starting")  # needs its time
            sdnotify.extend_timeout(START_STEP)
        return app
    return None


@contextmanager
def _reload_on_hangup(app: App) -> Iterator[None]:
    """SIGHUP re-reads the catalog (as the catalog-watch worker does when the file is
    saved: :func:`gateway.catalog.load.watch_catalog`); an invalid one is refused and the
    old one kept (CatalogHolder logs why), and the processing child is told to read it too. It
    re-reads the configuration file's Slack member map as well (refused and kept the
    same way; only the doors here use it), and logs what else changed there and waits
    for a restart, a changed ``[[members]]`` by name. Jinja2 re-reads a template file
    that changed by itself, within two seconds."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def reload(_sig: int, _frame: object) -> None:
        new = reread(app.settings)  # first: a catalog naming a newcomer is refused below
        if new is not None:
            tell_what_waits(app.settings, new)
        app.catalog.reload()
        if new is not None and app.slack_members is not None:
            app.slack_members.take(new)

    previous = signal.signal(signal.SIGHUP, reload)
    try:
        yield
    finally:
        signal.signal(signal.SIGHUP, previous)


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
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
