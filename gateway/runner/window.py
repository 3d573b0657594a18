"""The rows of one drain, read and sent to the parse process a window ahead (issue #18).

:meth:`Runner.process_pending <gateway.runner.runner.Runner.process_pending>` in
the daemon processes rows while :class:`~gateway.runner.parse_pipe.ParsePipe`'s
process parses the next ones. This module keeps the two in step: it reads the
next rows' bytes (several in one transaction), submits them, and hands the rows
out in order, with a :data:`FLUSH` after at most :data:`FLUSH_EVERY` rows, or
sooner when the next row's parse is not in yet: the moment to process what was
handed out while the parses of the rows after it run, instead of waiting.

What it holds is bounded: at most :data:`WINDOW_ROWS` rows ahead and, once
:data:`WINDOW_BYTES` is reached, no further row is read until the window drains.
A row is never lost here: one whose bytes could not be read, or that is too big to
send, is handed out for the runner to read or parse itself, which reports what
went wrong as it always did.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Final, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from gateway.runner.parse_pipe import ParsePipe
from store import inbox
from store.db import transaction

# Policy: how far the reading and parsing run ahead of the runner. Its rows take
# about twice as long as their parses, so half a window processed leaves the process
# half a window to parse meanwhile.
WINDOW_ROWS = 32  # rows read and submitted ahead at most
WINDOW_BYTES = 4 << 20  # ... no further row is read while they hold this many bytes
FLUSH_EVERY = 16  # rows handed out between two FLUSHes (one group of the runner)
SEND_BELOW = 4 << 20  # a bigger row is parsed by the runner, from its slim copy


class Flush:
    """Process the rows handed out so far: the next ones are being parsed."""


FLUSH: Final = Flush()
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Flight:
    """A row of the window: its bytes, and the ticket of its parse when submitted."""

    inbox_id: int
    raw: bytes | None  # None: no longer pending (or not read: see ``read``)
    ticket: int | None = None  # None: the runner parses it itself
    read: bool = True  # False: reading it failed; the runner reads it alone


def ahead(
    pipe: ParsePipe,
    sessions: sessionmaker[Session],
    ids: Sequence[int],
    collect: Callable[[Flight], T],
) -> Iterator[tuple[int, T] | Flush]:
    """Each row of ``ids`` in order, as ``collect`` makes it of its flight (waiting
    for its parse), with :data:`FLUSH` after :data:`FLUSH_EVERY` rows, or before a
    row whose parse is not in yet. The parses of rows the caller did not take are
    forgotten."""
    window = _Window(pipe, sessions, ids)
    handed = 0
    try:
        while (head := window.pop()) is not None:
            if handed and (handed >= FLUSH_EVERY or not window.ready(head)):
                yield FLUSH  # rather than wait for this parse with rows in hand
                handed = 0
            yield head.inbox_id, collect(head)
            handed += 1
    finally:
        window.forget()


class _Window:
    def __init__(self, pipe: ParsePipe, sessions: sessionmaker[Session], ids: Sequence[int]):
        self._pipe, self._sessions = pipe, sessions
        self._ids = deque(ids)
        self._flight: deque[Flight] = deque()

    def pop(self) -> Flight | None:
        """The next row; the window is read ahead again once half of it went (and
        only while rows are left to read: an empty read cost a transaction a row)."""
        if self._ids and len(self._flight) <= WINDOW_ROWS // 2:
            self._top_up()
        return self._flight.popleft() if self._flight else None

    def ready(self, flight: Flight) -> bool:
        """Nothing to wait for: its parse is in, or it is not the process's."""
        return flight.ticket is None or self._pipe.done(flight.ticket)

    def _top_up(self) -> None:
        held = sum(len(f.raw or b"") for f in self._flight)
        read: list[tuple[int, bytes | None]] = []
        failed: int | None = None
        try:
            with transaction(self._sessions, read_only=True) as s:
                while self._ids and len(self._flight) + len(read) < WINDOW_ROWS:
                    if held >= WINDOW_BYTES:
                        break
                    raw = inbox.pending_raw(s, self._ids[0])
                    read.append((self._ids.popleft(), raw))
                    held += len(raw or b"")
        except Exception:  # noqa: BLE001 - the row is read again alone, which reports it
            failed = self._ids.popleft() if self._ids else None
        for inbox_id, raw in read:
            self._flight.append(Flight(inbox_id, raw, self._submit(raw)))
        if failed is not None:
            self._flight.append(Flight(failed, None, read=False))

    def _submit(self, raw: bytes | None) -> int | None:
        if raw is None or len(raw) >= SEND_BELOW:
            return None
        return self._pipe.submit(raw)  # None: no process now, the runner parses it

    def forget(self) -> None:
        self._pipe.forget([f.ticket for f in self._flight if f.ticket is not None])
        self._flight.clear()
