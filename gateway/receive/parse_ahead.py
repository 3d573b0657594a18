"""Parse ahead in worker processes while the main process stores and threads.

A bulk ``ingest`` of a folder spends as long parsing as it does in the
database; parsing is pure (bytes in, a frozen ParsedMessage out), so it can run
on the other cores while this process works through the previous messages.
On a one-core machine, or for a handful of messages, nothing is started and
the runner parses inline as always.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ProcessPoolExecutor
from types import TracebackType

from gateway.core.model import ParsedMessage
from gateway.pipeline.parse.message import parse_message

MIN_MESSAGES = 16  # below this, starting workers costs more than it saves


class ParseAhead:
    def __init__(self, workers: int | None = None) -> None:
        count = (os.cpu_count() or 1) - 1 if workers is None else workers
        self._pool = ProcessPoolExecutor(max_workers=count) if count > 0 else None

    def submit(self, raw: bytes) -> Future[ParsedMessage] | None:
        """A future parse of ``raw``, or None when the runner should parse it itself."""
        return self._pool.submit(parse_message, raw) if self._pool is not None else None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ParseAhead:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def result_or_none(
    future: Future[ParsedMessage] | None, timeout: float | None = None
) -> ParsedMessage | None:
    """The parse, or None (the runner parses again, and shunts if it really fails).

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
