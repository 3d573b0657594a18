"""The text of a file a person wrote: UTF-8, with Windows Notepad's byte-order mark
skipped, and for one that is not UTF-8 (saved as Shift_JIS, a Japanese editor's
default) the line to look at, instead of Python's codec name and byte offset. The
config file, the catalog, the holiday list and the saved answers are read so."""

from __future__ import annotations


def decoded(data: bytes) -> str:
    """``data`` as text; ``UnicodeDecodeError`` passes (see :func:`bad_line`)."""
    return data.decode("utf-8-sig")


def bad_line(exc: UnicodeDecodeError) -> int:
    """The line (from 1) of the first byte that is not UTF-8."""
    return bytes(exc.object[: exc.start]).count(b"\n") + 1
