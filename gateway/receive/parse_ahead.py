"""Parse ahead in worker processes while the main process stores and threads.

A bulk ``ingest`` of a folder spends as long parsing as it does in the
database; parsing is pure (bytes in, a frozen ParsedMessage out), so it can run
on the other cores while this process works through the previous messages.
On a one-core machine, or for a handful of messages, nothing is started and
the runner parses inline as always.

The workers come from a ``forkserver`` with only the parser preloaded (as the
runner's own parse worker does, :mod:`gateway.runner.parse_worker`), not forked
from this process: a forked worker started life as a copy of everything this
one held by then (SQLAlchemy, the catalog, the first chunk of raw mail), so it
was as big as the ingest itself before it parsed anything, and it was the peak
RSS of a batch ingest (issue #18: under 100 MB on the bench's 2 000 messages).

Small messages travel in batches (:meth:`ParseAhead.submit_many`): one task of up
to :data:`BATCH_MESSAGES` messages or :data:`BATCH_BYTES`, one pickled reply. With
a task per message, the pool's bookkeeping (its queue feeder and result threads,
a future and a wake-up per message) cost this process about 0.2 ms of its one
interpreter lock per message, a tenth of what the runner spends on a row; in
batches, a third of that (bench/ingest.py, issue #18).

A message under :data:`SEND_WHOLE_BELOW` is sent whole and the worker makes its
slim copy itself, as it parses; this process is the one the ingest waits for, and
hashing the base64 parts here was a thirtieth of its work (issue #18). A bigger
message with big base64 parts is sent as its slim copy
(:func:`~gateway.pipeline.parse.message.prepare`): the parts are hashed here, a
chunk at a time, and the worker gets kilobytes instead of a pickled copy of
megabytes (a 25 MB attachment made the worker the biggest process of the run).
If the slim copy cannot stand for the whole, the worker answers None and the
runner parses the raw bytes this process holds anyway. A big message file that
was stored without being read (:mod:`gateway.receive.bulk`) is slimmed from its
row and sent the same way (:meth:`ParseAhead.submit_prepared`); should that slim
copy not stand, the runner reads the whole from the row.

Given the catalog in use (:meth:`ParseAhead.foresee_for`), workers also work out
what the pure stages will decide about each message they parsed
(:mod:`gateway.runner.foresight`), when there are enough of them to have time to
spare; the main process has none.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import CancelledError, Future, InvalidStateError, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from gateway.core.dumps_tracker import start_tracker
from gateway.core.model import ParsedMessage
from gateway.pipeline.parse.message import SlimMessage, parse_prepared, prepare

if TYPE_CHECKING:  # a worker that is not asked to foresee never imports the catalog
    from gateway.catalog.load import CatalogRef
    from gateway.runner.foresight import Foresight

MIN_MESSAGES = 16  # below this, starting workers costs more than it saves
BIG_FILE = 1 << 20  # a named file this big (an mbox, most likely) is worth workers alone
# what a worker needs: the parser (and this), in a forkserver made non-dumpable first
_PRELOAD = ["gateway.core.dumps_forbidden", "gateway.receive.parse_ahead"]
# Policy: a message below this size goes to the worker whole (one copy through the
# pipe, and the worker slims it); from this size on this process sends its slim copy,
# so that no worker ever holds a copy of a big attachment.
SEND_WHOLE_BELOW = 4 << 20
# Policy: workers foresee only when there are at least this many. One worker (a
# 2-core machine) is about as busy parsing as the main process is processing, and
# giving it the foresight too made bench/ingest.py slower, not faster: the main
# process waited for it. Each worker more adds a core's time to spare.
FORESEE_WITH = 2
# Policy: small messages go to a worker this many at a time, or fewer once a batch holds
# BATCH_BYTES: fewer tasks for the pool to carry (see above), and a worker never holds
# more than about a megabyte of mail it has not parsed yet. The runner waits for a
# whole batch before its first row, so a batch stays a few milliseconds of parsing.
BATCH_MESSAGES = 8
BATCH_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class Ahead:
    """A message parsed by a worker, with what the pure stages will decide about it
    when the worker could load the catalog."""

    parsed: ParsedMessage
    foresight: Foresight | None = None


class ParseAhead:
    def __init__(self, workers: int | None = None) -> None:
        count = (os.cpu_count() or 1) - 1 if workers is None else workers
        self.workers = count
        self.catalog: CatalogRef | None = None  # the catalog in use: workers foresee for it
        self._pool = None
        if count > 0:
            start_tracker()  # non-dumpable, before the forkserver asks for one
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(_PRELOAD)
            self._pool = ProcessPoolExecutor(max_workers=count, mp_context=context)

    @classmethod
    def started(cls, specs: Sequence[str]) -> ParseAhead:
        """Workers for an ingest of ``specs`` when it has many messages (none for a piped
        message or a few files), started now: the command calls this before it imports
        the runner and opens the database, so the forkserver's start (a new interpreter
        importing the parser) runs meanwhile instead of holding up the first parses."""
        ahead = cls() if many_messages(specs) else cls(workers=0)
        if ahead._pool is not None:
            ahead._pool.submit(os.getpid)  # any call: it makes the pool start its worker
        return ahead

    def foresee_for(self, catalog: CatalogRef | None) -> None:
        """Foresee for ``catalog`` (the one in use) if there are workers enough."""
        self.catalog = catalog if self.workers >= FORESEE_WITH else None

    def submit(self, raw: bytes) -> Future[Ahead | None] | None:
        """A future parse of ``raw``, or None when the runner should parse it itself
        (no workers, or they died: the rest of the ingest parses inline)."""
        if self._pool is None:
            return None
        sent = raw if len(raw) < SEND_WHOLE_BELOW else prepare(raw)
        try:
            return self._pool.submit(_parse_and_foresee, sent, self.catalog)
        except BrokenProcessPool:
            self.close()
            self._pool = None
            return None

    def submit_many(self, raws: Sequence[bytes]) -> list[Future[Ahead | None] | None]:
        """Future parses of ``raws``, in their order (each as :meth:`submit` gives it):
        the small ones in batches, one task each; a big one alone, as its slim copy."""
        found: list[Future[Ahead | None] | None] = []
        batch: list[bytes] = []
        held = 0
        for raw in raws:
            if self._pool is None or len(raw) >= SEND_WHOLE_BELOW:
                found += self._submit_batch(batch)
                batch, held = [], 0
                found.append(self.submit(raw))
                continue
            batch.append(raw)
            held += len(raw)
            if len(batch) >= BATCH_MESSAGES or held >= BATCH_BYTES:
                found += self._submit_batch(batch)
                batch, held = [], 0
        return found + self._submit_batch(batch)

    def _submit_batch(self, raws: list[bytes]) -> list[Future[Ahead | None] | None]:
        if len(raws) < 2 or self._pool is None:
            return [self.submit(raw) for raw in raws]
        try:
            whole = self._pool.submit(_parse_batch, raws, self.catalog)
        except BrokenProcessPool:
            self.close()
            self._pool = None
            return [None for _ in raws]
        each: list[Future[Ahead | None]] = [Future() for _ in raws]
        whole.add_done_callback(lambda done: _hand_out(done, each))
        return list(each)

    def submit_prepared(
        self, prepared: SlimMessage, *, or_inline: bool
    ) -> Future[Ahead | None] | None:
        """A future parse of a slim copy made here already (a big stored message, slimmed
        from its blob). Without workers: parsed at once when ``or_inline`` (the
        runner would parse something that small inline too), else None (the runner
        parses the whole, which it then reads)."""
        if self._pool is not None:
            try:
                return self._pool.submit(_parse_and_foresee, prepared, self.catalog)
            except BrokenProcessPool:
                self.close()
                self._pool = None
        if not or_inline:
            return None
        done: Future[Ahead | None] = Future()
        parsed = parse_prepared(prepared)
        done.set_result(Ahead(parsed) if parsed is not None else None)
        return done

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ParseAhead:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _parse_and_foresee(prepared: bytes | SlimMessage, catalog: CatalogRef | None) -> Ahead | None:
    """In a worker: the parse, and the foresight when ``catalog`` loads as the one the
    main process uses. A foresight that fails is left out: the stages then decide as
    they always do, and say what went wrong."""
    parsed = parse_prepared(prepared)
    if parsed is None or catalog is None:
        return Ahead(parsed) if parsed is not None else None
    from gateway.catalog.load import load_ref
    from gateway.runner.foresight import foresee

    try:
        found = load_ref(catalog)
        return Ahead(parsed, foresee(found, parsed) if found is not None else None)
    except Exception:  # noqa: BLE001 - the runner meets the same input and reports it
        return Ahead(parsed)


def _parse_batch(raws: list[bytes], catalog: CatalogRef | None) -> list[Ahead | None]:
    """In a worker: :func:`_parse_and_foresee` of each, in order."""
    return [_parse_and_foresee(raw, catalog) for raw in raws]


def _hand_out(whole: Future[list[Ahead | None]], each: list[Future[Ahead | None]]) -> None:
    """A batch's results (or its failure: a dead worker) to the futures of its messages;
    one the runner gave up waiting for (cancelled) is left as it is."""
    failed = CancelledError() if whole.cancelled() else whole.exception()
    for n, future in enumerate(each):
        try:
            if failed is None:
                future.set_result(whole.result()[n])
            else:
                future.set_exception(failed)
        except InvalidStateError:  # cancelled meanwhile: the runner parses it inline
            pass


def result_or_none(
    future: Future[Ahead | None] | None, timeout: float | None = None
) -> Ahead | None:
    """The parse, or None (the runner parses again, and shunts if it really fails;
    a slim copy that could not stand for the whole is parsed again too).

    ``timeout``: the row's processing budget. A parse ahead that outlives it is left
    behind, and the runner parses the row itself under its budget (in its killable
    worker when the row is big or hostile), so a hostile row in a folder is shunted
    instead of holding the whole ingest (issue #14)."""
    if future is None:
        return None
    try:
        return future.result(timeout)
    except TimeoutError:
        future.cancel()
        return None
    except Exception:  # noqa: BLE001 - a dead worker must not lose the message
        return None


def many_messages(specs: Sequence[str]) -> bool:
    """Worth starting workers: a folder or a big file (an mbox), or many files, not one
    piped message."""
    return len(specs) >= MIN_MESSAGES or any(
        Path(s).is_dir() or (Path(s).is_file() and Path(s).stat().st_size > BIG_FILE)
        for s in specs
        if s != "-"
    )
