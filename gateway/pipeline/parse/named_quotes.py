"""Quotes marked with a name before the ``>``: ``tanaka> …`` (supercite, and old mailers
that follow it, put the quoted writer's name or initials there instead of a bare ``>``).

Such a line is read as quoted only when the same word marks two or more lines of the
text: one ``error> disk full`` line is the writer's words. A terminal session pasted
into a mail repeats its prompt the same way (``mysql> …``, ``SQL> …``), so the prompts
of :data:`_PROMPTS` are never a name. A ``>`` right after the word, then a space or the
line's end: ``foo>bar`` (a path, an arrow) is not one.

:func:`marked` gives such lines a ``>`` of their own in front (with a mark that
:func:`unmarked` takes off again), so every rule of :mod:`.quotes` and :mod:`.quote_tail`
that knows ``>`` lines knows these too, and what is kept of the text is as written.
A template's head is one as well: the quoted writer's name and a ``>`` alone on a line
right over a ``>`` quote (AL-Mail's ``{FromName}>`` over ``> {Quote}``, and the like in
Becky!'s and other clients' templates), 「田中>」 or "Alice Example>" on one line: it was
sent as the writer's words. A name-shaped line only (letters, digits, spaces, dots,
hyphens, a letter or digit before the ``>``): "see below ->" over a quote is words.

Linear: one pass of one unambiguous pattern to count, one to mark.
"""

from __future__ import annotations

import re
from collections import Counter

from gateway.pipeline.parse.pipe_quotes import mark_pipe_quotes

__all__ = ["marked", "unmarked"]

# "tanaka> …", "TY> …", " 田中> …": a word (a letter first, at most 16 characters), its
# ">", then a space or the line's end
_NAMED = re.compile(r"^([^\S\n]*)([^\W\d_][\w.-]{0,15})>(?=[^\S\n]|$)", re.M)
# a template's head: a name (its words apart by spaces) and ">" alone, a ">" line under it
_HEAD = re.compile(
    r"^([^\S\n]*)([^\W\d_](?:[\w.-]{0,30}(?:[^\S\n][\w.-]{1,30}){0,3})?)(?<=[^\W_])>[^\S\n]*$"
    r"(?=\n[^\S\n]*[>＞])",
    re.M,
)
_MIN_LINES = 2  # one line is words; the same name on two or more is a quote
_MARK = "\x1f"  # after the ">" put in front: taken off again by unmarked()

# Prompts a pasted terminal session repeats at its lines' start, as a name would be:
# what the writer shows of a session is their words, never a quote.
_PROMPTS: frozenset[str] = frozenset(
    word.casefold()
    for row in (
        ("mysql", "mariadb"),  # MySQL's and MariaDB's clients
        ("sql", "rman", "dgmgrl", "asmcmd"),  # Oracle: SQL*Plus, RMAN, Data Guard, ASM
        ("sqlite", "cqlsh", "hive", "grunt", "beeline"),  # SQLite, Cassandra, Hadoop
        ("ftp", "sftp", "lftp", "telnet", "nslookup"),  # network tools' own shells
        ("irb", "pry", "ghci", "prelude", "scala", "jshell", "julia", "iex"),  # REPLs
        ("gdb", "lldb", "mongo", "test", "admin"),  # debuggers; mongosh's usual databases
    )
    for word in row
)


def marked(text: str, among: str = "") -> str:
    """``text`` with a ``>`` in front of each line quoted with a name, and of each line
    of a ``| `` quote (:mod:`.pipe_quotes`); ``text`` as it is when it has none, or
    holds the mark already. ``among``: the whole mail, when ``text`` is a part of it
    (the new text), whose lines count too: one ``tanaka>`` line left between the
    answers is a quote where the mail had two."""
    if _MARK in text:
        return text
    return mark_pipe_quotes(_heads(_named(text, among)), f">{_MARK}")


def _named(text: str, among: str) -> str:
    counts = Counter(m.group(2) for m in _NAMED.finditer(among or text))
    names = {w for w, n in counts.items() if n >= _MIN_LINES and w.casefold() not in _PROMPTS}
    if not names:
        return text

    def mark(m: re.Match[str]) -> str:
        return f"{m.group(1)}>{_MARK}{m.group(2)}>" if m.group(2) in names else m.group()

    return _NAMED.sub(mark, text)


def _heads(text: str) -> str:
    """``text`` with a ``>`` in front of each template head (:data:`_HEAD`)."""
    if ">" not in text:
        return text

    def mark(m: re.Match[str]) -> str:
        name = m.group(2)
        return (
            m.group()
            if name.casefold() in _PROMPTS
            else f"{m.group(1)}>{_MARK}{m.group()[len(m.group(1)) :]}"
        )

    return _HEAD.sub(mark, text)


def unmarked(text: str) -> str:
    """``text`` with the ``>`` :func:`marked` put in front of a line taken off."""
    return text.replace(f">{_MARK}", "") if _MARK in text else text
