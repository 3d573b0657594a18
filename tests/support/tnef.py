"""winmail.dat as Outlook writes it (MS-OXTNEF): a TNEF stream with the files of a
rich-text mail, for the tests of reading them out (:mod:`gateway.pipeline.parse.tnef`).
Each attribute with its level, id, length and checksum, as the specification lays
them out; a file's long name is a MAPI property beside its 8.3 title."""

from __future__ import annotations

import struct
from dataclasses import dataclass

SIGNATURE = 0x223E9F78
MESSAGE, ATTACHMENT = 0x01, 0x02


@dataclass(frozen=True)
class TnefFile:
    title: str  # attAttachTitle: the 8.3 name, in the stream's code page
    data: bytes
    long_name: str = ""  # PR_ATTACH_LONG_FILENAME, as Outlook 2000 and later add it
    embedded: bool = False  # an Outlook item (PR_ATTACH_METHOD 5), not a file


def _attribute(level: int, attribute: int, data: bytes) -> bytes:
    checksum = sum(data) & 0xFFFF
    return struct.pack("<BII", level, attribute, len(data)) + data + struct.pack("<H", checksum)


def _padded(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % 4)


def _properties(f: TnefFile) -> bytes:
    props = [
        # PR_ATTACH_METHOD (PtypInteger32): 1 by value, 5 an embedded message
        struct.pack("<HHI", 0x0003, 0x3705, 5 if f.embedded else 1),
        # a named property first, as Outlook writes some: GUID, MNID_STRING, its name
        struct.pack("<HH", 0x001F, 0x8005)
        + b"\x01" * 16
        + struct.pack("<I", 1)
        + struct.pack("<I", 8)
        + "xy\0\0".encode("utf-16-le")
        + struct.pack("<I", 1)
        + struct.pack("<I", 6)
        + _padded("ab\0".encode("utf-16-le")),
        # PR_ATTACH_SIZE-like fixed values Outlook writes around the name
        struct.pack("<HHq", 0x0040, 0x3007, 0),  # PR_CREATION_TIME (PtypTime)
    ]
    if f.long_name:
        name = (f.long_name + "\0").encode("utf-16-le")
        props.append(struct.pack("<HHII", 0x001F, 0x3707, 1, len(name)) + _padded(name))
    return struct.pack("<I", len(props)) + b"".join(props)


def winmail(files: list[TnefFile], codepage: int = 932) -> bytes:
    """A TNEF stream carrying ``files``, its 8-bit strings in ``codepage``."""
    out = struct.pack("<IH", SIGNATURE, 0x1234)
    out += _attribute(MESSAGE, 0x00089006, struct.pack("<I", 0x00010000))  # attTnefVersion
    out += _attribute(MESSAGE, 0x00069007, struct.pack("<II", codepage, 0))  # attOemCodepage
    out += _attribute(MESSAGE, 0x00078008, b"IPM.Microsoft Mail.Note\0")  # attMessageClass
    for f in files:
        out += _attribute(ATTACHMENT, 0x00069002, b"\x01\x00" + b"\xff" * 12)  # attAttachRendData
        out += _attribute(ATTACHMENT, 0x00018010, f.title.encode(f"cp{codepage}") + b"\0")
        out += _attribute(ATTACHMENT, 0x0006800F, f.data)  # attAttachData
        out += _attribute(ATTACHMENT, 0x00069005, _properties(f))  # attAttachment
    return out


def compressed_rtf(rtf: bytes, *, stored: bool = False) -> bytes:
    """``rtf`` as ``PR_RTF_COMPRESSED`` holds it (MS-OXRTFCP): LZFu of literals alone
    (a control byte of eight zero bits before each eight bytes), or ``stored`` as is
    (``MELA``). The CRC is not checked by the reader; it is left zero."""
    if stored:
        body = rtf
        kind = b"MELA"
    else:
        chunks = [b"\0" + rtf[i : i + 8] for i in range(0, len(rtf), 8)]
        body = b"".join(chunks)
        kind = b"LZFu"
    return struct.pack("<II", len(body) + 12, len(rtf)) + kind + b"\0\0\0\0" + body


def message_props(props: dict[int, tuple[int, bytes]]) -> bytes:
    """attMsgProps: property id → (type, value) for string and binary types."""
    out = struct.pack("<I", len(props))
    for prop, (kind, value) in props.items():
        out += struct.pack("<HHII", kind, prop, 1, len(value)) + _padded(value)
    return out


def rich_text_winmail(props: dict[int, tuple[int, bytes]], codepage: int = 932) -> bytes:
    """A TNEF stream of a rich-text mail with no files: its message properties alone."""
    out = struct.pack("<IH", SIGNATURE, 0x1234)
    out += _attribute(MESSAGE, 0x00089006, struct.pack("<I", 0x00010000))  # attTnefVersion
    out += _attribute(MESSAGE, 0x00069007, struct.pack("<II", codepage, 0))  # attOemCodepage
    out += _attribute(MESSAGE, 0x00078008, b"IPM.Note\0")  # attMessageClass
    out += _attribute(MESSAGE, 0x00069003, message_props(props))  # attMsgProps
    return out
