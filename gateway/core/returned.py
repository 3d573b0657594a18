"""The Message-IDs a bounce, an auto-reply or a report quotes: the mail it is about.

A pure scan of the raw bytes, apart from :mod:`gateway.pipeline.loops` (which uses it
to thread a bounce to its ticket) so that ``status``, which finds a member's digest that
came back, reads it without the mail parser's imports.
"""

from __future__ import annotations

import re

from gateway.core import msgid

MAX_RETURNED = 20  # a bounce quotes one message; a thousand "Message-ID:" lines are not ids
# a read receipt names the message in its Original-Message-ID field (RFC 8098 3.2.5)
# (with its folded lines): the id is read as the parser read the stored one, whole and
# kept to a header's length (gateway.core.msgid), so that it is found among them
_MID = re.compile(
    rb"^(?:original-)?message-id:([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)", re.IGNORECASE | re.MULTILINE
)


# where a message's own header ends: its first empty line (RFC 5322 2.1)
_HEADER_END = re.compile(rb"\r?\n\r?\n")


def returned_message_ids(raw: bytes) -> list[str]:
    """Message-IDs quoted inside a bounce, auto-reply or report (the mail it is about).

    They are read below the notice's own header, whose Message-ID (if it has one) is
    the notice's: from the returned headers (message/rfc822 or text/rfc822-headers
    parts, or a copy inline) and a read receipt's Original-Message-ID. Not "all but
    the first one found": qmail's "failure notice" and many Japanese providers' plain
    notices carry no Message-ID of their own, and the first one is then the mail of
    ours that came back.
    """
    end = _HEADER_END.search(raw)
    found: list[str] = []
    for field in _MID.finditer(raw, end.end() if end is not None else len(raw)):
        found.append(msgid.field_id(field.group(1).decode("ascii", "replace")))
        if len(found) >= MAX_RETURNED:
            break
    return [msgid.bounded(named) for named in found if named]
