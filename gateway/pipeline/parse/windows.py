"""A message the slimming pass reads a window at a time instead of holding it.

:mod:`.slim` only ever looks at a message through a handful of questions (how
long, where is the next or last occurrence of these bytes, where does this
short pattern first match, what are the bytes from here to there).
:class:`Source` names them. :class:`InMemory` answers them on ``bytes``, with the
very calls the pass always made (no copy, the same results); :class:`Windows`
answers them from a reader of byte ranges (a database blob, a file) one window
at a time, so that a 34 MB message stored by a batch ingest is slimmed without
ever being one ``bytes`` object in the ingest process (issue #18).

A :class:`Windows` may also carry a few bytes of its own in front of the
reader's (:meth:`Windows.after`): the header block as the parser's repairs left
it, followed by the rest as stored, which is what the pass reads of a message
whose header block was repaired.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol

__all__ = ["WINDOW", "InMemory", "Reader", "Source", "Windows"]

# Policy: bytes read at a time from a reader: the memory a search costs, and few
# enough calls (34 for a 34 MB message) that Python's share of a search stays small.
WINDOW = 1 << 20

Reader = Callable[[int, int], bytes]  # (start, end) → those bytes of the message


class Source(Protocol):
    """The questions :mod:`.slim` asks of a message (offsets as in ``bytes``)."""

    def __len__(self) -> int: ...

    def slice(self, start: int, end: int) -> bytes:
        """``data[start:end]``."""
        ...

    def find(self, sub: bytes, start: int, end: int) -> int:
        """``data.find(sub, start, end)``."""
        ...

    def rfind(self, sub: bytes, start: int, end: int) -> int:
        """``data.rfind(sub, start, end)``."""
        ...

    def search(
        self, pattern: re.Pattern[bytes], start: int, end: int, reach: int
    ) -> tuple[int, int] | None:
        """The span of ``pattern.search(data, start, end)``, or None, for a pattern without
        anchors or look-behind. ``reach``: the most bytes a match and what it looks
        ahead at can cover (a windowed reader needs that much beyond a window to
        decide a match that starts inside it)."""
        ...


class InMemory:
    """A message held as ``bytes``: each question is the one ``bytes`` call."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __len__(self) -> int:
        return len(self.data)

    def slice(self, start: int, end: int) -> bytes:
        return self.data[start:end]

    def find(self, sub: bytes, start: int, end: int) -> int:
        return self.data.find(sub, start, end)

    def rfind(self, sub: bytes, start: int, end: int) -> int:
        return self.data.rfind(sub, start, end)

    def search(
        self, pattern: re.Pattern[bytes], start: int, end: int, reach: int
    ) -> tuple[int, int] | None:
        found = pattern.search(self.data, start, end)
        return found.span() if found else None


class Windows:
    """``head`` followed by the reader's bytes from ``skip`` to ``size``, read a window
    at a time: a search holds one window (plus a few bytes of overlap), never the whole."""

    __slots__ = ("_head", "_read", "_size", "_skip", "window")

    def __init__(
        self, read: Reader, size: int, *, head: bytes = b"", skip: int = 0, window: int = WINDOW
    ) -> None:
        if window < 1:
            raise ValueError("a window holds at least one byte")
        self._read, self._size, self._head, self._skip = read, size, head, skip
        self.window = window

    def after(self, skip: int, head: bytes = b"") -> Windows:
        """This message from offset ``skip`` on (past the bytes put in front of it),
        with ``head`` put in front instead."""
        if skip < len(self._head):
            raise ValueError("a view starts past the bytes put in front")
        at = self._skip + skip - len(self._head)
        return Windows(self._read, self._size, head=head, skip=at, window=self.window)

    def __len__(self) -> int:
        return len(self._head) + self._size - self._skip

    def slice(self, start: int, end: int) -> bytes:
        start, end = max(start, 0), min(end, len(self))
        if start >= end:
            return b""
        cut = len(self._head)
        front = self._head[start:end] if start < cut else b""
        if end <= cut:
            return front
        rest = self._read(self._skip + max(start - cut, 0), self._skip + end - cut)
        return front + rest if front else rest

    def find(self, sub: bytes, start: int, end: int) -> int:
        """Window by window, each read ``len(sub) - 1`` bytes long: an occurrence that
        starts in a window is wholly in what was read of it."""
        end = min(end, len(self))
        for at in range(max(start, 0), end, self.window):
            found = self.slice(at, min(at + self.window + len(sub) - 1, end)).find(sub)
            if found >= 0:
                return at + found
        return -1

    def rfind(self, sub: bytes, start: int, end: int) -> int:
        """Window by window from the end, with the same overlap as :meth:`find`."""
        start, end = max(start, 0), min(end, len(self))
        for stop in range(end, start, -self.window):
            at = max(start, stop - self.window)
            found = self.slice(at, min(stop + len(sub) - 1, end)).rfind(sub)
            if found >= 0:
                return at + found
        return -1

    def search(
        self, pattern: re.Pattern[bytes], start: int, end: int, reach: int
    ) -> tuple[int, int] | None:
        """Window by window, each read ``reach`` bytes long; a match that starts past
        the window is left for the next one, which reads what follows it."""
        end = min(end, len(self))
        for at in range(max(start, 0), end, self.window):
            piece = self.slice(at, min(at + self.window + reach, end))
            found = pattern.search(piece)
            if found is not None and found.start() < self.window:
                return at + found.start(), at + found.end()
        return None
