"""Answers written inside the quoted mail, with the question each one answers.

People answer point by point: the old mail quoted, a line or two typed under each
question. Read without the quote, the answers ("PC-0123", "3F", 「はい」) say nothing on
the ticket or to the requester; read with the whole quote, a 300-line mail comes back
for two answers. So the one shape, whatever the quote looked like (an attribution above
it or none, ``>`` or a name's ``tanaka>``, an HTML quote rendered as ``>``): each answer
keeps the quoted lines right above it as ``> …`` (at most :data:`CONTEXT_LINES` of
them, back to the quote's last paragraph break), and every other quoted line goes.

Commands lead a reply (:mod:`gateway.pipeline.command_lines`), and a quoted line ends
them: the writer's first line, when it is a command, gets no quoted line above it.

A text is answered inline when a line of the writer's stands between two quoted lines:
a quote, an answer, then more quote. A top-posted reply (words, then the quote) and a
bottom-posted one (the quote, then words) are not: their quote goes whole, as before.

Linear: one pass over the lines, each kept or dropped once.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable

from gateway.core.text import bare
from gateway.pipeline.command_syntax import read_command
from gateway.pipeline.parse.named_quotes import marked, unmarked

__all__ = ["CONTEXT_LINES", "answered_inline", "answers_shown", "quoted_content", "with_context"]

CONTEXT_LINES = 3  # Policy: quoted lines kept above an answer, the nearest ones

# a quoted line: ">" or "＞" after blanks; its content after every mark of it and a space
_QUOTED = re.compile(r"[^\S\n]*[>＞]")
# (:mod:`.named_quotes` marks a name's "tanaka>" and a "| " quote with ">\x1f" in front)
_MARKS = re.compile(r"(?:[^\S\n]*[>＞](?:\x1f[^\S\n]*(?:[^\W\d_][\w.-]{0,15}>|[|｜]))?)+")


def quoted_content(line: str) -> str:
    """What a quoted line quotes: ``line`` without its marks (``> > x``, ``tanaka> x``
    and ``| x`` → ``x``)."""
    m = _MARKS.match(line)
    return (line[m.end() :] if m else line).strip()


def answered_inline(text: str) -> bool:
    """A line of the writer's stands between two quoted lines of ``text``."""
    state = 0  # 0: no quote yet, 1: a quote seen, 2: an answer under it
    for line in text.split("\n"):
        if _QUOTED.match(line):
            if state == 2:
                return True
            state = 1
        elif line.strip() and state == 1:
            state = 2
    return False


def with_context(text: str, shown: Callable[[str], bool] | None = None) -> str:
    """``text`` answered inline, each answer under the quoted lines right above it and
    no other quoted line. ``shown``: whether a quoted line's content may be kept (a
    member's relay keeps only what the requester has read); a line it refuses ends the
    context above it, so what is kept is always the lines right above the answer."""
    out: list[str] = []
    above: deque[str] = deque(maxlen=CONTEXT_LINES)  # the quote's last lines so far
    in_quote = False  # the last non-blank line was quoted
    gap = False  # a blank line since that quoted line
    for line in text.split("\n"):
        if _QUOTED.match(line):
            content = quoted_content(line)
            if not content:  # an empty quoted line: the quote's paragraph may end here
                in_quote = gap = True
                continue
            ok = shown is None or shown(content)
            if gap or not ok:
                above.clear()  # a new paragraph starts, or a line that may not be shown
            if ok:
                above.append(line)
            in_quote, gap = True, False
        elif not line.strip():
            gap = gap or in_quote
            if out and out[-1].strip() and not in_quote:
                out.append("")
        else:
            if above and (out or read_command(bare(line)) is None):
                if out and out[-1].strip():
                    out.append("")  # a quoted line never runs on from an answer
                out.extend(above)
            above.clear()
            out.append(line)
            in_quote = gap = False
    return "\n".join(out).strip("\n")


def answers_shown(text: str, among: str, shown: Callable[[str], bool]) -> str:
    """``text`` (a reply's new text) with only the quoted lines right above an answer
    that ``shown`` allows: what a member's answer relays. Lines quoted with a name are
    quotes as in :func:`.quotes.without_quoted_lines` (``among``: the whole mail)."""
    return unmarked(with_context(marked(text, among), shown))
