"""Group commit of accepted mail into the inbox table, off the event loop.

SMTP may only answer ``250`` after the raw message is committed (DESIGN.md,
rule 1). Committing on the event loop would stall every other session for the
length of one commit, and one commit per message caps the rate at the
database's commit rate. So sessions hand their message to this one writer
thread and wait on a future; the thread takes whatever is queued, writes it all
in ONE transaction, and resolves every waiter after the commit. Under load a
commit carries many messages; idle, it carries one with no added delay.

A resend of the same bytes is answered ``250`` and stored once. Other bytes under a
Message-ID already in the inbox are stored: a relay's copy of the same mail is then
ignored by the runner as a duplicate (same sender and subject), and another mail that
reused the id (a device numbering every mail ``<1@localhost>``) is not lost at the door,
where the contract's ``RESEND`` rule answered it ``250`` and stored nothing.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from contextlib import AbstractContextManager
from dataclasses import dataclass

from gateway.core.clock import Clock
from gateway.core.counted import counted
from gateway.core.errors import TransientError
from store.accept.contract import BYTES_ONLY, InboxAcceptor, Incoming

log = logging.getLogger("gateway.receive.writer")

MAX_BATCH = 256  # messages in one transaction: bounds how long its write lock is held
MAX_BATCH_BYTES = 64 * 2**20  # and its size, when large messages arrive together


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message as it arrived, with the envelope the sender gave."""

    raw: bytes
    envelope_from: str | None
    envelope_to: tuple[str, ...]
    source: str = "smtp"  # smtp | lmtp
    source_ref: str = ""  # the peer, for the operator
    untrusted_peer: bool = False  # outside trusted_networks, not logged in: its AR prove nothing


@dataclass(frozen=True, slots=True)
class Stored:
    inbox_id: int
    duplicate: bool  # already stored (same bytes or same Message-ID): nothing written


_Item = tuple[Delivery, "Future[Stored]"]
_STOP = None


class InboxWriter:
    """A thread that commits deliveries in batches and resolves their futures.

    Every future ends either with a :class:`Stored` (committed) or with an
    exception: :class:`TransientError` when the database is locked or gone, so
    the session answers ``451`` and the sender retries.
    """

    def __init__(
        self,
        inbox: InboxAcceptor,
        clock: Clock,
        *,
        on_stored: Callable[[], None] | None = None,
        max_batch: int = MAX_BATCH,
    ) -> None:
        """``inbox``: the backend for the database (``store.accept.generic.open_inbox``);
        on SQLite the stdlib one, whose per-batch cost is a fraction of SQLAlchemy's.
        The writer owns it from here and closes it when its thread ends."""
        self._inbox = inbox
        self._clock = clock
        self._on_stored = on_stored
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name="inbox-writer", daemon=True)
        self._closed = threading.Event()
        self._submit_lock = threading.Lock()
        self.commits = 0  # transactions committed, and the deliveries they carried:
        self.deliveries = 0  # their ratio is the group-commit factor the bench reports

    @property
    def clock(self) -> Clock:
        """The clock the writer stamps arrivals with: the listener's too (its AUTH brake)."""
        return self._clock

    def start(self) -> None:
        self._thread.start()

    def expecting(self) -> AbstractContextManager[None]:
        """Held by an SMTP session from DATA to its reply: on SQLite the runner then
        finishes its row while the bytes come in, not after (store.turnstile)."""
        return self._inbox.expecting()

    def submit(self, delivery: Delivery) -> Future[Stored]:
        """Queue ``delivery``; the future resolves after its commit (or failure)."""
        future: Future[Stored] = Future()
        with self._submit_lock:
            if self._closed.is_set():
                future.set_exception(TransientError("shutting down"))
            else:
                self._queue.put((delivery, future))
        return future

    def alive(self) -> bool:
        """For the watchdog: a dead writer means every SMTP delivery would hang."""
        return self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> bool:
        """Write what is queued, then end the thread; False if it did not end in time."""
        with self._submit_lock:
            if not self._closed.is_set():
                self._closed.set()
                self._queue.put(_STOP)
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    def _loop(self) -> None:
        stopping = False
        try:
            while not stopping:
                batch, stopping = self._take()
                if batch:
                    self._commit(batch)
        finally:
            self._inbox.close()

    def _take(self) -> tuple[list[_Item], bool]:
        """Block for one item, then take whatever else is already waiting."""
        batch: list[_Item] = []
        size = 0
        item = self._queue.get()
        while item is not _STOP:
            # A session that hung up cancelled its future: it got no 250, so skip it.
            if item[1].set_running_or_notify_cancel():
                batch.append(item)
                size += len(item[0].raw)
            if len(batch) >= self._max_batch or size >= MAX_BATCH_BYTES:
                return batch, False
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return batch, False
        return batch, True

    def _commit(self, batch: list[_Item]) -> None:
        try:
            results = self._write([d for d, _ in batch])
        except TransientError as exc:
            log.warning(
                "inbox write failed, answering 451 to %s: %s", counted(len(batch), "message"), exc
            )
            for _, future in batch:
                future.set_exception(exc)
            return
        except Exception:  # isolate the bad item; the rest still gets stored
            log.exception("batch of %d failed; retrying one by one", len(batch))
            self._commit_singly(batch)
            return
        self._resolve(batch, results)

    def _commit_singly(self, batch: list[_Item]) -> None:
        for delivery, future in batch:
            try:
                [result] = self._write([delivery])
            except Exception as exc:  # the session answers 451; nothing is lost
                log.exception("inbox write failed for a message from %s", delivery.source_ref)
                future.set_exception(exc)
            else:
                self._resolve([(delivery, future)], [result])

    def _resolve(self, batch: Sequence[_Item], results: Sequence[Stored]) -> None:
        for (_, future), result in zip(batch, results, strict=True):
            future.set_result(result)
        if self._on_stored is not None and any(not r.duplicate for r in results):
            self._on_stored()

    def _write(self, deliveries: Sequence[Delivery]) -> list[Stored]:
        """One transaction for the batch: the same bytes are stored once."""
        items = [
            Incoming(
                d.raw,
                d.source,
                d.source_ref,
                d.envelope_from,
                d.envelope_to,
                untrusted_peer=d.untrusted_peer,
            )
            for d in deliveries
        ]
        accepted = self._inbox.accept_many(items, now=self._clock.now(), rule=BYTES_ONLY)
        self.commits += 1
        self.deliveries += len(deliveries)
        return [Stored(acc.inbox_id, acc.duplicate) for acc in accepted]
