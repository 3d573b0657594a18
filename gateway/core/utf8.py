"""The text of a file a person wrote: UTF-8, with Windows Notepad's byte-order mark
skipped, and for one that is not UTF-8 (saved as Shift_JIS, a Japanese editor's
default) the line to look at, instead of Python's codec name and byte offset. The
config file, the catalog, the holiday list, the saved answers and every ``*_file``
secret are read so.

A leading byte-order mark is never part of what the person wrote: kept in a secret, it
was three bytes of the password, token or key, and the server refused the login with no
hint why.
"""

from __future__ import annotations

from codecs import BOM_UTF8
from pathlib import Path

from gateway.core.i18n import N_, Msg


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


def secret_bytes(path: Path) -> bytes:
    """A secret file's bytes without a leading byte-order mark. Raises OSError."""
    return path.read_bytes().removeprefix(BOM_UTF8)


def secret_text(path: Path) -> str:
    """A secret file as text without a leading byte-order mark. Raises OSError and
    UnicodeDecodeError."""
    return decoded(path.read_bytes())
