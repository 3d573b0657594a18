"""Whether an address ends near a point of an attribution line ("bob@example.com
wrote:", 「山田 <x@y>:」): split from :mod:`.quotes`, which asks it of every line that
ends as an attribution.

Linear however long the line: a bounded look back from the point, never a pattern
with ``.*`` in front of an address.
"""

from __future__ import annotations

import re

__all__ = ["REACH", "address_ends_near"]

REACH = 40  # "<address> … wrote:": at most this many characters between the two
_ADDRESS_RUN = re.compile(r"[^\s<>@]*")


def address_ends_near(s: str, at: int) -> bool:
    """``.*(?:<ADDRESS>|ADDRESS).{0,40}`` ends at ``at``: an address ends at most REACH
    characters before it (``<x@y>`` ends after its ``>``).

    The runs of address characters after two different ``@`` never overlap, so only
    the ``@`` signs in the last REACH + 1 characters and the one before them can
    qualify: a bounded look back, however long the line."""
    low = max(0, at - REACH - 1)
    before = s.rfind("@", 0, low)
    candidates = ([before] if before >= 0 else []) + [i for i in range(low, at) if s[i] == "@"]
    for a in candidates:
        if a < 1 or a + 1 >= len(s) or not (_address_char(s[a - 1]) and _address_char(s[a + 1])):
            continue  # an address has a character of its own on each side of the "@"
        run = _ADDRESS_RUN.match(s, a + 1)
        end = run.end() if run else a + 1
        if min(end, at) >= max(a + 2, at - REACH):
            return True  # x@y, cut anywhere in its domain
        bracketed = end < len(s) and s[end] == ">" and _after_bracket(s, a)
        if bracketed and at - REACH <= end + 1 <= at:
            return True  # <x@y>
    return False


def _address_char(ch: str) -> bool:
    return ch not in "<>@" and not ch.isspace()


def _after_bracket(s: str, at: int) -> bool:
    """The run of address characters before the ``@`` at ``at`` follows a ``<``."""
    start = at - 1
    while start > 0 and _address_char(s[start - 1]):
        start -= 1
    return start > 0 and s[start - 1] == "<"
