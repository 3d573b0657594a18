"""Quotes marked with ``| `` instead of ``>`` (some mail clients, and web archives of
mailing lists, quote so), or with the full-width ``｜`` (Japanese mailers, mostly
with no space after it: 「｜前回の件ですが」): two or more such lines in a row are a quote.

One ``| grep error`` line is the writer's words, and so is a table: a row that ends with
the bar (``| web1 | up |``, a pasted database result's ``|  1 |``, 「｜web1｜停止｜」) is no
quoted line and breaks a run. A bare ``|`` (an empty quoted line) joins a run but does not count
towards its two lines. :mod:`.named_quotes` gives the lines of a run a ``>`` of its own
in front, so every rule that knows ``>`` lines knows these.

Linear: one pass of one unambiguous pattern over the text (a quoted line's last
non-blank character is the only place its body can end), then a callback per run.
"""

from __future__ import annotations

import re

__all__ = ["mark_pipe_quotes"]

# a run of lines that start (after blanks) with "|" then a blank or the line's end, or
# with "｜" (text may follow it at once), and do not end with a bar (a table's row):
# its lines, and the empty bars among them
_RUN = re.compile(
    r"^(?:[^\S\n]*(?:\|(?:[^\S\n][^\n]*[^|｜\s])?|｜(?:[^\n]*[^|｜\s])?)[^\S\n]*(?:\n|\Z)){2,}",
    re.MULTILINE,
)
_TEXT = re.compile(r"[^\s|｜]")  # a character of a quoted line's text (not a bare bar)


def mark_pipe_quotes(text: str, mark: str) -> str:
    """``text`` with ``mark`` in front of each line of a ``| `` quote (``text`` itself
    when it has none)."""
    if "|" not in text and "｜" not in text:
        return text

    def run(m: re.Match[str]) -> str:
        block = m.group()
        first = _TEXT.search(block)
        line_end = block.find("\n", first.end()) if first else -1
        if line_end < 0 or _TEXT.search(block, line_end + 1) is None:
            return block  # text on one line only (bare bars aside): words
        body, end = (block[:-1], "\n") if block.endswith("\n") else (block, "")
        return mark + body.replace("\n", "\n" + mark) + end

    return _RUN.sub(run, text)
