"""MIME parameters (``text/plain; charset=utf-8; name="a;b"``) split in one pass.

The standard library's ``email.message._parseparam`` cuts the rest of the header off
after every ``;`` and counts the quotes before each ``;`` from the start again: time
that grows with the square of the header, so one ``Content-Type`` of 100 000
parameters (2 MB, well inside a message we accept) held a parse for minutes. Every
parameter read goes through it (``get_param``, ``get_boundary`` while the parser
splits a multipart, ``get_filename``, ``get_content_charset``), so the one function is
replaced, with one that returns the same list (``tests/test_hostile_params.py``
compares the two) in time linear in the header, and stops after
:data:`MAX_PARAMS` pieces: even read linearly, each parameter costs the standard
library a few microseconds per question asked of the part, and no real header has
more than a dozen (a long file name split by RFC 2231 into ``name*0``, ``name*1``, …
takes a few more).
"""

from __future__ import annotations

import email.message
from collections.abc import Callable

MAX_PARAMS = 200  # pieces of one header read (the content type itself is the first)
STDLIB_PARSEPARAM: Callable[[str], list[str]] = getattr(email.message, "_parseparam")  # noqa: B009


def parse_params(s: object) -> list[str]:
    """``_parseparam``'s list, its first :data:`MAX_PARAMS` pieces: each piece ends at a
    ``;`` outside quotes (a quote after a backslash does not count), ``name = value``
    is written ``name=value`` with the name lower-cased. A ``;`` is never part of a
    backslash-quote pair, so the quotes between two ``;`` are counted once."""
    text = ";" + str(s)
    found: list[str] = []
    pos, size = 0, len(text)
    while text.startswith(";", pos) and len(found) < MAX_PARAMS:
        pos += 1
        end = text.find(";", pos)
        odd = end > pos and _quotes(text, pos, end) % 2 == 1
        while end > pos and odd:
            after = text.find(";", end + 1)
            if after >= 0:
                odd = (_quotes(text, end, after) % 2 == 1) != odd
            end = after
        if end < 0:
            end = size
        piece = text[pos:end]
        if "=" in piece:
            i = piece.index("=")
            piece = piece[:i].strip().lower() + "=" + piece[i + 1 :].strip()
        found.append(piece.strip())
        pos = end
    return found


def _quotes(text: str, start: int, end: int) -> int:
    return text.count('"', start, end) - text.count('\\"', start, end)


def install() -> None:
    """Have the standard library read parameters with :func:`parse_params` (called when
    :mod:`.load`, the one way into the parsers, is imported)."""
    setattr(email.message, "_parseparam", parse_params)  # noqa: B010 - not in the stubs
