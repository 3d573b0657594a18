"""The processing process: the runner and its fellow loops, apart from the doors.

Issue #18: with the runner as a thread of the daemon, its CPU work (parsing,
the ORM, rendering acknowledgements) took the GIL from the listener's event
loop, and on two cores acceptance fell to a quarter of a bare aiosmtpd sink
while processing ran, with a p99 ``250`` latency of half a second. So ``run``
starts the loops of :mod:`gateway.runtime.background` in one child process,
at a lower CPU priority, and keeps only the doors (SMTP/LMTP, IMAP, the pages,
Slack) and the inbox writer.

The two sides share nothing but the database and one socket pair:

* the daemon sends one byte per wake-up (:data:`WAKE_INBOX` after a commit of
  new rows, :data:`WAKE_OUTBOX` after a page queued mail); a lost byte costs
  nothing, because every loop also looks for due rows on its own interval;
* the child sends :data:`READY` once its loops run; it reads the socket until it
  ends: end of file means the daemon is gone (even SIGKILLed), and the child
  stops too, leaving a row in progress pending, as at any stop.

Which row the child is on, and since when, it writes on a board in shared memory
(:mod:`gateway.runtime.row_board`), which the daemon reads when it looks: two
lines per row on the socket woke the daemon twice a row while mail came in.

**The child is the budget's kill** (issue #14): the daemon knows which row the
child is on since when, and a row that outlives ``[limits] processing_budget``
(plus :data:`KILL_GRACE`, so that the runner's own checks between stages get
their turn first) is killed with the child; the row is shunted with the reason
and the child started again. So rows are parsed in the child itself, with no
parser worker of its own: one process fewer, and no row's bytes sent twice.

The child is a fresh interpreter (``python -m gateway.runtime.processing``:
forking a daemon with a dozen threads could copy a lock another thread holds),
supervised like a thread: :meth:`ProcessingProcess.run` is a
:class:`~gateway.runtime.workers.Worker` body that raises when the child dies,
so it is started again with the same capped, doubling backoff. SIGTERM and
SIGINT stop it as they stop the daemon (systemd signals the whole group).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait

if __name__ == "__main__":
    # the child: a Ctrl-C to the whole group while its imports run (a second or more on
    # a loaded machine) is for the daemon, not a KeyboardInterrupt traceback here;
    # processing_child.main() answers SIGINT and SIGTERM with a stop once it can
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from gateway.core.dumps import forbid_dumps

    forbid_dumps()  # exec made it dumpable again: see gateway.core.dumps

from gateway.config.settings import Settings
from gateway.core.resources import module_command, sigint_ignored
from gateway.runtime.nudges import Tuning
from gateway.runtime.row_board import RowBoard
from gateway.runtime.workers import Ended

log = logging.getLogger("gateway.daemon")

WAKE_INBOX = b"i"  # rows were stored: the runner
WAKE_OUTBOX = b"o"  # mail was queued outside the child (a sign-in link): the sender
READY = b"r"  # the child's loops are running
QUIT = b"q"  # stop now (as SIGTERM would)
RELOAD_CATALOG = b"c"  # + the catalog's text: the daemon took it (SIGHUP), the child too

WATCH_INTERVAL = 0.5  # seconds between the daemon's looks at the child
CHILD_STOP_BOUND = 8.0  # seconds the child gives its loops to finish the row in hand
START_TIMEOUT = 120.0  # seconds for a child to import and connect before it counts as failed
# A child that ends while the daemon itself was told to stop within this many seconds
# ended by the same signal (systemd's stop and Ctrl-C reach the whole group): no crash.
STOPPING_GRACE = 2.0
KILL_GRACE = 5.0  # seconds past the budget before the daemon kills the child (see above)

CHILD = module_command("gateway.runtime.processing", lean=True)  # + the socket's fd
Shunt = Callable[[int, str], None]  # (inbox id, reason): record a row killed with the child


class ChildDied(Ended):
    """The processing process ended while nobody asked it to (killed, or exited)."""


def _ended(process: subprocess.Popen[bytes]) -> str:
    """How a child ended, for the log: a signal by its name (9 is the OOM killer's)."""
    code = process.returncode
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            return f"the processing process {process.pid} was killed by signal {-code}"
        return f"the processing process {process.pid} was killed by signal {-code} ({name})"
    return f"the processing process {process.pid} exited with {code}"


class ProcessingProcess:
    """The daemon's handle on its processing child: start, wake, watch, stop."""

    def __init__(
        self,
        settings: Settings,
        tuning: Tuning,
        shunt: Shunt,
        command: Sequence[str] = CHILD,
        catalog_text: Callable[[], str | None] = lambda: None,
        stopping: threading.Event | None = None,
    ) -> None:
        """``command``: the child's argv before the socket's fd (a test's child is slow).
        ``catalog_text``: the catalog the daemon has in use when a child starts, which
        the child takes as it is (None: it reads the configured file). ``stopping``: the
        daemon's own stop, set by its signal handlers before its workers are told."""
        self._settings, self._tuning, self._shunt = settings, tuning, shunt
        self._catalog_text = catalog_text
        self._stopping = stopping
        self._command = tuple(command)
        self._budget = settings.limits.processing_budget.total_seconds()
        self._conn: Connection | None = None
        self._send_lock = threading.Lock()
        self._due: set[bytes] = set()  # wake-ups not yet forwarded
        self._due_changed = threading.Condition()
        self._interrupt: socket.socket | None = None  # written to end the watch's wait
        self._interrupt_lock = threading.Lock()  # not _send_lock: a send may be stuck
        self.ready = threading.Event()  # set once the first child said READY
        self.pids: list[int] = []  # every child started (status, tests)

    def wake_inbox(self) -> None:
        self._post(WAKE_INBOX)

    def wake_outbox(self) -> None:
        self._post(WAKE_OUTBOX)

    def reload_catalog(self) -> None:
        """The daemon took a new catalog: the child's runner files by a copy of its own,
        so it is sent the text the daemon took (not told to read the file, which may
        have changed again since)."""
        self._post(RELOAD_CATALOG)

    def interrupt(self) -> None:
        """The daemon is stopping (its Worker's stop is set): end the watch's and the
        forwarder's waits now, not at their next look (up to ``WATCH_INTERVAL`` each,
        which every stop of the daemon used to wait out)."""
        with self._interrupt_lock:
            if self._interrupt is not None:
                with contextlib.suppress(OSError):
                    self._interrupt.send(b"x")
        with self._due_changed:
            self._due_changed.notify_all()

    def _post(self, what: bytes) -> None:
        """Never blocks the caller (the inbox writer, an event loop): wake-ups are
        forwarded by a thread of their own, and many before it runs make one."""
        with self._due_changed:
            self._due.add(what)
            self._due_changed.notify()

    def _forward(self, done: threading.Event) -> None:
        while not done.is_set():
            with self._due_changed:
                self._due_changed.wait_for(lambda: bool(self._due) or done.is_set(), WATCH_INTERVAL)
                due, self._due = self._due, set()
            for what in sorted(due):
                if what == RELOAD_CATALOG:  # the text in use now, however many reloads ago
                    what += (self._catalog_text() or "").encode("utf-8")
                self._send(what)

    def run(self, stop: threading.Event) -> None:
        """A Worker body: start a child, watch it until ``stop``, then stop it; raise
        :class:`ChildDied` when it ends on its own (the Worker starts another)."""
        board = RowBoard.create()
        woken, waker = socket.socketpair()
        waker.setblocking(False)
        with self._interrupt_lock:
            self._interrupt = waker
        try:
            self._watch(board, stop, woken)
        finally:
            with self._interrupt_lock:
                self._interrupt = None
            woken.close()
            waker.close()
            board.close()

    def _watch(self, board: RowBoard, stop: threading.Event, woken: socket.socket) -> None:
        process, conn = self._start(board)
        watch, done = _RowWatch(board), threading.Event()
        forwarder = threading.Thread(
            target=self._forward, args=(done,), name="wake-forwarder", daemon=True
        )
        forwarder.start()
        try:
            self._await_ready(process, conn, stop, woken)
            while not stop.is_set():
                _wait(conn, WATCH_INTERVAL, woken)
                watch.look()
                if process.poll() is not None:
                    if self._stopping is not None and self._stopping.wait(STOPPING_GRACE):
                        stop.wait()  # the whole service is stopping: this worker is next
                        break
                    raise ChildDied(_ended(process))
                if (row := watch.overdue(self._budget + KILL_GRACE)) is not None:
                    self._kill(process, row)
        finally:
            done.set()
            with self._due_changed:
                self._due_changed.notify_all()
            forwarder.join(WATCH_INTERVAL * 2)  # a send to a hung child ends with its kill
            self._stop(process, conn)

    def _start(self, board: RowBoard) -> tuple[subprocess.Popen[bytes], Connection]:
        ours, theirs = socket.socketpair()
        command = [*self._command, str(theirs.fileno())]
        board.post(None)  # a killed child's row is not the new child's
        try:
            process = subprocess.Popen(  # started with SIGINT ignored, as Ctrl-C is ours
                command,
                pass_fds=[theirs.fileno(), board.fd],
                preexec_fn=sigint_ignored,  # one signal call after the fork: no lock taken
            )
        finally:
            theirs.close()
        conn = Connection(ours.detach())
        level = logging.getLogger().getEffectiveLevel()
        conn.send((self._settings, level, self._tuning, self._catalog_text(), board.fd))
        with self._send_lock:
            self._conn = conn
        self.pids.append(process.pid)
        return process, conn

    def _await_ready(
        self,
        process: subprocess.Popen[bytes],
        conn: Connection,
        stop: threading.Event,
        woken: socket.socket,
    ) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while not stop.is_set():
            with contextlib.suppress(EOFError, OSError):  # died before READY: said below
                ready = wait([conn, woken], WATCH_INTERVAL)
                if conn in ready and conn.recv_bytes() == READY:
                    self.ready.set()
                    log.info("processing process %s running", process.pid)
                    return
            if process.poll() is not None:
                if self._stopping is not None and self._stopping.wait(STOPPING_GRACE):
                    return  # the service's stop reached it while it started: run() sees it
                raise ChildDied(f"the processing process failed at start ({process.returncode})")
            if time.monotonic() > deadline:
                raise ChildDied(f"the processing process was not ready in {START_TIMEOUT:.0f}s")

    def _kill(self, process: subprocess.Popen[bytes], row: int) -> None:
        """The row outlived its budget: kill the child (its transaction rolls back),
        shunt the row so that no restart takes it again, and let the Worker restart."""
        process.kill()
        process.wait()
        reason = f"processing budget of {self._budget:g}s exceeded: killed with its process"
        log.error("inbox %s: %s", row, reason)
        self._shunt(row, reason)
        raise ChildDied(f"killed on inbox row {row}, over its budget")

    def _send(self, what: bytes) -> None:
        """Best effort: a child that is starting again processes every due row anyway."""
        with self._send_lock:
            if self._conn is not None:
                with contextlib.suppress(OSError, ValueError):
                    self._conn.send_bytes(what)

    def _stop(self, process: subprocess.Popen[bytes], conn: Connection) -> None:
        """QUIT, then the end of the socket; killed if it is still busy after the bound,
        or at once when a send to it is stuck (a hung child reads nothing)."""
        bound = CHILD_STOP_BOUND + 1.0
        if self._send_lock.acquire(timeout=WATCH_INTERVAL * 2):
            try:
                with contextlib.suppress(OSError, ValueError):
                    conn.send_bytes(QUIT)
                self._conn = None
            finally:
                self._send_lock.release()
        else:
            self._conn, bound = None, 0.0
        try:
            process.wait(bound)
        except subprocess.TimeoutExpired:
            log.error("processing process %s did not stop in time; killed", process.pid)
            process.kill()
            process.wait()
        conn.close()  # after the child ended: a send stuck on it fails now


def _wait(conn: Connection, timeout: float, woken: socket.socket) -> None:
    """Wait up to ``timeout`` for the child to say something, and read what it said:
    nothing is expected after READY, so this is the watch's sleep, cut short when
    the child's end of the socket closes (a dead child is noticed by poll()) or when
    ``woken`` is written to (:meth:`ProcessingProcess.interrupt`: the daemon stops)."""
    with contextlib.suppress(EOFError, OSError):
        while ready := wait([conn, woken], timeout):
            if woken in ready:
                return  # left readable: the loop sees its stop, any later wait ends at once
            timeout = 0.0
            conn.recv_bytes()


class _RowWatch:
    """Which row the child is on, and since when, as its board said at the last two
    looks (the daemon's monotonic clock: the watch measures real time spent,
    whatever the injected clock says)."""

    def __init__(self, board: RowBoard) -> None:
        self._board = board
        self._looks: list[tuple[int | None, float] | None] = [None, None]

    def look(self) -> None:
        self._looks = [self._looks[1], self._board.read()]

    def overdue(self, limit: float) -> int | None:
        """The row, when two looks in a row saw it started at the same time, more than
        ``limit`` seconds ago (one look could have been torn by a write; see the board)."""
        first, last = self._looks
        if last is None or first != last:
            return None
        row, since = last
        if row is not None and time.monotonic() - since > limit:
            return row
        return None


if __name__ == "__main__":  # the child: python -m gateway.runtime.processing FD
    from gateway.runtime.processing_child import main

    main(int(sys.argv[1]))
