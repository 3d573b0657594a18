"""The drainer: processes piped mail when no daemon runs, then goes away.

``ingest -`` without a daemon accepts only (one INSERT, exit 0; see
:mod:`gateway.receive.pipe`) and makes sure a drainer will process the row
(:func:`gateway.runtime.drain_lock.ensure_drainer`). A drainer holds the drain
lock (``<data_dir>/drain.lock``) while it works: it builds the application once,
processes every due row as ``ingest`` does (:meth:`Runner.process_pending`),
sends the mail that is due after each pass (the acknowledgements of those rows:
without a daemon, no one else would send them), lingers a little for more
(piped mail comes in bursts, and a second start costs more than a while of
cheap polling), and exits. So one process per message
stays cheap for the MTA, and the imports are paid once per burst.

No lost wakeup. A pipe commits its row, *then* tries the drain lock without
waiting:

* free: it starts a drainer and hands it the lock (the locked file itself, so
  the lock is never free in between); that drainer's first pass sees the row;
* held: it exits and relies on the holder. A drainer on its way out releases
  the lock and *then* looks once more for due rows; if there are some it takes
  the lock again and goes on (if someone else has taken it meanwhile, that one
  drains). A pipe that found the lock held committed before it tried, so
  before this release, so before this last look: the look sees its row. (A
  drainer that looked, then released, could miss a row committed in between.)

The last look counts only rows newer than any this drainer has already tried
(the inbox's ids grow with each commit), so a row that stays due because the
database keeps failing does not keep it alive forever; that row waits for the
next ``ingest``, ``run`` or drainer, as every transient failure does.

A drainer that fails (the database locked past its busy timeout as it builds the
application or processes, a config or catalog mistake) does the same: it releases
the lock, then looks once more: a pipe that committed while it failed found the lock
held and relies on it. The start is tried once more; a pass that failed is followed
by the last look, which then sees the rows it failed on too, and drains once more.
Failing again, it leaves: the rows stay pending, as above.

A daemon beside a drainer: ``run`` takes its own lock (``daemon.lock``), not
this one, and both may process rows at once safely, since claiming a row is
safe between runners (:func:`store.inbox.claim_row`: on SQLite every
transaction begins IMMEDIATE, so the claim re-reads ``state = 'pending'`` under
the write lock, and a second runner gets "already processed"; on PostgreSQL
``FOR UPDATE SKIP LOCKED``). A drainer that sees the daemon stops lingering and
leaves the rest to it (its runner looks for due rows every few seconds).

Cheap to start where that is easy, since its start is part of how long a piped
message waits: no argparse, and no garbage collection while the runner's
modules are imported (:func:`main`); the rest is SQLAlchemy and the runner.
It runs at a lower priority (``NICE``): the pipes of a burst, which an MTA
waits for, get the CPU before the processing that nobody waits for.
"""

from __future__ import annotations

import gc
import logging
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if __name__ == "__main__":
    from gateway.core.dumps import forbid_dumps

    forbid_dumps()  # exec made it dumpable again: see gateway.core.dumps

from gateway.core.clock import Clock, SystemClock
from gateway.core.counted import counted
from gateway.core.errors import CatalogError, ConfigError, TransientError
from gateway.outbound.sender import Sender, team_of
from gateway.receive.pipe import daemon_running, sqlite_path
from gateway.runtime import drain_lock
from gateway.runtime.schema_watch import INTERVAL, SchemaWatch
from store.revision import HEAD

if TYPE_CHECKING:
    from gateway.config.settings import Settings
    from gateway.runtime.app import App

log = logging.getLogger("gateway.drain")

LINGER = 1.5  # seconds without new mail before a drainer leaves
LINGER_ENV = "TICKET_GATEWAY_DRAIN_LINGER"  # another linger (tests use 0: leave at once)
POLL = 0.1  # seconds between two looks for new rows while lingering
NICE = 10  # the pipes it works for are what an MTA waits on: they get the CPU first
EX_OK, EX_USAGE, EX_TEMPFAIL, EX_CONFIG = 0, 64, 75, 78

_DUE = (  # the runner's own condition (store.inbox.due_ids), newer than ``seen``
    "SELECT 1 FROM inbox WHERE state = 'pending' AND id > ?"
    " AND (next_attempt_at IS NULL OR next_attempt_at <= ?) LIMIT 1"
)


@dataclass(frozen=True, slots=True)
class Options:
    config: str | None = None
    lock_fd: int | None = None  # the drain lock, already held (handed over by a pipe)
    linger: float = LINGER


class DueRows:
    """Looks for due rows through the stdlib, outside any transaction: in WAL mode a
    reader never waits for the pipes' commits, nor they for it, and each look is a
    fresh snapshot (which the last look after the release depends on)."""

    def __init__(self, db_path: str) -> None:
        self._con = sqlite3.connect(db_path, isolation_level=None)

    def after(self, seen: int, now: datetime) -> bool:
        """Is a row newer than ``seen`` due (pending, and not waiting for a retry)?
        A database that fails even this read is treated as "none": nothing could be
        processed anyway, and the row stays pending for the next start."""
        # the text form of SQLAlchemy's SQLite DateTime: naive UTC, microseconds
        when = now.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
        try:
            return self._con.execute(_DUE, (seen, when)).fetchone() is not None
        except sqlite3.Error as exc:
            log.warning("drainer: cannot look for new rows: %s", exc)
            return False

    def close(self) -> None:
        self._con.close()


def drain(
    app: App,
    lock_fd: int,
    due: DueRows,
    *,
    linger: float = LINGER,
    poll: float = POLL,
    before_release: Callable[[], None] | None = None,
    watch: SchemaWatch | None = None,
) -> int:
    """Holding the drain lock on ``lock_fd``: process, linger, release, look once more
    (module docstring). Returns with the lock released; the rows processed.

    ``watch``: asked before each pass; once another release changed the schema, the
    drainer processes nothing more and leaves, its rows pending for that release.

    ``before_release``: called after the last look under the lock, just before the
    release — where a pipe's commit would be missed without the look after it."""
    data_dir = app.settings.gateway.data_dir
    state = _Progress()
    sender = Sender.configured(
        app.settings.outbound, app.clock, app.sessions, team_of(app.settings)
    )
    while True:
        _work(app, due, state, (linger, poll), sender, watch)
        log.info(
            "drainer pid=%d: quiet, %s processed; releasing the drain lock",
            os.getpid(),
            counted(state.processed, "row"),
        )
        if before_release is not None:
            before_release()
        drain_lock.unlock(lock_fd)
        if state.failed or daemon_running(data_dir):
            return state.processed
        # the database failed once: the look below sees those rows too (one more try)
        if not due.after(state.seen, app.clock.now()):
            return state.processed
        if not drain_lock.try_lock(lock_fd):
            return state.processed  # another holder: a pipe starting a drainer, or one
        log.info("drainer pid=%d: more mail came as it left, draining again", os.getpid())


@dataclass(slots=True)
class _Progress:
    processed: int = 0
    seen: int = 0  # the newest inbox id this drainer has tried
    failed: bool = False  # the schema moved, or the database failed twice: leave
    unavailable: bool = False  # the last pass failed: one more look after the release


def _work(
    app: App,
    due: DueRows,
    state: _Progress,
    pace: tuple[float, float],
    sender: Sender,
    watch: SchemaWatch | None,
) -> None:
    """Process due rows, and send the mail that is then due, until no row is new for
    ``linger`` seconds (``pace``: linger, poll), a daemon runs, or the schema moved."""
    linger, poll = pace
    clock = app.clock
    quiet_since = clock.now()
    first = True
    while not daemon_running(app.settings.gateway.data_dir):
        if first or due.after(state.seen, clock.now()):
            first = False
            if watch is not None and (moved := watch.moved()) is not None:
                log.error(
                    "drainer: the database schema changed to %s, this release's is %s: "
                    "leaving the rest pending; upgrade ticket-gateway on this machine",
                    moved,
                    HEAD,
                )
                state.failed = True
                return
            try:
                outcomes = app.the_runner().process_pending()
            except TransientError as exc:
                again = state.unavailable  # the look after the release failed too
                log.warning(
                    "database unavailable, %s: %s",
                    "leaving the rest pending" if again else "looking once more after the release",
                    exc,
                )
                state.failed, state.unavailable = again, True
                return
            state.unavailable = False
            state.seen = max([state.seen, *(o.inbox_id for o in outcomes)])
            done = sum(o.state is not None for o in outcomes)
            state.processed += done
            _send(sender)
            if done:
                quiet_since = clock.now()
                continue
        if (clock.now() - quiet_since).total_seconds() >= linger:
            return
        clock.sleep(poll)


def _send(sender: Sender) -> None:
    """Send the mail that is due: the acknowledgements of the rows just processed, and
    any whose retry has come. A relay that is down leaves it to its backoff (the next
    drainer, ``send`` or ``run`` tries again); so does a database that fails."""
    try:
        report = sender.drain()
    except TransientError as exc:
        log.warning("drainer: mail not sent, the database is unavailable: %s", exc)
        return
    if report.sent or report.retried or report.failed:
        log.info(
            "drainer pid=%d: %s sent, %d to retry later, %d failed",
            os.getpid(),
            counted(len(report.sent), "mail"),
            len(report.retried),
            len(report.failed),
        )


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m gateway.runtime.drain [--config PATH] [--lock-fd N] [--linger S]``:
    started by a pipe (with the lock handed over), or by hand (then it takes the lock
    itself, and leaves at once when another drainer has it)."""
    # Importing the settings, SQLAlchemy and the runner creates some hundred thousand
    # objects that all live on; the collections they set off are a tenth of a start.
    # Paused until the application is built, then frozen: not walked again later.
    gc.disable()
    os.nice(NICE)
    from gateway.runtime.logs import TEXT_FORMAT

    logging.basicConfig(level=logging.INFO, format=TEXT_FORMAT)  # stderr: drain.log
    try:
        options = parse_args(sys.argv[1:] if argv is None else argv)
    except ValueError as exc:
        log.error("drainer: %s", exc)
        return EX_USAGE
    return _run(options, SystemClock())


def parse_args(argv: Sequence[str]) -> Options:
    """By hand: three options, and argparse would cost more than all of them."""
    values: dict[str, str] = {}
    rest = list(argv)
    while rest:
        name = rest.pop(0)
        if name not in ("--config", "--lock-fd", "--linger") or not rest:
            raise ValueError(f"unexpected argument {name!r}")
        values[name] = rest.pop(0)
    linger = values.get("--linger") or os.environ.get(LINGER_ENV) or str(LINGER)
    lock_fd = values.get("--lock-fd")
    return Options(values.get("--config"), int(lock_fd) if lock_fd else None, float(linger))


def _run(options: Options, clock: Clock) -> int:
    started = _start(options, clock)
    if isinstance(started, int):
        return started
    app, fd, db_path = started
    gc.freeze()
    gc.enable()
    due = DueRows(db_path)
    try:
        drain(app, fd, due, linger=options.linger, watch=SchemaWatch(app.engine, INTERVAL))
    finally:
        due.close()
        app.close()
    return EX_OK


def _start(options: Options, clock: Clock) -> tuple[App, int, str] | int:
    """Read the config and build the application, holding the drain lock; or the exit
    code. A config or catalog with a mistake, or a database that fails (locked), is
    read twice, the lock released in between: a pipe that committed while this drainer
    failed found the lock held and relies on it (no lost wakeup, module docstring), and
    the mistake it failed on may have been mended before that pipe ran ("fixed, the
    next piped message's drainer processes both"). Still so after the release: exit 78
    (75 for the database), the lock let go, the rows wait, the problem said once."""
    fd = options.lock_fd
    held = fd is not None
    said = ""
    for last in (False, True):
        try:
            settings = _settings(options.config)
            db_path = sqlite_path(settings.database.url)
            if db_path is None:
                log.error("drainer: the database is not SQLite; ingest or run processes its rows")
                return EX_CONFIG
            if fd is None:
                fd = drain_lock.open_lock(settings.gateway.data_dir)
            if not held:
                if not drain_lock.try_lock(fd):
                    return EX_OK  # the holder drains
                held = True
            os.set_inheritable(fd, False)  # a child of ours must not keep the lock after we exit
            log.info("drainer pid=%d: holding the drain lock", os.getpid())
            # a key that cannot be read: said as a config mistake (the key, the file),
            # as the daemon's start says it, not a traceback from the first row's pass
            settings.gateway.reply_key()
            return _built(settings, clock), fd, db_path
        except (ConfigError, CatalogError, TransientError) as exc:
            if (text := _mistake(exc)) != said:  # the same mistake twice is said once
                log.error("%s", text)
                said = text
            if held and fd is not None:  # released now, not at the exit: looked after
                drain_lock.unlock(fd)
            if last or not held or fd is None:
                return EX_TEMPFAIL if isinstance(exc, TransientError) else EX_CONFIG
            held = False
    raise AssertionError("unreachable: the second try returns")


def _built(settings: Settings, clock: Clock) -> App:
    from gateway.runtime.app import build
    from gateway.runtime.logs import use_format

    use_format(settings.logging.format)
    return build(settings, clock)  # Alembic is imported only when the schema is behind


def _mistake(exc: ConfigError | CatalogError | TransientError) -> str:
    """What drain.log says of a config, catalog or database the drainer cannot start
    with."""
    if isinstance(exc, ConfigError):
        return f"drainer: configuration error: {exc.path}: [{exc.key}] {exc.message}"
    return f"drainer: cannot start, pending rows wait for ingest or run: {exc}"


def _settings(config: str | None) -> Settings:
    """The settings, every key read before the generated key is made: a drainer that
    stops at a mistake in the file makes nothing (as the CLI: gateway.runtime.refusals)."""
    from gateway.config.load import load_made
    from gateway.config.locate import locate_config

    # read once: a config saved meanwhile is not checked whole and then made in part
    return load_made(locate_config(config), lambda settings: None)


if __name__ == "__main__":
    sys.exit(main())
