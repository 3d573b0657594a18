"""The files inside ``winmail.dat``: Outlook's rich-text mail (TNEF, MS-OXTNEF).

Outlook and Exchange, writing a mail in rich text to an address they take for another
Outlook, put the files the sender attached inside one ``application/ms-tnef`` part
named ``winmail.dat``. Any other reader (a member's Thunderbird, Gmail, a phone, the
ticket page) sees that one file and not the customer's PDF; Zammad and osTicket read
the files out of it. This reads the stream's attachment attributes: each file's
bytes (``attAttachData``, or the ``PR_ATTACH_DATA_OBJ`` property) and its name (the
long file name property, else the 8.3 title), in the order the sender attached them.
An attached Outlook item (an embedded message) is not a file and stays inside.

Pure and linear: one pass over the attributes, every length checked against what is
left; a stream that is not TNEF, or that breaks off, gives the files read before it.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message

from gateway.pipeline.parse.html_text import html_to_text
from gateway.pipeline.parse.lzfu import decompressed
from gateway.pipeline.parse.rtf_text import rtf_text

__all__ = ["TNEF_TYPES", "is_stream", "is_tnef", "is_tnef_part", "tnef_files", "tnef_text"]

TNEF_TYPES = frozenset({"application/ms-tnef", "application/vnd.ms-tnef"})
SIGNATURE = 0x223E9F78
_LEVEL_MESSAGE, _LEVEL_ATTACHMENT = 0x01, 0x02
MAX_FILES = 1000  # read out of one stream, as many as a message lists (.mime)
# attribute ids (type << 16 | id), MS-OXTNEF 2.1.3.1: the ones a file is made of
_ATT_OEM_CODEPAGE = 0x00069007  # the code page the 8-bit strings are in
_ATT_ATTACH_REND_DATA = 0x00069002  # the first attribute of each attachment
_ATT_ATTACH_TITLE = 0x00018010  # its name, 8.3 or as typed, in the OEM code page
_ATT_ATTACH_DATA = 0x0006800F  # its bytes
_ATT_ATTACHMENT = 0x00069005  # its MAPI properties (the long name among them)
_ATT_BODY = 0x0002800C  # the message's plain text, in the OEM code page
_ATT_MSG_PROPS = 0x00069003  # the message's MAPI properties (its bodies among them)
# MAPI properties of the message (MS-OXPROPS): its bodies
_PR_BODY = 0x1000  # plain text
_PR_RTF_COMPRESSED = 0x1009  # rich text, LZFu-compressed (MS-OXRTFCP)
_PR_BODY_HTML = 0x1013  # HTML
# MAPI properties of an attachment (MS-OXPROPS)
_PR_ATTACH_LONG_FILENAME = 0x3707
_PR_ATTACH_FILENAME = 0x3704
_PR_DISPLAY_NAME = 0x3001
_PR_ATTACH_DATA_OBJ = 0x3701
_PR_ATTACH_METHOD = 0x3705
_ATTACH_EMBEDDED_MSG = 5  # PR_ATTACH_METHOD of an Outlook item: no file
_NAME_PROPS = (_PR_ATTACH_LONG_FILENAME, _PR_ATTACH_FILENAME, _PR_DISPLAY_NAME)
# property types (MS-OXCDATA 2.11.1): fixed sizes; variable ones are count, length, bytes
_FIXED = {
    0x0001: 4,  # PtypNull
    0x0002: 4,  # PtypInteger16, padded
    0x0003: 4,  # PtypInteger32
    0x0004: 4,  # PtypFloating32
    0x0005: 8,  # PtypFloating64
    0x0006: 8,  # PtypCurrency
    0x0007: 8,  # PtypFloatingTime
    0x000A: 4,  # PtypErrorCode
    0x000B: 4,  # PtypBoolean, padded
    0x0014: 8,  # PtypInteger64
    0x0040: 8,  # PtypTime
    0x0048: 16,  # PtypGuid
}
_STRING8, _UNICODE, _BINARY, _OBJECT = 0x001E, 0x001F, 0x0102, 0x000D
_MULTIPLE = 0x1000


@dataclass
class _File:
    title: str = ""
    data: bytes | None = None
    props: dict[int, object] = field(default_factory=dict)


def is_tnef(content_type: str, filename: str) -> bool:
    """Whether a part is a TNEF stream by its label: the type, or the name Outlook gives
    it when a server relabelled it ``application/octet-stream``."""
    return content_type.lower() in TNEF_TYPES or filename.strip().lower() == "winmail.dat"


def is_tnef_part(part: Message) -> bool:
    """:func:`is_tnef` of a part by its header (a big part :mod:`.slim` would hash ahead:
    its files are read out of its bytes, so it is parsed whole)."""
    try:
        name = part.get_filename() or ""
    except Exception:  # noqa: BLE001 - a header the stdlib cannot read names no TNEF
        name = ""
    return is_tnef(part.get_content_type(), str(name))


def is_stream(data: bytes) -> bool:
    """Whether ``data`` starts as a TNEF stream does (its signature)."""
    return len(data) >= 6 and struct.unpack_from("<I", data)[0] == SIGNATURE


def _attributes(data: bytes) -> Iterator[tuple[int, int, bytes]]:
    """(level, attribute id, value) of each attribute of the stream, in order; a stream
    cut short ends at the last whole one."""
    at = 6
    while at + 9 <= len(data):
        level, attribute, length = struct.unpack_from("<BII", data, at)
        start = at + 9
        if start + length + 2 > len(data):
            return  # cut short: what was read stands
        yield level, attribute, data[start : start + length]
        at = start + length + 2  # the checksum after it is not needed to read it


def tnef_text(data: bytes) -> str:
    """The words of the rich-text mail the TNEF stream ``data`` carries (Outlook's,
    when its plain-text part is empty or absent): its plain body (``PR_BODY``,
    ``attBody``), else its compressed RTF (``PR_RTF_COMPRESSED``: :mod:`.lzfu`, read
    as text by :mod:`.rtf_text`, HTML encapsulated in it read as any HTML mail's),
    else its HTML body (``PR_BODY_HTML``). "" when it has none. Never renders HTML."""
    if not is_stream(data):
        return ""
    props: dict[int, object] = {}
    body, codepage = "", "cp1252"
    for level, attribute, value in _attributes(data):
        if attribute == _ATT_OEM_CODEPAGE and len(value) >= 4:
            codepage = _codec(struct.unpack_from("<I", value)[0])
        elif level == _LEVEL_MESSAGE and attribute == _ATT_BODY:
            body = value.split(b"\0", 1)[0].decode(codepage, "replace")
        elif level == _LEVEL_MESSAGE and attribute == _ATT_MSG_PROPS:
            props = _properties(value, codepage)
    plain = props.get(_PR_BODY)
    for words in (plain if isinstance(plain, str) else "", body):
        if words.strip():
            return words
    rtf = props.get(_PR_RTF_COMPRESSED)
    found = decompressed(rtf) if isinstance(rtf, bytes) else None
    if found is not None:
        text, is_html = rtf_text(found, int(codepage[2:]) if codepage[2:].isdigit() else 1252)
        words = html_to_text(text) if is_html else text
        if words.strip():
            return words
    html = props.get(_PR_BODY_HTML)
    if isinstance(html, bytes):
        html = html.decode(codepage, "replace")
    return html_to_text(html) if isinstance(html, str) else ""


def tnef_files(data: bytes) -> list[tuple[str, bytes]]:
    """(name, bytes) of each file in the TNEF stream ``data``; [] when it is none."""
    if not is_stream(data):
        return []
    files: list[_File] = []
    codepage = "cp1252"
    for level, attribute, value in _attributes(data):
        length = len(value)
        if attribute == _ATT_OEM_CODEPAGE and length >= 4:
            codepage = _codec(struct.unpack_from("<I", value)[0])
        if level != _LEVEL_ATTACHMENT:
            continue
        if attribute == _ATT_ATTACH_REND_DATA or not files:
            if len(files) == MAX_FILES:
                break  # winmail.dat itself stays listed, with every byte
            files.append(_File())
        if attribute == _ATT_ATTACH_TITLE:
            files[-1].title = value.split(b"\0", 1)[0].decode(codepage, "replace")
        elif attribute == _ATT_ATTACH_DATA:
            files[-1].data = value
        elif attribute == _ATT_ATTACHMENT:
            files[-1].props = _properties(value, codepage)
    return [found for f in files if (found := _file(f)) is not None]


def _file(f: _File) -> tuple[str, bytes] | None:
    if f.props.get(_PR_ATTACH_METHOD) == _ATTACH_EMBEDDED_MSG:
        return None  # an Outlook item (a mail, a contact): TNEF inside TNEF, no file
    kept = f.props.get(_PR_ATTACH_DATA_OBJ)  # the bytes as a property (MAPI's form)
    data = f.data if f.data is not None else kept if isinstance(kept, bytes) else None
    if data is None:
        return None
    long_name, short, shown = (f.props.get(p) for p in _NAME_PROPS)
    names = (long_name, f.title, short, shown)  # the display name is Outlook's last resort
    return next((n for n in names if isinstance(n, str) and n.strip()), ""), data


def _codec(codepage: int) -> str:
    """Python's codec for a Windows code page (932 → cp932), else Windows' Western."""
    name = "utf-8" if codepage == 65001 else f"cp{codepage}"
    try:
        "".encode(name)
    except LookupError:
        return "cp1252"
    return name


def _properties(data: bytes, codepage: str) -> dict[int, object]:
    """The single values of a MAPI property list (MS-OXTNEF 2.1.3.4) by property id:
    strings as text, binary as bytes, integers as int; the rest skipped over."""
    out: dict[int, object] = {}
    if len(data) < 4:
        return out
    count = struct.unpack_from("<I", data)[0]
    at = 4
    for _ in range(count):
        if at + 4 > len(data):
            break
        kind, prop = struct.unpack_from("<HH", data, at)
        at += 4
        if prop >= 0x8000:  # a named property: its GUID and its name or number first
            at = _past_name(data, at)
        multiple, base = kind & _MULTIPLE, kind & ~_MULTIPLE
        values = 1
        if multiple or base in (_STRING8, _UNICODE, _BINARY, _OBJECT):
            if at + 4 > len(data):
                break
            values = struct.unpack_from("<I", data, at)[0]
            at += 4
        for _n in range(values):
            if base in _FIXED:
                size = _FIXED[base]
                if at + size > len(data):
                    return out
                if base == 0x0003 and not multiple:
                    out.setdefault(prop, struct.unpack_from("<I", data, at)[0])
                at += size
                continue
            if base not in (_STRING8, _UNICODE, _BINARY, _OBJECT) or at + 4 > len(data):
                return out  # a type not known: where the next one starts is not either
            length = struct.unpack_from("<I", data, at)[0]
            at += 4
            if at + length > len(data):
                return out
            raw = data[at : at + length]
            at += length + (-length % 4)  # each value padded to four bytes
            if not multiple:
                out.setdefault(prop, _value(base, raw, codepage))
    return out


def _past_name(data: bytes, at: int) -> int:
    """Where a named property's value starts: after GUID, kind and number or name."""
    if at + 20 > len(data):
        return len(data)
    kind = struct.unpack_from("<I", data, at + 16)[0]
    at += 20
    if kind == 0:  # MNID_ID: a number
        return at + 4
    if at + 4 > len(data):
        return len(data)
    length: int = struct.unpack_from("<I", data, at)[0]
    return at + 4 + length + (-length % 4)


def _value(base: int, raw: bytes, codepage: str) -> object:
    if base == _STRING8:
        return raw.split(b"\0", 1)[0].decode(codepage, "replace")
    if base == _UNICODE:
        return raw.decode("utf-16-le", "replace").split("\0", 1)[0]
    if base == _OBJECT:
        return raw[16:]  # after the interface's GUID
    return raw
