"""Big base64 parts hashed ahead, so that the parser never holds them (issue #18).

The parsers copy a part's bytes several times over (mail-parser keeps every
part, the stdlib keeps the payload as text, decoding makes bytes of it): one
25 MB attachment cost ~250 MB of memory to parse. An attachment only becomes a
row of name, type, size and SHA-256 (its bytes stay in the raw message), so this
pre-pass finds each long run of base64 lines, decodes it a chunk at a time into
a hash, never whole, and puts one short sentinel line in its place. The parser
then reads the slim copy, and the walk (:mod:`.mime`) takes the size and hash
found here for a part whose payload is a sentinel.

Why the slim parse is the whole parse but for those payloads: a replaced run is
whole lines of the base64 alphabet alone (no ``-``, no ``:``, no blank line, no
lone CR, padding only at its very end, a multiple of four characters), and so is
the sentinel. Every decision the parsers take line by line (header lines,
boundary lines, blank lines, the hostile-shape counts of :mod:`.load`, the flat
reader) takes such lines alike, so the tree and its defects come out the same;
and the stdlib's base64 decoding (``email._encoded_words.decode_b``, strict
first) and the walk's loose-CTE decoding read such clean base64 exactly as the
strict chunked decoding here does, without a defect. What this pass cannot know
(which part a parser sees there, whether it decodes it as base64, whether the
walk lists it as an attachment) the parse itself answers: every sentinel must
come back exactly once as an attachment's payload, or the caller parses the
whole message (:mod:`.message`).

Linear: lines starting with ``-`` (boundaries) split the message into stretches,
found by searching windows of :data:`SLIM_ABOVE` bytes so that a dense run of
boundaries costs no Python loop per line; only a stretch longer than that is
read further, once, in :data:`CHUNK` pieces.

The pass asks its questions of a :class:`~.windows.Source`: :func:`slim` of
``bytes`` in memory, :func:`slim_source` of a message read a window at a time
(a batch ingest slims a big stored message from its database blob, never
holding it whole), with the same answers either way.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32

from gateway.pipeline.parse.tnef import is_tnef_part
from gateway.pipeline.parse.windows import InMemory, Source

__all__ = ["MARKER_LEN", "SLIM_ABOVE", "BigPart", "Slimmed", "decode_run", "slim", "slim_source"]

# Policy values:
SLIM_ABOVE = 1 << 20  # base64 bytes from which a run is hashed ahead: below it, parsing
#                       copies cost less than a few MB, and the corpus's attachments
#                       (median ~100 KB) keep the one parse they always had
CHUNK = 1 << 20  # base64 bytes decoded and hashed at a time: the memory a big part costs
MAX_EDGE_NEWLINES = 64  # blank lines around a run looked past; more and it is left alone

_WHITESPACE = b" \t\n\r\x0b\x0c"  # what bytes.strip() strips: the walk skips a blank part
_NEWLINES = re.compile(rb"[\r\n]{0,%d}" % MAX_EDGE_NEWLINES)
_BLANK_LINE = re.compile(rb"\n\r?\n")  # starts with a literal: searched at memchr speed
_LONE_CR = re.compile(rb"\r(?!\n)")  # a line end for the stdlib parser, not for this pass
_BLANK_REACH, _LONE_CR_REACH = 3, 2  # bytes a match of each covers, look-ahead included


@dataclass(frozen=True, slots=True)
class BigPart:
    """What a replaced run decodes to, as the walk would have found it."""

    sentinel: str  # the line that stands for the run in the slim copy
    size: int
    sha256: str
    blank: bool  # whitespace only (the walk skips a blank part that has no name)
    span: tuple[int, int]  # where the run was in the message slimmed (start, end)


@dataclass(frozen=True, slots=True)
class Slimmed:
    """A message with its big runs replaced; ``parts`` keyed by each sentinel's
    decoded bytes (what the walk sees as the part's data)."""

    data: bytes
    parts: dict[bytes, BigPart]


def slim(data: bytes, *, after: int = 0, above: int = SLIM_ABOVE) -> Slimmed | None:
    """``data`` with every run of base64 lines longer than ``above`` replaced, or None
    when there is none. ``after``: no run may start before this offset (the header
    block as :func:`.load.header_block_size` measures it, so that measure stays)."""
    return slim_source(InMemory(data), after=after, above=above)


def slim_source(data: Source, *, after: int = 0, above: int = SLIM_ABOVE) -> Slimmed | None:
    """:func:`slim` of a message asked through ``data`` (read a window at a time, or
    held): the slim copy is the only thing of its size it makes."""
    if len(data) <= above:
        return None
    nonce = os.urandom(12).hex()  # unguessable: no sender can plant a sentinel's bytes
    pieces: list[bytes] = []
    parts: dict[bytes, BigPart] = {}
    done = 0
    for start, end in _stretches(data, above):
        run = _run(data, start, end)
        if run is None or run[0] <= after or run[1] - run[0] <= above:
            continue
        if not _worth_it(data, start, run[0]):
            continue
        found = _decode_hash(data, *run)
        if found is None:
            continue
        marker = _marker(nonce, len(parts))
        sentinel = base64.b64encode(marker)
        pieces += [data.slice(done, run[0]), sentinel]
        done = run[1]
        parts[marker] = BigPart(sentinel.decode("ascii"), *found, span=run)
    if not parts:
        return None
    pieces.append(data.slice(done, len(data)))
    return Slimmed(b"".join(pieces), parts)


def _marker(nonce: str, index: int) -> bytes:
    """A sentinel's decoded bytes: a length that is a multiple of 3, so its base64
    line carries no padding."""
    text = f"ticket-gateway slim part {nonce} {index:06d}".encode("ascii")
    return text + b"." * (-len(text) % 3)


MARKER_LEN = len(_marker("0" * 24, 0))  # every sentinel decodes to this many bytes


def _stretches(data: Source, above: int) -> Iterator[tuple[int, int]]:
    """(start, end) of each stretch longer than ``above`` between lines that start with
    ``-``: the first from the top, the others from such a line to the newline before
    the next. A window with a dash line in it moves on to its last one, so two
    searches advance at least ``above`` bytes."""
    start = 0
    while start < len(data):
        last = data.rfind(b"\n-", start, start + above + 1)
        if last >= 0:
            start = last + 1
            continue
        end = data.find(b"\n-", start + above, len(data))
        end = len(data) if end < 0 else end
        if end - start > above:
            yield start, end
        start = end + 1


def _run(data: Source, start: int, end: int) -> tuple[int, int] | None:
    """The lines after the stretch's first blank line (its part's header block), blank
    lines at either edge left out, if they are clean base64 lines; else None."""
    blank = data.search(_BLANK_LINE, start, end, _BLANK_REACH)
    if blank is None:
        return None
    begin = blank[1]
    lead = _NEWLINES.match(data.slice(begin, min(end, begin + MAX_EDGE_NEWLINES)))
    begin += lead.end() if lead else 0
    base = max(begin, end - MAX_EDGE_NEWLINES - 1)  # the last bytes the loop may look at
    tail = data.slice(base, end)
    stop = end
    while stop > begin and end - stop <= MAX_EDGE_NEWLINES and tail[stop - 1 - base] in b"\r\n":
        stop -= 1
    if (
        stop <= begin
        or tail[stop - 1 - base] in b"\r\n"
        or data.slice(begin, begin + 1)[0] in b"\r\n"
    ):
        return None  # nothing but newlines, or more of them than we look past
    if data.search(_BLANK_LINE, begin, stop, _BLANK_REACH) or data.search(
        _LONE_CR, begin, stop, _LONE_CR_REACH
    ):
        return None  # a blank line or a lone CR inside: structure the parsers could see
    return begin, stop


def _worth_it(data: Source, start: int, begin: int) -> bool:
    """Whether the header block before the run (after the stretch's boundary line, or
    the message's own) says base64 that the walk lists as an attachment. Only a
    saving: the parse finds out anyway, but a run it reads as text (a body part, an
    attached message, a multipart that lost its boundary) would be parsed twice."""
    head_start = data.find(b"\n", start, begin) + 1 if start else 0
    head = BytesHeaderParser(policy=compat32).parsebytes(data.slice(head_start, begin))
    maintype = head.get_content_maintype()
    if "base64" not in str(head.get("content-transfer-encoding", "")).lower():
        return False
    # winmail.dat: the walk reads files out of its bytes (.tnef), so it is never hashed ahead
    return (
        maintype not in ("multipart", "message") and not _body_text(head) and not is_tnef_part(head)
    )


def _body_text(head: Message) -> bool:
    """What the walk reads as body text rather than an attachment (as ``.mime`` does:
    plain or HTML, not marked as an attachment, without a file name)."""
    if head.get_content_type() not in ("text/plain", "text/html"):
        return False
    if head.get_content_disposition() == "attachment":
        return False
    named = head.get_param("filename", None, "content-disposition") or head.get_param("name")
    return not named


def _decode_hash(data: Source, start: int, end: int) -> tuple[int, str, bool] | None:
    """(size, SHA-256, blank) of the run's strict base64 decoding, a chunk at a time;
    None if it is not clean base64 throughout (strict decoding is what the stdlib
    reads without a defect)."""
    digest = hashlib.sha256()
    size = 0
    blank = True
    try:
        for chunk in _decoded(data, start, end):
            digest.update(chunk)
            size += len(chunk)
            blank = blank and not chunk.translate(None, _WHITESPACE)
    except binascii.Error:
        return None
    return size, digest.hexdigest(), blank


def decode_run(data: bytes, span: tuple[int, int]) -> bytes:
    """The bytes of a run :func:`slim` replaced (``span``: its BigPart's), for a
    download: the same bytes the walk would have decoded, without a parse."""
    return b"".join(_decoded(InMemory(data), *span))


def _decoded(data: Source, start: int, end: int) -> Iterator[bytes]:
    """The run's strict base64 decoding, a chunk at a time; binascii.Error when
    it is not clean base64 throughout."""
    carry = b""
    padded = False
    for at in range(start, end, CHUNK):
        text = carry + data.slice(at, min(at + CHUNK, end)).translate(None, b"\r\n")
        whole = len(text) - len(text) % 4
        carry = text[whole:]
        if not whole:
            continue
        if padded:
            raise binascii.Error("data after the padding")
        yield binascii.a2b_base64(text[:whole], strict_mode=True)
        padded = text[whole - 1] == 0x3D  # "="
    if carry:
        raise binascii.Error("not a multiple of four: the stdlib would note bad padding")
