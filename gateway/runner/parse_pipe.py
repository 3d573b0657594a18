"""The daemon's parses, made ahead in one lean process beside the runner (issue #18).

In the daemon's processing process the runner's thread spent about 40 % of its
CPU parsing (py-spy with ``--gil`` under ``bench/smtp.py --daemon``), on the same
interpreter lock as the stages. Parsing is pure (bytes in, a frozen
``ParsedMessage`` out), so the runner hands the rows it is about to process to
this process, a few ahead, and works through the earlier ones meanwhile: on two
cores the parses run beside the stages instead of before them.

Why its own small process, not :mod:`gateway.receive.parse_ahead`'s pool: the
daemon's processes must stay under 200 MB together, and a pool brings a
forkserver and a resource tracker (about 35 MB) besides its worker. This one is
a plain interpreter importing the parser alone (about 25 MB once it has parsed
a few thousand messages), fed over its stdin and answering on its stdout, in order.

What it keeps of the budget (issue #14): a caller waits for a result at most
what is left of the row's budget; a parse that takes longer is killed with the
process (:class:`~gateway.core.errors.BudgetExceeded`, the row is shunted), and
the parses that were queued behind it fail with :class:`WorkerDied`, which the
caller answers by parsing those rows itself. A process that dies is started
again on the next :meth:`ParsePipe.submit`, unless it died young (it cannot
start): then the caller parses every row itself for :data:`REST` seconds, and the
log says so. Not when the service's own stop ended it: systemd sends SIGTERM to
every process of the unit, so the parse process often dies of it before the
processing process closes the pipe; saying then that its rows are parsed in
this one read as a crash in the journal of every stop.

Two threads per process carry the bytes, so the runner never blocks on a pipe:
one writes what was submitted, one reads the answers. Without them a runner
writing ahead while the process waits to write a big answer would deadlock.
"""

from __future__ import annotations

import contextlib
import logging
import pickle
import queue
import signal
import struct
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import IO

if __name__ == "__main__":
    from gateway.core.dumps import forbid_dumps

    forbid_dumps()  # exec made it dumpable again: see gateway.core.dumps

from gateway.core.errors import BudgetExceeded, WorkerDied
from gateway.core.model import ParsedMessage
from gateway.core.resources import module_command, sigint_ignored
from gateway.pipeline.parse.message import parse_message

COMMAND = module_command("gateway.runner.parse_pipe")  # the daemon adds its memory set-up
JOIN_BOUND = 5.0  # seconds for a killed process's threads to end
DIED_YOUNG = 5.0  # seconds: a process that ends sooner on its own cannot start ...
REST = 60.0  # ... and none is started for this long (the runner parses meanwhile)
# A process ended by one of these while its owner was told to stop within this many
# seconds ended by the service's stop (its signal reaches the whole group at once):
STOPPING_GRACE = 2.0
BY_THE_STOP = frozenset(
    {
        -signal.SIGTERM,  # systemd's stop and restart (KillMode=control-group)
        -signal.SIGINT,  # Ctrl-C to a terminal's job (ours ignores it; a command given may not)
    }
)
_FRAME = struct.Struct("!Q")  # the length of what follows
# No message the listener takes (max_message_size) pickles to more than this: a longer
# length is bytes out of step (text, or the middle of a pickle), never a frame to wait for.
MAX_FRAME = 1 << 34
_STOP = None  # the writer's last item: close the process's stdin
log = logging.getLogger("gateway.runner")
_Answer = Callable[[int, "ParsedMessage | BaseException"], None]  # (ticket, parse or failure)


class ParsePipe:
    """Parses submitted in order and collected by their ticket, from one process."""

    def __init__(
        self, command: Sequence[str] = COMMAND, stopping: threading.Event | None = None
    ) -> None:
        """``stopping``: the owner's stop, set by its signal handlers (the processing
        process's), so that a process the same signal ended is not said as a death."""
        self._command = tuple(command)
        self._stopping = stopping
        self._changed = threading.Condition()
        self._results: dict[int, ParsedMessage | BaseException] = {}
        self._dropped: set[int] = set()  # forgotten before their answer came
        self._next = 0
        self._worker: _Worker | None = None
        self._resting_until = 0.0  # monotonic: no process is started before then
        self.started: list[int] = []  # pids of the processes started so far (tests)

    def start(self) -> None:
        """Start the process now rather than at the first row: the daemon's processing
        process calls it as it starts, so the first mail after a start does not wait
        for the parser's imports (about a second on a loaded machine, more where the
        installation's compiled modules are missing) on top of its own processing."""
        self._running()

    def submit(self, raw: bytes) -> int | None:
        """A ticket for the parse of ``raw``; the process starts if none runs. None
        (the caller parses it) while the pipe rests after a process died young."""
        worker = self._running()
        if worker is None:
            return None
        with self._changed:
            ticket, self._next = self._next, self._next + 1
        worker.send(ticket, raw)
        return ticket

    def _running(self) -> _Worker | None:
        """The live process, started if none runs; None while the pipe rests."""
        worker = self._worker
        if worker is None or not worker.alive():
            if time.monotonic() < self._resting_until:
                return None
            try:
                worker = self._worker = _Worker(self._command, self._answer, self._ended)
            except OSError as exc:
                log.warning("no parse process (%s); rows are parsed in this one", exc)
                self._resting_until = time.monotonic() + REST
                return None
            self.started.append(worker.pid)
        return worker

    def done(self, ticket: int) -> bool:
        """The answer for ``ticket`` is in (a result or a failure): :meth:`result`
        returns at once."""
        with self._changed:
            return ticket in self._results

    def result(self, ticket: int, timeout: float) -> ParsedMessage:
        """The parse, waiting at most ``timeout`` seconds; then the process is killed
        and BudgetExceeded raised. WorkerDied when the process died meanwhile."""
        with self._changed:
            if not self._changed.wait_for(lambda: ticket in self._results, max(timeout, 0.0)):
                self._results[ticket] = BudgetExceeded(
                    f"parsing took longer than the {max(timeout, 0.0):.1f}s left"
                )
                killing = self._worker
            else:
                killing = None
        if killing is not None:  # its reader fails the rest of its tickets
            killing.kill()
        with self._changed:
            found = self._results.pop(ticket)
        if isinstance(found, BaseException):
            raise found
        return found

    def forget(self, tickets: Sequence[int]) -> None:
        """Answers nobody will collect (the caller gave up on those rows)."""
        with self._changed:
            for ticket in tickets:
                if self._results.pop(ticket, None) is None:  # its answer is still to come
                    self._dropped.add(ticket)

    def _ended(self, worker: _Worker, lived: float) -> None:
        """A process ended that was not killed here: when it died young (it cannot
        start: a broken install), none is started for a while; said in the log unless
        the service's stop ended it (on the reader's thread, which ends after this, so
        waiting for the owner's stop to be seen holds up nothing)."""
        if lived < DIED_YOUNG:
            self._resting_until = time.monotonic() + REST
        code = worker.returncode
        if code in BY_THE_STOP and self._stopping and self._stopping.wait(STOPPING_GRACE):
            log.debug("parse process %s ended by the service's stop (exit %s)", worker.pid, code)
            return
        log.log(
            logging.INFO if code == -signal.SIGTERM else logging.WARNING,  # a kill: not a crash
            "parse process %s ended after %.1fs (exit %s); its rows are parsed in this one",
            worker.pid,
            lived,
            code,
        )

    def held(self) -> int:
        """Answers waiting to be collected, and forgotten ones still to come."""
        with self._changed:
            return len(self._results) + len(self._dropped)

    def _answer(self, ticket: int, found: ParsedMessage | BaseException) -> None:
        with self._changed:
            if ticket in self._dropped:
                self._dropped.discard(ticket)
                return
            self._results.setdefault(ticket, found)  # a timeout's verdict stands
            self._changed.notify_all()

    def close(self) -> None:
        if self._worker is not None:
            self._worker.kill()
            self._worker = None


class _Worker:
    """One parse process and the two threads that carry its bytes."""

    def __init__(
        self, command: tuple[str, ...], answer: _Answer, ended: Callable[[_Worker, float], None]
    ) -> None:
        self._began = time.monotonic()
        self._process = subprocess.Popen(  # our own interpreter and module
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
            preexec_fn=sigint_ignored,  # one signal call after the fork: no lock taken
        )
        self.pid = self._process.pid
        self._outgoing: queue.SimpleQueue[tuple[int, bytes] | None] = queue.SimpleQueue()
        self._waiting: deque[int] = deque()  # tickets sent, in order, not yet answered
        self._lock = threading.Lock()
        self._answer, self._ended = answer, ended
        self._over = False  # the reader is done: nothing sent now would be answered
        self._killed = False
        assert self._process.stdin is not None and self._process.stdout is not None
        carriers = ((self._write, self._process.stdin), (self._read, self._process.stdout))
        self._threads = [
            threading.Thread(target=target, args=(stream,), name="parse-pipe", daemon=True)
            for target, stream in carriers
        ]
        for thread in self._threads:
            thread.start()

    def alive(self) -> bool:
        return self._process.poll() is None

    @property
    def returncode(self) -> int | None:
        return self._process.returncode

    def send(self, ticket: int, raw: bytes) -> None:
        with self._lock:
            over = self._over
            if not over:
                self._waiting.append(ticket)
        if over:  # it ended since alive() said otherwise
            self._answer(ticket, WorkerDied("the parse process ended"))
            return
        self._outgoing.put((ticket, raw))

    def kill(self) -> None:
        """Kill the process; its threads end (and close its pipes) with it."""
        self._killed = True
        self._outgoing.put(_STOP)
        self._process.kill()
        self._process.wait()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(JOIN_BOUND)

    def _write(self, stream: IO[bytes]) -> None:
        try:
            while (item := self._outgoing.get()) is not _STOP:
                _ticket, raw = item
                stream.write(_FRAME.pack(len(raw)))
                stream.write(raw)
                stream.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass  # the process is gone: the reader fails what it was sent
        finally:
            with contextlib.suppress(OSError):
                stream.close()

    def _read(self, stream: IO[bytes]) -> None:
        try:
            while True:
                try:
                    found = _read_frame(stream)
                except (FrameError, MemoryError) as exc:
                    # its answers can no longer be told apart: waiting for the rest
                    # would hold every row behind it until its budget ran out
                    log.warning("parse process %s answered out of step (%s)", self.pid, exc)
                    self._process.kill()
                    break
                if found is None:
                    break
                with self._lock:
                    ticket = self._waiting.popleft()
                self._answer(ticket, _loaded(found))
        finally:
            with contextlib.suppress(OSError):
                stream.close()
            self._process.wait()
            why = WorkerDied(f"the parse process ended (exit {self._process.returncode})")
            with self._lock:
                left, self._waiting, self._over = list(self._waiting), deque(), True
            for ticket in left:
                self._answer(ticket, why)
            self._outgoing.put(_STOP)  # the writer ends too
            if not self._killed:
                self._ended(self, time.monotonic() - self._began)


def _loaded(data: bytes) -> ParsedMessage | BaseException:
    try:
        found = pickle.loads(data)  # from our own child, over its pipe
    except Exception as exc:  # noqa: BLE001 - a bad answer fails this row alone
        return WorkerDied(f"the parse process answered what does not load: {exc}")
    if isinstance(found, ParsedMessage | BaseException):
        return found
    return WorkerDied(f"the parse process answered a {type(found).__name__}")


class FrameError(ValueError):
    """A length no frame has: the stream is out of step."""


def _read_frame(stream: IO[bytes]) -> bytes | None:
    head = stream.read(_FRAME.size)
    if len(head) < _FRAME.size:
        return None
    (size,) = _FRAME.unpack(head)
    if size > MAX_FRAME:
        raise FrameError(f"a frame of {size} bytes announced")
    body = stream.read(size)
    return body if len(body) == size else None


def serve(stdin: IO[bytes], stdout: IO[bytes]) -> None:
    """The process: parse each message read, answer in order, until stdin ends.
    parse_message never raises by contract; should it, the failure is the answer
    (the runner shunts that row, as it would have parsing it itself)."""
    while (raw := _request(stdin)) is not None:
        try:
            answer: ParsedMessage | BaseException = parse_message(raw)
        except Exception as exc:  # noqa: BLE001 - reported to the runner, row by row
            answer = RuntimeError(f"parser failed: {type(exc).__name__}: {exc}")
        data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        del raw, answer  # not held while the next message is read
        stdout.write(_FRAME.pack(len(data)))
        stdout.write(data)
        stdout.flush()
        del data


def _request(stdin: IO[bytes]) -> bytes | None:
    """The next message; a request out of step ends the process (the runner parses
    what it sent, and starts another)."""
    try:
        return _read_frame(stdin)
    except FrameError as exc:
        print(f"parse process: a request out of step ({exc})", file=sys.stderr)
        return None


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
