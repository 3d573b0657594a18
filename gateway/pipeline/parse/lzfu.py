"""Outlook's compressed RTF (``PR_RTF_COMPRESSED``, MS-OXRTFCP): the words of a rich-text mail.

A mail Outlook writes in rich text to another Outlook keeps its words in
``winmail.dat`` as RTF, compressed with LZFu: a 16-byte header (compressed size, raw
size, ``LZFu`` or ``MELA`` for stored as is, CRC), then runs of eight items under a
control byte, each a literal byte or a 12-bit offset and 4-bit length into a 4 KiB
ring that starts with a fixed RTF prologue. Pure and linear: every byte written is
one step, the output is bounded by the header's raw size and :data:`MAX_RAW`, and a
stream that breaks off gives what was decompressed before it.
"""

from __future__ import annotations

import struct

__all__ = ["MAX_RAW", "decompressed"]

MAX_RAW = 16 * 1024 * 1024  # bytes of RTF read out of one mail (a huge one is cut here)
_LZFU, _MELA = 0x75465A4C, 0x414C454D  # compressed; stored uncompressed
_RING = 4096
# the ring's first bytes (MS-OXRTFCP 3.1.3.1): what a back-reference may point into
_PROLOGUE = (
    b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss "
    b"\\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier"
    b"{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx"
)


def decompressed(data: bytes) -> bytes | None:
    """The RTF inside a ``PR_RTF_COMPRESSED`` value; None when it is not one."""
    if len(data) < 16:
        return None
    size, raw_size, kind = struct.unpack_from("<III", data)
    end = min(len(data), 4 + size)  # the compressed size counts from after its own field
    limit = min(raw_size, MAX_RAW)
    if kind == _MELA:
        return data[16 : 16 + limit]
    if kind != _LZFU:
        return None
    ring = bytearray(_RING)
    ring[: len(_PROLOGUE)] = _PROLOGUE
    write = len(_PROLOGUE)
    out = bytearray()
    at = 16
    while at < end and len(out) < limit:
        control = data[at]
        at += 1
        for bit in range(8):
            if at >= end or len(out) >= limit:
                break
            if not control & (1 << bit):
                byte = data[at]
                at += 1
                out.append(byte)
                ring[write] = byte
                write = (write + 1) % _RING
                continue
            if at + 2 > end:
                return bytes(out)
            word = (data[at] << 8) | data[at + 1]
            at += 2
            offset, length = word >> 4, (word & 0xF) + 2
            if offset == write:
                return bytes(out)  # the end marker: a reference to where writing is
            for step in range(min(length, limit - len(out))):
                byte = ring[(offset + step) % _RING]
                out.append(byte)
                ring[write] = byte
                write = (write + 1) % _RING
    return bytes(out)
