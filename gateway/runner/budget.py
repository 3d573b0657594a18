"""What one inbox row may cost: a time budget, and where its parse runs.

Issue #14: one 16 KB mail froze every thread of the daemon for 37 s. Two things
now stand between a hostile row and the rest of the daemon:

1. **Linear time.** Every pattern that reads message text is linear in it or
   bounds what it looks at, mail-parser is skipped for shapes beyond any real
   mail's, and multipart trees too deep to recurse are read flat; catalog
   regexes run under RE2. So no single step holds the GIL for long.
2. **A budget per row** (``[limits] processing_budget``, 30 s by default),
   enforced two ways:

   * *cooperatively*, between the stages of the chain: :class:`Deadline` is
     checked before each stage, and a row past its budget raises
     :class:`~gateway.core.errors.BudgetExceeded`, which the disposition map
     turns into a shunted row with the reason (the transaction rolls back:
     nothing of it is half-written);
   * *pre-emptively* for the one stage whose cost grows with the bytes and rests
     on libraries we do not control, parsing: a row of ``isolate_above`` bytes or
     more, or of a hostile shape (:func:`~gateway.pipeline.parse.load.hostile_shape`),
     is parsed in a worker process (:mod:`.parse_worker`) that is killed when the
     row's budget runs out. Meanwhile the runner's thread waits on a pipe, so the
     listener, the pollers and the watchdog run on.

Why this shape, with issue #18 in mind (parsing and the pure stages moving into
worker processes for speed): parsing is pure — bytes in, a frozen
``ParsedMessage`` out — so *where* it runs changes nothing, and
:class:`RowParser` is the seam. #18 can send every row to a pool of workers with
the same timeout and kill-on-overrun; the cooperative checks between stages stay
valid wherever the stages run, because the deadline is a value (a start and a
limit read through the injected clock), not a thread or a signal. A signal-based
timeout was rejected: it works only in the main thread, and cannot interrupt C
code that holds the GIL anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from gateway.core.clock import Clock
from gateway.core.errors import BudgetExceeded, WorkerDied
from gateway.core.model import ParsedMessage
from gateway.pipeline.parse.load import hostile_shape
from gateway.pipeline.parse.message import parse_message
from gateway.runner.parse_pipe import ParsePipe
from gateway.runner.parse_worker import ParseWorker

INLINE_WAIT = 30.0  # seconds for a parse ahead when the caller gave no deadline


@dataclass(frozen=True, slots=True)
class Deadline:
    """A row's budget: when it started and how long it may take, on the injected clock."""

    clock: Clock
    started: datetime
    limit: timedelta

    @classmethod
    def start(cls, clock: Clock, limit: timedelta) -> Deadline:
        return cls(clock, clock.now(), limit)

    def left(self) -> float:
        return (self.limit - (self.clock.now() - self.started)).total_seconds()

    def check(self, done: str, next_stage: str = "") -> None:
        """Raise BudgetExceeded when the budget is spent (``done``: the stage that ran)."""
        spent = self.clock.now() - self.started
        if spent > self.limit:
            then = f", before {next_stage!r}" if next_stage else ""
            raise BudgetExceeded(
                f"processing budget of {self.limit.total_seconds():g}s exceeded: "
                f"{spent.total_seconds():.1f}s after stage {done!r}{then}"
            )


class RowParser:
    """Parses small, ordinary rows inline and the rest in a killable worker process;
    or, with a :class:`~gateway.runner.parse_pipe.ParsePipe`, takes the parses it was
    given ahead (the daemon's processing process)."""

    def __init__(
        self,
        isolate_above: int,
        worker: ParseWorker | None = None,
        *,
        isolating: bool = True,
        pipe: ParsePipe | None = None,
    ) -> None:
        self.isolate_above = isolate_above
        self._worker = worker
        self._isolating = isolating
        self.pipe = pipe

    @classmethod
    def inline(cls) -> RowParser:
        """Every row parsed in this process, before its transaction: for the daemon's
        processing process, which is itself what the budget kills
        (:mod:`gateway.runtime.processing`)."""
        return cls(0, isolating=False)

    @classmethod
    def piped(cls, pipe: ParsePipe) -> RowParser:
        """As :meth:`inline`, with the rows' parses made ahead in ``pipe``'s process
        (:meth:`Runner.process_pending` submits them): what the pipe cannot answer,
        because its process died, is parsed inline."""
        return cls(0, isolating=False, pipe=pipe)

    def parse(
        self, raw: bytes, deadline: Deadline | None, ticket: int | None = None
    ) -> ParsedMessage:
        """``ticket``: the parse of ``raw`` submitted to :attr:`pipe`; waited for at
        most the rest of ``deadline`` (past it, BudgetExceeded)."""
        if ticket is not None and self.pipe is not None:
            try:
                return self.pipe.result(ticket, deadline.left() if deadline else INLINE_WAIT)
            except WorkerDied:
                pass  # the process died under another row: this one is parsed here
        if deadline is None or not self.isolates(raw):
            return parse_message(raw)
        if self._worker is None:
            self._worker = ParseWorker()
        return self._worker.parse(raw, deadline.left())

    def isolates(self, raw: bytes) -> bool:
        if not self._isolating:
            return False
        return len(raw) >= self.isolate_above or bool(hostile_shape(raw))

    def close(self) -> None:
        if self._worker is not None:
            self._worker.close()
        if self.pipe is not None:
            self.pipe.close()
