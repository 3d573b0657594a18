"""Where a request's text names an address, a URL or a host, for the keyword matcher.

A keyword with a mark at its edge (``.net``, ``c#``) needs no word boundary there
(:mod:`gateway.catalog.match`: ASP.NET, C#10), so ``.net`` also stood in
``admin@example.net`` and ``https://portal.example.net/``: a request that gave an
address was filed as a .NET one. Inside such a span the keyword is the host's.

A keyword that starts with a dot (``.net``, ``.xlsx``) also meets dotted names written
bare: host names (``example.net``) and file names (``app.net.json``, ``web.config``).
Such a keyword names a technology or a file type (:func:`names_own` decides, by
:data:`_DOTTED`): inside a name it is the technology's where the name is written with a
capital there (ASP.NET, VB.NET, System.Net.Http), and the file type's at the end of a
name whose last label is no top-level domain (report.xlsx, web.config); a lower-case
host's top-level domain and a lower-case label inside a name are the name's own.

Linear: one pass over the text's runs of printable ASCII (an address or a URL is one
such run after NFKC), each run tested with substring tests and one unambiguous
pattern; worked out once per text, then a binary search for each occurrence. A dot
keyword's label is read from its dot to the next one: the labels of a text are
disjoint, so all its occurrences read the text once.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from functools import lru_cache

__all__ = ["in_address", "names_own"]

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


_LABEL = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")  # a host's or a file's
# The generic top-level domains of RFC 1591 and those delegated up to 2012 (the new
# gTLDs since are words a team may mean otherwise: .app, .dev); a country's is any two
# letters (ISO 3166 shape: readme.md reads as a host of Moldova, as browsers read it)
_GENERIC_TOP_LEVEL = frozenset(
    {
        *("com", "net", "org", "edu", "gov", "mil", "int", "arpa"),  # RFC 1591
        *("info", "biz", "name", "pro", "aero", "coop", "museum"),  # 2000-2001
        *("mobi", "asia", "tel", "travel", "jobs", "cat", "post", "xxx"),  # to 2012
    }
)


def _top_level(label: str) -> bool:
    return label in _GENERIC_TOP_LEVEL or (len(label) == 2 and label.isalpha())


# Policy: whose a dot keyword's label inside a dotted name is, one row each (checked in
# order; "written" is the label as the writer typed it, "last" whether the name ends there)
_DOTTED: tuple[tuple[Callable[[str, str, bool], bool], bool], ...] = (
    # a capital in it: a name of the technology (ASP.NET, Asp.Net, System.Net.Http)
    (lambda label, written, last: written != label, False),
    # the end of a lower-case host name: its top-level domain (example.net, example.jp)
    (lambda label, written, last: last and _top_level(label), True),
    # the end of another name: its file type (report.xlsx, web.config)
    (lambda label, written, last: last, False),
    # a lower-case label inside a name: the file's or host's (app.net.json)
    (lambda label, written, last: True, True),
)


def names_own(text: str, at: int, written: Callable[[], str]) -> bool:
    """Whether the dot keyword found at ``at`` of ``text`` (normalised for matching) is
    a label of the dotted name it stands in, not a word of its own (:data:`_DOTTED`).
    ``written`` gives the text as written, place for place (asked only inside a name)."""
    if not (text.startswith(".", at) and at and text[at - 1] in _LABEL):
        return False  # not after a label: ".NET 8", "(.net)", 売上.xlsx
    end = at + 1
    while end < len(text) and text[end] in _LABEL:
        end += 1
    label = text[at + 1 : end]
    last = not (text.startswith(".", end) and text[end + 1 : end + 2] in _LABEL)
    as_written = written()[at + 1 : end]
    return next(own for rule, own in _DOTTED if rule(label, as_written, last))
