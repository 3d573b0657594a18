"""Which inbox row the processing child is on, and since when, in shared memory.

The daemon kills a row that outlives its budget with the whole processing child
(:mod:`gateway.runtime.processing`), so it must know which row the child is on.
The child used to send a line over the socket when it took a row and another
when it was done: two wake-ups of the daemon for every row, and each took the
GIL from the listener's event loop while mail was coming in (issue #18). Now the
child writes the row on a 24-byte board that both processes map, which costs it
a ``memcpy``, and the daemon reads the board when it looks, every half second.

The board is a sequence lock: the writer makes the sequence odd, writes, and
makes it even again; a reader that sees an odd sequence, or a different one
after reading, read half a write and reads again. Only the child writes. The
daemon kills only on two looks in a row that agree, so even a read that a
weakly ordered processor tore cannot kill a row that is within its budget.
``time.monotonic`` is the system's ``CLOCK_MONOTONIC``, so the child's "since"
is on the daemon's clock too.
"""

from __future__ import annotations

import mmap
import os
import struct
import tempfile
import threading
import time

_SEQUENCE = struct.Struct("<q")  # at offset 0: odd while a write is under way
_ROW = struct.Struct("<qd")  # at offset 8: inbox id (-1: between rows), since (monotonic)
_SIZE = _SEQUENCE.size + _ROW.size
NO_ROW = -1
_TRIES = 100  # reads of a board being written before a look gives up until the next one


class RowBoard:
    """One board, mapped by the daemon (reader) and its processing child (writer)."""

    def __init__(self, fd: int) -> None:
        """``fd``: a file of at least the board's size, which this board now owns."""
        self.fd = fd
        self._map = mmap.mmap(fd, _SIZE)
        self._sequence = 0
        self._writing = threading.Lock()  # one writer at a time, even if two threads post

    @classmethod
    def create(cls) -> RowBoard:
        """A fresh board in memory (a ``memfd``; an unlinked temporary file where there
        is none), passed to the child by its file descriptor."""
        if hasattr(os, "memfd_create"):
            fd = os.memfd_create("ticket-gateway-rows", os.MFD_CLOEXEC)
        else:  # pragma: no cover - Linux has memfd_create
            with tempfile.TemporaryFile() as handle:
                fd = os.dup(handle.fileno())
        os.ftruncate(fd, _SIZE)
        board = cls(fd)
        board.post(None)
        return board

    def post(self, row: int | None) -> None:
        """The child took ``row`` now (None: it is between rows)."""
        since = time.monotonic() if row is not None else 0.0
        with self._writing:
            self._sequence += 1  # odd: being written
            _SEQUENCE.pack_into(self._map, 0, self._sequence)
            _ROW.pack_into(self._map, _SEQUENCE.size, NO_ROW if row is None else row, since)
            self._sequence += 1  # even again, stored after the row
            _SEQUENCE.pack_into(self._map, 0, self._sequence)

    def read(self) -> tuple[int | None, float] | None:
        """(row or None, since) as last posted; None when every try met a write."""
        for _ in range(_TRIES):
            (first,) = _SEQUENCE.unpack_from(self._map, 0)
            row, since = _ROW.unpack_from(self._map, _SEQUENCE.size)
            if first % 2 == 0 and _SEQUENCE.unpack_from(self._map, 0)[0] == first:
                return (None if row == NO_ROW else row), since
        return None

    def close(self) -> None:
        self._map.close()
        os.close(self.fd)
