"""Parsing in a child process that can be killed: a hard bound on what parsing may cost.

Our text work is linear (issue #14), but the parser stands on the stdlib's
``email`` and on mail-parser, and a future shape of hostile mail may find a slow
path in either. A row that is big or looks hostile is therefore parsed here: the
runner's thread waits on a pipe (holding neither the GIL nor the event loop, so
the listener, the pollers and the watchdog run on), and a parse that outlives the
row's budget is killed with its process and the row shunted.

One long-lived worker, started on first use from a ``forkserver`` (a clean,
single-threaded parent with the parser preloaded: a child of our threaded daemon
could inherit a lock held by another thread), replaced when it is killed or dies.
Issue #18 will hand every row to a pool of such workers; this class is the seam.

A row with big base64 parts goes over as its slim copy
(:func:`~gateway.pipeline.parse.message.prepare`), so the pipe carries kilobytes,
not a second copy of the message; only if that copy cannot stand for the whole
does the raw row follow, within what is left of the same budget.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from gateway.core.dumps_tracker import start_tracker
from gateway.core.errors import BudgetExceeded, WorkerDied
from gateway.core.model import ParsedMessage
from gateway.pipeline.parse.message import SlimMessage, parse_message, parse_prepared, prepare

Parse = Callable[[bytes], ParsedMessage]
# the forkserver (and so each worker it forks) is made non-dumpable first
_PRELOAD = ["gateway.core.dumps_forbidden", "gateway.pipeline.parse.message"]
_RAW = b"raw"  # announces raw bytes (send_bytes: no pickled copy of a big row)
_SLIM = b"slim"  # announces a pickled SlimMessage; the answer may be None


class ParseWorker:
    def __init__(self, parse: Parse = parse_message) -> None:
        self._parse = parse  # module-level, so the child can import it
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        self.started: list[int] = []  # pids of the workers started so far (status, tests)

    def parse(self, raw: bytes, timeout: float) -> ParsedMessage:
        """The parse of ``raw``, or BudgetExceeded after ``timeout`` seconds."""
        prepared = prepare(raw)
        if isinstance(prepared, SlimMessage):
            started = time.monotonic()
            parsed = self._ask(_SLIM, prepared, timeout)
            if parsed is not None:
                return parsed
            timeout -= time.monotonic() - started
        parsed = self._ask(_RAW, raw, timeout)
        if parsed is None:
            self.close()
            raise WorkerDied("the parser worker answered None for a raw row")
        return parsed

    def _ask(self, kind: bytes, what: bytes | SlimMessage, timeout: float) -> ParsedMessage | None:
        conn = self._connection()
        try:
            conn.send_bytes(kind)
            if isinstance(what, bytes):
                conn.send_bytes(what)
            else:
                conn.send(what)
            if not conn.poll(max(timeout, 0.0)):
                self.close()
                raise BudgetExceeded(f"parsing took longer than the {timeout:.1f}s left")
            result = conn.recv()
        except (EOFError, OSError) as exc:
            self.close()
            raise WorkerDied(f"the parser worker died ({type(exc).__name__})") from None
        if not isinstance(result, ParsedMessage) and not (kind == _SLIM and result is None):
            self.close()
            raise WorkerDied(f"the parser worker answered {type(result).__name__}")
        return result

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def close(self) -> None:
        """Kill the worker (a later parse starts a new one)."""
        if self._conn is not None:
            self._conn.close()
        if self._process is not None:
            self._process.kill()
            self._process.join(5)
        self._process, self._conn = None, None

    def _connection(self) -> Connection:
        if self._conn is None or self._process is None or not self._process.is_alive():
            self.close()
            start_tracker()  # non-dumpable, before the forkserver asks for one
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(_PRELOAD)
            ours, theirs = context.Pipe()
            process = context.Process(
                target=_serve, args=(theirs, self._parse), name="parse-worker", daemon=True
            )
            process.start()
            theirs.close()
            self.started.append(process.pid or 0)
            self._process, self._conn = process, ours
        return self._conn


def _serve(conn: Connection, parse: Parse) -> None:
    """The child: parse what arrives until the parent hangs up."""
    while True:
        try:
            kind = conn.recv_bytes()
            what = conn.recv_bytes() if kind == _RAW else conn.recv()
        except (EOFError, OSError):
            return
        conn.send(parse(what) if isinstance(what, bytes) else parse_prepared(what))
