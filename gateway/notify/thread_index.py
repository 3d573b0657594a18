"""Outlook's conversation index for a ticket's mail (``Thread-Index``, MS-OXOMSG 2.2.1.3).

Outlook and Exchange group a conversation by this header and ``Thread-Topic``, not by
References, and the subjects of one ticket's mails differ by kind ("[#1] Re: …",
"[#1] 更新: …"): without it each kind was a conversation of its own. Every mail of a
ticket carries the same 22-byte header block — the ticket's opening time and a GUID
that is the ticket's (a digest of our address and its number, so the same on every
mail without being stored) — and one 5-byte child block for itself. A reply Outlook
writes to one of them keeps the header block, and so stays in the conversation. Pure.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)  # FILETIME counts 100 ns from here
_LOW = 16  # the bits of the opening time the header block leaves out


def _filetime(moment: datetime) -> int:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return max(0, (aware - _EPOCH) // timedelta(microseconds=1) * 10)


def thread_index(address: str, ticket_id: int, opened: datetime, sent: datetime, own: str) -> str:
    """The base64 ``Thread-Index`` of the mail ``own`` (its Message-ID), sent at ``sent``
    about ticket ``ticket_id`` opened at ``opened``."""
    start = _filetime(opened) >> _LOW
    guid = hashlib.sha256(f"{address.lower()}#{ticket_id}".encode()).digest()[:16]
    head = start.to_bytes(6, "big") + guid  # its first byte the reserved 0x01 until 2057
    delta = max(0, _filetime(sent) - (start << _LOW))
    # under 2^49 (1.7 years) in steps of 2^18, else code 1 and steps of 2^23
    code, step = (0, 18) if delta < 1 << 49 else (1, 23)
    random = hashlib.sha256(own.encode("utf-8", "replace")).digest()[0]
    child = (code << 39) | (((delta >> step) & 0x7FFFFFFF) << 8) | random
    return base64.b64encode(head + child.to_bytes(5, "big")).decode("ascii")
