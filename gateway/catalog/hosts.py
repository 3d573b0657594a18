"""Where a request's text names an address, a URL or a host, for the keyword matcher.

A keyword with a mark at its edge (``.net``, ``c#``) needs no word boundary there
(:mod:`gateway.catalog.match`: ASP.NET, C#10), so ``.net`` also stood in
``admin@example.net`` and ``https://portal.example.net/``: a request that gave an
address was filed as a .NET one. Inside such a span the keyword is the host's.

Linear: one pass over the text's runs of printable ASCII (an address or a URL is one
such run after NFKC), each run tested with substring tests and one unambiguous
pattern; worked out once per text, then a binary search for each occurrence.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache

__all__ = ["in_address"]

_RUN = re.compile(r"[!-~]+")  # printable ASCII without spaces: an address is one run
_OPEN = "<([{\"'"  # what may stand before an address in the same run: <admin@…>
# a host name of three labels or more, written bare: portal.example.net (its last
# label is the host's: the .net of System.Net.Http is not its end)
_HOST = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+){2,}")
# Policy: what makes a run of the text an address or a URL, one row each
_ADDRESS_MARKS = (
    "@",  # an e-mail address (also a URL's user@host)
    "://",  # a URL with its scheme
)
_ADDRESS_STARTS = (
    "www.",  # a URL without its scheme
    "mailto:",  # a mailto link's
)


def in_address(text: str, at: int) -> bool:
    """Whether position ``at`` of ``text`` (normalised for matching: NFKC, casefolded)
    falls inside an e-mail address, a URL, or the last label of a bare host name."""
    starts, ends = _spans(text)
    i = bisect_right(starts, at) - 1
    return i >= 0 and at < ends[i]


@lru_cache(maxsize=8)  # the two places of the mail being classified, and a few more
def _spans(text: str) -> tuple[list[int], list[int]]:
    """The spans of ``text`` that are an address's, sorted: their starts and ends."""
    starts: list[int] = []
    ends: list[int] = []
    for run in _RUN.finditer(text):
        word = run.group()
        bare = word.lstrip(_OPEN)
        if any(m in word for m in _ADDRESS_MARKS) or bare.startswith(_ADDRESS_STARTS):
            starts.append(run.start())
            ends.append(run.end())
            continue
        host = _HOST.match(bare)
        if host is not None:
            offset = run.start() + len(word) - len(bare)
            end = offset + host.end()
            starts.append(offset + host.group().rfind("."))
            ends.append(end)
    return starts, ends
