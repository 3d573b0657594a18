"""Quoted lines a client wrapped again without a ``>`` on the rest.

A client that quotes with ``> `` and then hard-wraps the reply at its width (Outlook's
"prefix each line", many webmails and phones) breaks a quoted line that the prefix made
too long and leaves its end unquoted, right under it and over the next quoted line::

    > Please restart the VPN client and try again. If it still fails, send us the
    log file.
    > Regards, Support

Read as it stands, "log file." is a line of the writer's between two quoted lines, an
answer given inline (:mod:`.inline_answers`): the ticket would show it, and the quote
above it, as the writer's. :func:`rejoined` puts such an end back on its quoted line,
so the quote reads as it was sent and is kept or dropped whole. A line is that end when:

* it is one line, with a quoted line right above it and another right under it (no
  blank line between): an end of a wrap is never followed by the writer's next line;
* the quoted line above is as long as a client wraps to: at least
  :data:`MIN_WRAPPED` columns, at most :data:`MAX_WRAPPED` (longer, nothing wrapped it),
  and its first word (a Japanese line's first character: Japanese wraps between any
  two) would have taken it past :data:`WRAP_FROM` columns — columns as a mail client
  counts them, a full-width character two, so a Japanese line of 36–40 characters is
  one;
* the quoted line ends no sentence and asks nothing (``.`` ``?`` ``!`` ``:`` and their
  full-width forms, 「。」): an answer stands under a question or a request, a wrap
  falls inside a sentence;
* it is no command (``/close`` between quoted lines counts, :mod:`.command_lines`) and
  no signature line.

A real answer between two quoted lines (``> What is your PC name?`` / ``PC-0123`` /
``> Which floor?``) stays one: its question is short or ends with its mark. An answer
under a long line that breaks off mid-sentence and right over the next quoted line is
read as the quote's end: that is the price of the rule, and a rare shape. Only one
line is taken back: a paragraph wrapped over several unquoted lines is as long as a
writer's answer of several lines, and a lost answer costs more than a quote shown.

Linear: one pass over the lines; a line's columns are counted only up to
:data:`MAX_WRAPPED` characters.
"""

from __future__ import annotations

import re

from gateway.core.text import bare
from gateway.core.wrap import width_of
from gateway.pipeline.command_syntax import read_command

__all__ = ["MAX_WRAPPED", "MIN_WRAPPED", "WRAP_FROM", "rejoined"]

MIN_WRAPPED = 50  # Policy: columns of the shortest quoted line read as wrapped
MAX_WRAPPED = 100  # Policy: columns past which no client wrapped the line
WRAP_FROM = 70  # Policy: the narrowest width clients wrap at (Thunderbird 72, Outlook 76)

_QUOTED = re.compile(r"[^\S\n]*[>＞]")
# what ends a sentence or asks: a line ending so was not cut by a wrap
_ENDS = frozenset(".?!:;。？！：；．")


def rejoined(text: str) -> str:
    """``text`` with each wrapped quoted line's unquoted end put back on it."""
    if "\n" not in text:
        return text
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if i + 2 < len(lines) and _wrapped(line, lines[i + 1], lines[i + 2]):
            out.append(_joined(line.rstrip(), lines[i + 1].strip()))
            i += 2
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


def _wrapped(quoted: str, end: str, below: str) -> bool:
    """``end`` is the rest of ``quoted`` that a client wrapped onto its own line."""
    if not _QUOTED.match(quoted) or not _QUOTED.match(below) or _QUOTED.match(end):
        return False
    head, rest = quoted.rstrip(), end.strip()
    if not rest or len(head) > MAX_WRAPPED or head[-1] in _ENDS:
        return False
    columns = width_of(head)
    if not MIN_WRAPPED <= columns <= MAX_WRAPPED:
        return False
    first = _first_word(rest)
    gap = 0 if _wide(head[-1]) and _wide(first[0]) else 1
    if columns + gap + width_of(first) <= WRAP_FROM:
        return False
    return rest != "--" and read_command(bare(rest)) is None  # the writer's, always


def _first_word(rest: str) -> str:
    """What a client moved first to the next line: a word, or one full-width character
    (Japanese breaks between any two); at most :data:`MAX_WRAPPED` characters read."""
    if _wide(rest[0]):
        return rest[0]
    return rest[:MAX_WRAPPED].split(maxsplit=1)[0]


def _wide(char: str) -> bool:
    return width_of(char) == 2


def _joined(head: str, rest: str) -> str:
    """The quoted line as sent: a space where the client broke at one, none between two
    full-width characters."""
    return head + rest if _wide(head[-1]) and _wide(rest[0]) else f"{head} {rest}"
