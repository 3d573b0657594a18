"""The signed content of an opaque-signed S/MIME message, out of its BER wrapping.

``application/pkcs7-mime; smime-type=signed-data`` (RFC 8551 3.5.2; Outlook when
"send clear text signed message" is off) is a CMS ContentInfo (RFC 5652) whose
SignedData holds the message's own MIME entity, unencrypted, as an OCTET STRING:
every mail client shows its words. Read as a blob, it gave a ticket with no text,
which then said the mail was *encrypted*. Only the path to that octet string is
read here: ContentInfo → [0] SignedData → EncapsulatedContentInfo (id-data) → [0]
eContent, in DER or BER (indefinite lengths, the octet string in chunks, as Outlook
and ``openssl cms -stream`` write it). The signature is not checked, as it is not
for ``multipart/signed``: it is kept as the ``smime.p7m`` attachment it came in.

Pure and bounded: each element read once, nesting below :data:`_MAX_DEPTH` refused,
anything that is not this shape is None (the part stays the blob it was).
"""

from __future__ import annotations

from collections.abc import Iterator

__all__ = ["OPAQUE_TYPES", "signed_content"]

# the content types of an S/MIME blob (the x- form is Outlook's and older clients')
OPAQUE_TYPES = frozenset({"application/pkcs7-mime", "application/x-pkcs7-mime"})
_SIGNED_DATA = bytes.fromhex("2a864886f70d010702")  # 1.2.840.113549.1.7.2 (RFC 5652 5.1)
_DATA = bytes.fromhex("2a864886f70d010701")  # 1.2.840.113549.1.7.1: the content is octets
_MAX_DEPTH = 32  # BER nesting read; a signature's path to its content is 6 deep

_SEQUENCE, _OID, _OCTETS, _OCTETS_CHUNKED, _CONTEXT_0 = 0x30, 0x06, 0x04, 0x24, 0xA0

Element = tuple[int, int, int, int]  # tag, content start, content end, element end


class _Malformed(Exception):
    """Not BER, or not the shape of a signed message."""


def signed_content(der: bytes) -> bytes | None:
    """The signed MIME entity of an opaque-signed message, or None when ``der`` is
    not a SignedData over plain data (enveloped data, another type, broken bytes)."""
    try:
        return _content(der)
    except (_Malformed, StopIteration, IndexError):
        return None


def _content(data: bytes) -> bytes | None:
    info = _one(data, 0, len(data), _SEQUENCE, 0)
    kinds = _children(data, info, 1)
    oid = _expect(next(kinds), _OID)
    if data[oid[1] : oid[2]] != _SIGNED_DATA:
        return None
    wrapper = _expect(next(kinds), _CONTEXT_0)
    signed = _expect(next(_children(data, wrapper, 2)), _SEQUENCE)
    fields = _children(data, signed, 3)
    next(fields)  # version
    next(fields)  # digestAlgorithms
    encap = _expect(next(fields), _SEQUENCE)
    parts = _children(data, encap, 4)
    kind = _expect(next(parts), _OID)
    if data[kind[1] : kind[2]] != _DATA:
        return None
    explicit = next(parts, None)
    if explicit is None or explicit[0] != _CONTEXT_0:
        return None  # a detached signature: the content is elsewhere
    return _octets(data, next(_children(data, explicit, 5)), 6)


def _octets(data: bytes, element: Element, depth: int) -> bytes:
    """An OCTET STRING's bytes, its chunks joined when it is constructed (BER)."""
    tag, start, end, _ = element
    if tag == _OCTETS:
        return data[start:end]
    if tag != _OCTETS_CHUNKED or depth > _MAX_DEPTH:
        raise _Malformed
    return b"".join(_octets(data, child, depth + 1) for child in _children(data, element, depth))


def _expect(element: Element, tag: int) -> Element:
    if element[0] != tag:
        raise _Malformed
    return element


def _one(data: bytes, pos: int, limit: int, tag: int, depth: int) -> Element:
    return _expect(_element(data, pos, limit, depth), tag)


def _children(data: bytes, parent: Element, depth: int) -> Iterator[Element]:
    """The elements inside a constructed one, read as they are asked for."""
    pos, end = parent[1], parent[2]
    while pos < end:
        child = _element(data, pos, end, depth + 1)
        yield child
        pos = child[3]


def _element(data: bytes, pos: int, limit: int, depth: int) -> Element:
    """The element at ``pos`` (ending by ``limit``); an indefinite length is found by
    reading its children up to the end-of-contents octets."""
    if depth > _MAX_DEPTH or pos + 2 > limit:
        raise _Malformed
    tag, first = data[pos], data[pos + 1]
    if tag & 0x1F == 0x1F:  # a high tag number: none on the path to the content
        raise _Malformed
    pos += 2
    if first == 0x80:  # indefinite: constructed only, ends with 00 00
        if not tag & 0x20:
            raise _Malformed
        start = pos
        while data[pos : pos + 2] != b"\x00\x00":
            if pos + 2 > limit:
                raise _Malformed
            pos = _element(data, pos, limit, depth + 1)[3]
        return tag, start, pos, pos + 2
    if first & 0x80:
        size = first & 0x7F
        if not 0 < size <= 4 or pos + size > limit:
            raise _Malformed
        length = int.from_bytes(data[pos : pos + size], "big")
        pos += size
    else:
        length = first
    if pos + length > limit:
        raise _Malformed
    return tag, pos, pos + length, pos + length
