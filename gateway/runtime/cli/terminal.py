"""What the command line writes to a terminal: text, never a terminal's command.

A customer writes the subjects, bodies and names ``tickets list`` and ``tickets show``
print. The parser drops a mail's C0 controls, but the C1 ones (U+009B is CSI and
U+009D OSC, obeyed as ESC [ and ESC ] by VTE and xterm: ``\\x9b2J`` clears the
screen, ``\\x9d0;…\\x07`` retitles the window) and Unicode's bidirectional overrides
(an unclosed U+202E reverses the rest of the line) came through, and a note typed with
an ESC, a row stored by an older release or a webhook's error text may hold anything.
So every line the commands write passes :func:`shown`, in one place: the stream
itself (:func:`install`), not each of the hundred ``print`` calls.

The escape is JSON's own ``\\uXXXX``: in a line it shows what was there, and inside a
``--json`` string it is the same character, so the JSON stays valid with the same data.
"""

from __future__ import annotations

import errno
import io
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO, cast

# What a terminal obeys rather than shows, or what no text stream can write (one row each):
_ESCAPED = re.compile(
    "["
    "\x00-\x08"  # C0 controls before the tab: NUL, BEL …
    "\x0b-\x1f"  # vertical tab to unit separator: CR (rewrites the line), ESC (every command)
    "\x7f-\x9f"  # DEL and the C1 controls: CSI, OSC, DCS … in their one-character form
    "\u202a-\u202e"  # bidi embeddings and overrides (LRE RLE PDF LRO RLO)
    "\u2066-\u2069"  # bidi isolates (LRI RLI FSI PDI)
    # lone surrogates: a file name's bytes that are not UTF-8 (bad\xff.eml, as Python
    # reads them from argv), a note typed so; a UTF-8 terminal's strict encoder raised
    # UnicodeEncodeError on them (``ingest`` exited 75 after storing the file)
    "\ud800-\udfff"
    "]"
)


def shown(text: str) -> str:
    """``text`` with each character a terminal would obey (or a lone surrogate, which no
    encoder writes) as its ``\\u`` escape; tab, line feed and every printable character
    (Japanese, right-to-left letters, the bidi marks U+200E/U+200F, which command
    nothing) as they are."""
    return _ESCAPED.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


class OutputFailed(OSError):
    """Standard output could not be written (a full disk under ``> out.json``): the CLI
    says so in one line and exits 74, not with a traceback and 1. A reader that went
    away (``| head``) is BrokenPipeError, ended quietly by :mod:`gateway.runtime.entry`."""


class _Shown:
    """A text stream that writes through :func:`shown`; anything else (``buffer`` for an
    attachment's bytes, ``fileno``, ``encoding``) is the stream's own. ``output``: it is
    standard output, whose failure is :class:`OutputFailed`."""

    def __init__(self, stream: TextIO, *, output: bool) -> None:
        self._stream = stream
        self._output = output

    def write(self, text: str) -> int:
        with self._failing():
            return self._stream.write(shown(text))

    def flush(self) -> None:
        with self._failing():
            self._stream.flush()

    @contextmanager
    def _failing(self) -> Iterator[None]:
        try:
            yield
        except BrokenPipeError:
            raise
        except OSError as exc:
            if not self._output:
                raise
            raise OutputFailed(exc.errno, exc.strerror) from exc

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _Closed:
    """Standard output when there is none (started with ``>&-``: Python then sets
    ``sys.stdout`` to None, and ``print`` writes nothing, silently): each write fails as
    :class:`OutputFailed`, as on a full disk, so the command says it and exits 74 rather
    than 0 having written nothing. Nothing is buffered, so a flush has nothing to fail."""

    encoding = "utf-8"
    errors = "strict"

    def write(self, text: str) -> int:
        raise OutputFailed(errno.EBADF, os.strerror(errno.EBADF))

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        return None

    def fileno(self) -> int:
        return 1  # the descriptor there is none of: silence_stdout puts /dev/null on it

    def isatty(self) -> bool:
        return False


def install() -> None:
    """Standard output and error through :func:`shown` (the log lines too: logging is
    set up after this); a closed standard output as :class:`_Closed`. A stream that is
    not a real text file (a test's capture) is left as it is; installing twice wraps
    once."""
    if sys.stdout is None:  # fd 1 closed at start
        sys.stdout = cast(TextIO, _Closed())
    if type(sys.stdout) is io.TextIOWrapper:
        sys.stdout = cast(TextIO, _Shown(sys.stdout, output=True))
    if type(sys.stderr) is io.TextIOWrapper:
        sys.stderr = cast(TextIO, _Shown(sys.stderr, output=False))


def silence_stdout() -> None:
    """After :class:`OutputFailed`: standard output goes to /dev/null, so what is still
    buffered cannot fail again in the interpreter's last flush (a second message)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    finally:
        os.close(devnull)
