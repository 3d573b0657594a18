"""Is this input mail at all? A cheap look at the first bytes, before any parse.

``ingest`` answers 65 (EX_DATAERR) only for input that is not mail; anything
that starts like a header block is mail, however broken, and is stored. The
parser asks the same question, so both agree by construction.
"""

from __future__ import annotations

import re

from gateway.core.msgid import field_id

_BINARY_MAGIC = (
    b"%PDF",
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"PK\x07\x08",
    b"\x89PNG",
    b"GIF87a",
    b"GIF89a",
    b"\xff\xd8\xff",
    b"\x1f\x8b",
    b"7z\xbc\xaf",
    b"Rar!",
    b"\xd0\xcf\x11\xe0",
    b"\x7fELF",
    b"%!PS",
    b"II*\x00",
    b"MM\x00*",
    b"\x00\x00\x01\x00",
    b"OggS",
    b"RIFF",
    b"BZh",
)
# a field name, then a colon that is not the start of "http://"
_HEADER_START = re.compile(rb"[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]{0,75}[ \t]*:(?!//)")
_MBOX_FROM = re.compile(rb"From \S")


SNIFF_BYTES = 8192  # all that not_mail_reason reads: a caller may hand it just these


def not_mail_reason(raw: bytes) -> str | None:
    """Why the input is not mail at all, or None when it starts with a header."""
    stripped = raw[:SNIFF_BYTES].removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    if not stripped:
        return "empty input"
    if stripped.startswith(_BINARY_MAGIC):
        return "binary file signature"
    first = _first_line(stripped)
    if _MBOX_FROM.match(first):
        stripped = stripped[len(first) :].lstrip(b"\r\n")
        first = _first_line(stripped)
    if not _HEADER_START.match(first):
        return _NUL_HEAD if b"\x00" in first else "no header line at the start"
    # A line that starts as a header is one: a stray NUL after its colon is mail (it was
    # stored, then ignored, and the pipe's 65 bounced it). Mostly NUL is a binary
    # record's padding (a tar file whose name has a colon), not a header.
    if first.count(b"\x00") * 4 > len(first):
        return _NUL_HEAD
    return None


_NUL_HEAD = "binary data (NUL bytes) where headers should be"


def looks_like_mail(raw: bytes) -> bool:
    return not_mail_reason(raw) is None


def _first_line(data: bytes) -> bytes:
    return re.split(rb"\r\n|\r|\n", data[:4096], maxsplit=1)[0]


# the field with its folded lines (each after a line break and a blank): one pass
_MESSAGE_ID = re.compile(
    rb"^message-id:([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)", re.IGNORECASE | re.MULTILINE
)


def header_message_id(raw: bytes) -> str | None:
    """The Message-ID from the header block, cheaply, without a MIME parse.

    Sources record it on the inbox row at accept time, before any parsing. It is what
    the first brackets hold, whole, its runs of whitespace one space, as the parser
    reads it (:func:`gateway.pipeline.parse.headers.message_id`): ``<abc def@x>`` read
    as ``abc`` was the key of every mail whose id began so, and an IMAP rescan took
    the second for the first. Without brackets: the field's words.
    """
    ends = [i for i in (raw.find(b"\n\n"), raw.find(b"\r\n\r\n")) if i >= 0]
    head = raw[: min(ends)] if ends else raw  # no split(): it would copy the whole body
    m = _MESSAGE_ID.search(head)
    if m is None:
        return None
    found = field_id(m.group(1).decode("ascii", "replace"))
    return found[:998] if found else None
