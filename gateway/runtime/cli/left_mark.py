"""The mark the CLI's text tables put on an assignee who left the team.

The pages, ``tickets show``, the chat cards and the digest say "(not in the team)"
after the address of one taken out of ``[[members]]``; in a table's fixed-width
column those words would be cut off with the address they follow (a long address
fills its 24 or 32 columns), so the tables put a one-column ``*`` after the address,
kept whole when the address is cut, and say what it means in one line under the
table, in the reader's language. ``--json`` keeps the plain address: data, not words.
"""

from __future__ import annotations

from collections.abc import Iterable

from gateway.core.i18n import N_, Msg
from gateway.runtime.cli.common import pad

MARK = "*"  # one column wide in every terminal: the cut address keeps it


def marked_cell(text: str, width: int, left: bool) -> str:
    """``text`` in a column of ``width`` (> 0) terminal columns, cut with "…" if longer;
    with ``MARK`` after it when ``left``, the cut made one column shorter so the mark
    is never the part cut off."""
    if not left:
        return pad(text, width, cut=True)
    return pad(pad(text, width - len(MARK), cut=True).rstrip() + MARK, width)


def legend(marked: Iterable[bool]) -> Msg | None:
    """The line under a table saying what the mark means, when a row has it: a table
    with no one who left has no legend to read past."""
    if not any(marked):
        return None
    return N_("{mark} not in the team (no longer in [[members]])", mark=MARK)
