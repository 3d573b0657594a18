"""Is this input mail at all? A cheap look at the first bytes, before any parse.

``ingest`` answers 65 (EX_DATAERR) only for input that is not mail; anything
that starts like a header block is mail, however broken, and is stored.
"""

from __future__ import annotations

import re

_HEADER_LINE = re.compile(rb"^[!-9;-~]{1,76}:[ \t]?", re.ASCII)
_BINARY_MAGIC = (b"%PDF", b"PK\x03\x04", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"\x1f\x8b",
                 b"\x7fELF")


def looks_like_mail(raw: bytes) -> bool:
    head = raw[:8192].lstrip()  # some stores pad messages with leading blanks
    if not head or head.startswith(_BINARY_MAGIC):
        return False
    if head.startswith(b"From ") and b"\n" in head:  # an mbox "From " separator line
        head = head.split(b"\n", 1)[1]
    first = head.split(b"\n", 1)[0]
    if b"\x00" in first:
        return False
    return bool(_HEADER_LINE.match(first))
