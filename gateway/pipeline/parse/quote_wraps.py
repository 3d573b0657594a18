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

* it runs from right under a quoted line to right over the next one (no blank line
  between): an end of a wrap is never followed by the writer's next line;
* it is one line, or, where the sender wrote a paragraph on one long line (an HTML
  mail, Outlook) that the client wrapped over several, lines each as long as the
  client wraps to but the last, the first starting with a small Latin letter: the
  sentence goes on, where a writer's answer starts as a sentence does (a Japanese
  paragraph has no such mark: only its one-line end is taken back);
* the quoted line above is as long as a client wraps to: at least
  :data:`MIN_WRAPPED` columns, at most :data:`MAX_WRAPPED` (longer, nothing wrapped it),
  and its first word (a Japanese line's first character: Japanese wraps between any
  two) would have taken it past :data:`WRAP_FROM` columns — columns as a mail client
  counts them, a full-width character two, so a Japanese line of 36–40 characters is
  one;
* the quoted line ends no sentence and asks nothing (``.`` ``?`` ``!`` ``:`` and their
  full-width forms, 「。」, and a Japanese sentence's last words without its mark,
  「…でしょうか」「…ください」): an answer stands under a question or a request, a wrap
  falls inside a sentence;
* it is no command (``/close`` between quoted lines counts, :mod:`.command_lines`) and
  no signature line.

A real answer between two quoted lines (``> What is your PC name?`` / ``PC-0123`` /
``> Which floor?``) stays one: its question is short or ends with its mark. An answer
under a long line that breaks off mid-sentence and right over the next quoted line is
read as the quote's end: that is the price of the rule, and a rare shape (a lost
answer costs more than a quote shown, so the rule asks much of a longer end).

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
# how a Japanese sentence ends when its writer leaves out the 「。」 or 「？」: a question's
# 「か」, a request's 「ください」, the polite 「ます」「です」「ました」「ません」「でしょう」,
# 「ね」「よ」 (a wrap after them is rare; an answer read as quote is lost)
_JA_ENDS = ("か", "ね", "よ", "さい", "ます", "です", "した", "せん", "しょう")


def rejoined(text: str) -> str:
    """``text`` with each wrapped quoted line's unquoted end put back on it."""
    if "\n" not in text:
        return text
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        last = _wrapped_end(lines, i)
        out.append(_joined(lines[i : last + 1]) if last > i else lines[i])
        i = last + 1
    return "\n".join(out)


def _wrapped_end(lines: list[str], i: int) -> int:
    """The last line of the unquoted end a client wrapped ``lines[i]`` (a quoted line)
    onto, ``i`` when there is none. The end runs to a quoted line right under it; an
    end of two or more lines starts with a small Latin letter (a sentence going on; a
    writer's answer starts as a sentence does) and each of its lines but the last is
    as long as the client wraps to. Each line is walked over from one quoted line only,
    so all of it costs one pass."""
    if not _QUOTED.match(lines[i]):
        return i
    j = i
    while j + 1 < len(lines):
        below = lines[j + 1]
        if _QUOTED.match(below):
            return j
        if j == i + 1 and not "a" <= lines[j].lstrip()[:1] <= "z":
            return i  # a second unquoted line: a sentence going on, or the writer's
        if not _wraps_onto(lines[j], below, quoted=j == i):
            return i
        j += 1
    return i  # no quote under it: the writer's words after the quote


def _wraps_onto(head: str, end: str, *, quoted: bool) -> bool:
    """``end`` starts with what a client wrapped off ``head``."""
    head, rest = head.rstrip(), end.strip()
    if not rest or not head or len(head) > MAX_WRAPPED:
        return False
    if quoted and (head[-1] in _ENDS or head.endswith(_JA_ENDS)):
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


def _joined(lines: list[str]) -> str:
    """The quoted line as sent: its pieces joined with a space where the client broke
    at one, with none between two full-width characters (one join: linear however
    many pieces)."""
    parts = [lines[0].rstrip()]
    for line in lines[1:]:
        piece = line.strip()
        parts.append("" if _wide(parts[-1][-1]) and _wide(piece[0]) else " ")
        parts.append(piece)
    return "".join(parts)
