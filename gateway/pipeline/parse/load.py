"""Raw bytes into an ``email.message.Message``, whatever state the bytes are in.

Real mail arrives with a byte-order mark or blank lines before the headers,
with folded header lines that lost their indentation, with MIME trees that
make one parser or another give up. This module repairs what can be repaired
before parsing, then tries mail-parser, the stdlib parser, a flat one-pass
reading of the parts and, as a last resort, the headers alone; each repair and
each fallback is a defect note.

Hostile shapes skip mail-parser (issue #14): it decodes every header again in
time that grows with the square of the header's size (60 000 encoded words took
8 s) and re-encodes every part, so a message whose header block or number of
parts is beyond any real mail's (:data:`MAX_HEADER_BLOCK`, :data:`MAX_PARTS`) is
parsed by the stdlib alone, and one nested deeper than the stdlib can recurse is
read by :mod:`.flat`. Our own decoding (:mod:`.headers`, :mod:`.mime`) is linear.
"""

from __future__ import annotations

import email
import logging
import re
from datetime import datetime
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from typing import Any

from gateway.core.counted import counted
from gateway.pipeline.parse import params
from gateway.pipeline.parse.flat import flat_message
from gateway.pipeline.parse.windows import WINDOW, InMemory, Source, Windows

params.install()  # MIME parameters in linear time, whoever asks for them

_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\n|\r|$)")
_FIELD = re.compile(rb"[!-9;-~]+[ \t]*:")
_COMMON_FIELD = re.compile(
    rb"(?:from|to|cc|subject|date|message-id|mime-version|content-[a-z-]+|received|"
    rb"return-path|reply-to|in-reply-to|references|x-[a-z0-9-]+)[ \t]*:",
    re.I,
)
# a field whose name (no blanks, up to its colon) holds a byte RFC 5322 keeps out of
# names: a NUL or another control, DEL, 8-bit text
# (two patterns, each linear: one with the bad byte inside the name's run backtracks)
_NAME = re.compile(rb"[^ \t\r\n:]+[ \t]*:")
_NOT_IN_NAMES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\xff]")
UNREADABLE_FIELD = b"X-Unreadable-Field"  # what such a field is called; nothing reads it
_HEADER_SCAN_LIMIT = 512 * 1024
MAX_HEADER_BLOCK = 64 * 1024  # bytes of header block mail-parser is given
MAX_PARTS = 200  # "--" lines (boundaries) mail-parser is given
MAX_CONTAINERS = 100  # multipart containers the stdlib's recursive parser is given
# multipart containers mail-parser is given: it writes every part out again, each with
# all the parts inside it, so its time grows with depth times size (fifty forwards of a
# forward, 23 KB, took 0.3 s; forty-five around a 2 MB file, 4 s, and the attached mails
# are parsed again one by one when the mail has no words of its own: 45 s of one row).
# The stdlib's parse of the same bytes is the same tree (mail-parser runs it), linear;
# a real mail's forwards of forwards and alternatives stay well under this
MAX_NESTED = 16
_CONTAINER = re.compile(rb"^content-type:[ \t]*multipart/", re.I | re.M)


_PREAMBLE_REMOVED = "headers: byte-order mark or blank lines before the headers removed"


def _rejoined(count: int) -> str:
    return f"headers: {counted(count, 'unindented continuation line')} rejoined"


def _renamed(count: int) -> str:
    name = UNREADABLE_FIELD.decode()
    return f"headers: {counted(count, 'field name')} with bytes a name cannot have, renamed {name}"


def repaired(raw: bytes, defects: list[str]) -> bytes:
    """``raw`` with the header block made parseable; each repair noted in ``defects``."""
    data, notes = repair_header_block(strip_preamble(raw, defects))
    defects.extend(notes)
    return data


def repaired_windows(data: Windows, defects: list[str]) -> Windows:
    """:func:`repaired` of a message read a window at a time: the same bytes, as a view
    of the stored ones (the repairs only touch what comes before the first header
    line and the header lines within :data:`_HEADER_SCAN_LIMIT`)."""
    skip = 3 if data.slice(0, 3) == b"\xef\xbb\xbf" else 0
    while skip < len(data):  # what strip_preamble's lstrip takes, a window at a time
        piece = data.slice(skip, skip + WINDOW)
        kept = len(piece.lstrip(b"\r\n"))
        skip += len(piece) - kept
        if kept:
            break
    if skip:
        defects.append(_PREAMBLE_REMOVED)
    stripped = data.after(skip)
    prefix = stripped.slice(0, _HEADER_SCAN_LIMIT)  # all repair_header_block looks at
    head, notes = repair_header_block(prefix)
    if not notes:
        return stripped
    defects.extend(notes)
    return stripped.after(len(prefix), head=head)


def strip_preamble(raw: bytes, defects: list[str]) -> bytes:
    """A BOM or blank lines before the headers would make the parser see no headers."""
    data = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    stripped = data.lstrip(b"\r\n")
    if len(stripped) != len(raw):
        defects.append(_PREAMBLE_REMOVED)
    return stripped


def repair_header_block(raw: bytes) -> tuple[bytes, list[str]]:
    """Re-indent folded lines that lost their leading whitespace; rename fields whose
    name has bytes no name may have. Returns the bytes and a note per kind of repair.

    The stdlib treats such a line as the start of the body, so every header
    after it (often Subject and From) silently lands in the text.  A line is
    only rejoined when real header fields follow it before the blank line. A line
    shaped as a field whose name holds a NUL, a control or 8-bit text (``件名:``) is a
    field, not a fold: joined, it would change the address above it.
    """
    lines: list[bytes] = []
    for match in _LINE.finditer(raw, 0, min(len(raw), _HEADER_SCAN_LIMIT)):
        line = match.group()
        if not line or not line.strip(b"\r\n"):
            break
        lines.append(line)
    head_len = sum(len(line) for line in lines)
    renamed = []
    for i, line in enumerate(lines):
        name = _NAME.match(line) if i else None
        if name is not None and _NOT_IN_NAMES.search(name.group()):
            lines[i] = UNREADABLE_FIELD + b":" + line[name.end() :]
            renamed.append(i)
    notes = [_renamed(len(renamed))] if renamed else []
    broken = [
        i
        for i, line in enumerate(lines)
        if i and line[:1] not in (b" ", b"\t") and not _FIELD.match(line)
    ]
    if not broken or not any(_COMMON_FIELD.match(line) for line in lines[broken[0] + 1 :]):
        return (b"".join(lines) + raw[head_len:] if renamed else raw), notes
    last_field = max(i for i, line in enumerate(lines) if _COMMON_FIELD.match(line))
    fixes = [i for i in broken if i < last_field]
    for i in fixes:
        lines[i] = b" " + lines[i]
    if fixes:
        notes.append(_rejoined(len(fixes)))
    return b"".join(lines) + raw[head_len:], notes


def load(raw: bytes, defects: list[str]) -> tuple[Message, datetime | None] | None:
    """Parse with mail-parser; fall back to the stdlib parser if it fails.

    Returns the message and mail-parser's own reading of the Date header (a
    fallback for a Date the header parser cannot read), or None when not even
    the headers could be parsed.
    """
    hostile = hostile_shape(raw)
    if hostile:
        defects.append(f"{hostile}; parsed without mail-parser")
        containers = len(_CONTAINER.findall(raw))
        if containers > MAX_CONTAINERS:  # nested beyond reason: flat at once, no recursion
            flat = _flat(raw, defects, f"{containers} nested multipart containers")
            if flat is not None:
                return flat, None
        return _stdlib(raw, defects)
    if nested_beyond(raw, MAX_NESTED):  # not malformed: only not for mail-parser
        return _stdlib(raw, defects)
    try:
        import mailparser  # imported lazily: it is heavy and pulls in half the stdlib

        logging.getLogger("mailparser").setLevel(logging.ERROR)
        parsed = mailparser.parse_from_bytes(raw)
        message = parsed.message
        if not isinstance(message, Message):
            raise TypeError("mail-parser returned no message")
        defects.extend(_mailparser_defects(parsed.defects))
        date = parsed.date if isinstance(parsed.date, datetime) else None
        return message, date
    except Exception as exc:  # noqa: BLE001 - mail-parser is one of three chances
        defects.append(f"mail-parser failed ({type(exc).__name__}); used stdlib parser")
    return _stdlib(raw, defects)


def _stdlib(raw: bytes, defects: list[str]) -> tuple[Message, None] | None:
    try:
        message = email.message_from_bytes(raw, policy=compat32)
        defects.extend(_stdlib_defects(message))
        return message, None
    except RecursionError:
        flat = _flat(raw, defects, "nested too deep to follow")
        if flat is not None:
            return flat, None
    except Exception as exc:  # noqa: BLE001
        defects.append(f"stdlib parser failed ({type(exc).__name__}); body not parsed")
    return _headers_only(raw, defects)


def _flat(raw: bytes, defects: list[str], why: str) -> Message | None:
    """Nested deeper than the stdlib parser recurses: every part, read in one pass."""
    try:
        message = flat_message(raw)
    except Exception as exc:  # noqa: BLE001 - the headers alone are the last resort
        defects.append(f"flat parser failed ({type(exc).__name__}); body not parsed")
        return None
    if message is not None:
        parts = len(message.get_payload())
        defects.append(f"mime: {why}; {counted(parts, 'part')} read in order")
    return message


def hostile_shape(raw: bytes) -> str:
    """Why mail-parser must not see ``raw`` ("" when it may): sizes no real mail has."""
    head = header_block_size(raw)
    if head > MAX_HEADER_BLOCK:
        return f"headers: {head}-byte header block"
    dashes = raw.count(b"\n--")
    if dashes > MAX_PARTS:
        return f"mime: {dashes} boundary lines"
    return ""


def nested_beyond(raw: bytes, most: int) -> bool:
    """Whether ``raw`` has more than ``most`` multipart containers. Each has two
    boundary lines at least (a part's and the closing one), so a mail with few ``--``
    lines, nearly every mail, is answered without a scan for the headers."""
    if raw.count(b"\n--") <= 2 * most:
        return False
    return len(_CONTAINER.findall(raw)) > most


def header_block_size(raw: bytes) -> int:
    """Where the first blank line starts, as :func:`hostile_shape` measures it."""
    return header_block_size_of(InMemory(raw))


def header_block_size_of(data: Source) -> int:
    """:func:`header_block_size` of a message asked through ``data`` (held, or read a
    window at a time). The search for LF LF stops where CRLF CRLF was found: no scan
    of a whole CRLF body."""
    crlf = data.find(b"\r\n\r\n", 0, len(data))
    lf = data.find(b"\n\n", 0, crlf + 1 if crlf >= 0 else len(data))
    ends = [i for i in (lf, crlf) if i >= 0]
    return min(ends) if ends else len(data)


def _headers_only(raw: bytes, defects: list[str]) -> tuple[Message, None] | None:
    """Last resort (e.g. multipart nesting deeper than the stack): keep the headers."""
    try:
        message = BytesParser(policy=compat32).parsebytes(raw, headersonly=True)
        message.set_payload("")
    except Exception as exc:  # noqa: BLE001
        defects.append(f"header parser failed ({type(exc).__name__}); message unreadable")
        return None
    return message, None


def _mailparser_defects(raw_defects: Any) -> list[str]:
    out: list[str] = []
    for entry in raw_defects or []:
        if not isinstance(entry, dict):
            out.append(f"mime: {entry}")
            continue
        for where, items in entry.items():
            for item in items if isinstance(items, list) else [items]:
                if "CharsetDecodeDefect" in str(item):
                    continue  # about mail-parser's own text decoding, which we replace
                out.append(f"mime: {where}: {item}")
    return out


def _stdlib_defects(message: Message) -> list[str]:
    out: list[str] = []
    for part in message.walk():
        for defect in part.defects:
            out.append(f"mime: {part.get_content_type()}: {type(defect).__name__}")
    return out
