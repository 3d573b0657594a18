"""The text of a file a person wrote: UTF-8, with Windows Notepad's byte-order mark
skipped, and for one that is not UTF-8 (saved as Shift_JIS, a Japanese editor's
default) the line to look at, instead of Python's codec name and byte offset. The
config file, the catalog, the holiday list, the saved answers and every ``*_file``
secret are read so.

A leading byte-order mark is never part of what the person wrote: kept in a secret, it
was three bytes of the password, token or key, and the server refused the login with no
hint why.

Every such file is read through :func:`small_file`: a path that is no regular file (a
named pipe, where ``open()`` waits for a writer forever; ``/dev/zero``, which never
ends) or one far larger than such a file can be is refused before it is read, so a
wrong path is a clear error at start, not a hang or a ``MemoryError``.
"""

from __future__ import annotations

import errno
import os
import stat
from codecs import BOM_UTF8
from pathlib import Path

from gateway.core.file_kinds import kind_of
from gateway.core.i18n import N_, Msg
from gateway.core.os_errors import os_error


def decoded(data: bytes) -> str:
    """``data`` as text; ``UnicodeDecodeError`` passes (see :func:`bad_line`)."""
    return data.decode("utf-8-sig")


def bad_line(exc: UnicodeDecodeError) -> int:
    """The line (from 1) of the first byte that is not UTF-8."""
    return bytes(exc.object[: exc.start]).count(b"\n") + 1


def not_utf8(exc: UnicodeDecodeError) -> Msg:
    """What is wrong with a file that is not UTF-8, for the error that names its key and
    path: the line to look at and what to do, never the codec's byte offset."""
    return N_("not UTF-8 text (line {line}): save the file as UTF-8", line=bad_line(exc))


MAX_TEXT_FILE = 16 * 2**20  # a config, a catalog, a holiday list: a few KB to a few MB
MAX_SECRET_FILE = 64 * 2**10  # a key, a password or a token: tens of bytes


class NotASmallFile(OSError):
    """A path that is no regular file, or one too large to be what the key names;
    ``message`` is for a person (``strerror`` is its English, for logs)."""

    def __init__(self, message: Msg, path: Path) -> None:
        super().__init__(errno.EINVAL, str(message), str(path))
        self.message = message


def small_file(path: Path, limit: int = MAX_TEXT_FILE) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them. Opened without
    blocking, so a named pipe is refused instead of waited on; a folder raises
    ``IsADirectoryError`` as ``read_bytes()`` did; :class:`NotASmallFile` for a pipe, a
    device or a socket, and for a file over ``limit``. Raises OSError."""
    _refuse_odd(os.stat(path).st_mode, path)  # a socket cannot even be opened (ENXIO)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    try:
        _refuse_odd(os.fstat(fd).st_mode, path)  # what was opened, if it changed meanwhile
        chunks, size = [], 0
        while chunk := os.read(fd, min(1 << 20, limit + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                why = N_(
                    "larger than {limit} bytes, more than such a file holds: is it the right file?",
                    limit=limit,
                )
                raise NotASmallFile(why, path)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _refuse_odd(mode: int, path: Path) -> None:
    """A folder as ``IsADirectoryError``; a pipe, a device or a socket as
    :class:`NotASmallFile` that says which it is."""
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    if not stat.S_ISREG(mode):
        kind = kind_of(mode)
        why = (
            N_("not a regular file (a named pipe, a device or a socket): name the file")
            if kind is None
            else N_("not a regular file but {kind}: name the file", kind=kind)
        )
        raise NotASmallFile(why, path)


def file_error(exc: OSError) -> Msg | str:
    """What went wrong reading a file, for a message that names it: ours in the
    reader's language, else the system's words."""
    if isinstance(exc, NotASmallFile):
        return exc.message
    return os_error(exc)


def secret_bytes(path: Path) -> bytes:
    """A secret file's bytes without a leading byte-order mark. Raises OSError."""
    return small_file(path, MAX_SECRET_FILE).removeprefix(BOM_UTF8)


def secret_text(path: Path) -> str:
    """A secret file as text without a leading byte-order mark. Raises OSError and
    UnicodeDecodeError."""
    return decoded(small_file(path, MAX_SECRET_FILE))
