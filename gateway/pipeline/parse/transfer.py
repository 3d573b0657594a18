"""A text part's transfer encoding as it arrives broken, read as its writer meant it.

The standard library decodes quoted-printable and base64 by the letter: a soft line
break that transport padded with spaces (``=`` then blanks, RFC 2045 6.7 says to
delete them) stays an ``=`` and a line break, and a body that is not base64 at all (a
form's plain text under a wrong header, a list's footer appended to a base64 part) is
decoded into bytes nobody wrote. For text a person reads, these are decided here; a
part this has nothing to say about is left to the standard decoder (None).
"""

from __future__ import annotations

import binascii
import quopri
import re
from email.message import Message

from gateway.pipeline.parse.charsets import decode_bytes

NOT_BASE64 = "mime: text declared base64 is not base64; read as written"
BASE64_TAIL = "mime: base64 with lines that are not base64, skipped"
QP_BAD_ESCAPE = "mime: quoted-printable '=' without two hex digits, kept as written"

# "=" and blanks at a line's end: a soft line break whose padding transport added
_PADDED_SOFT_BREAK = re.compile(rb"=[ \t]+(?=\r?\n|\Z)")
# "=" followed by neither two hex digits nor a line's end: a literal "=" (RFC 2045
# 6.7 (1): decoders keep it), written by hand or by a broken encoder
_BAD_ESCAPE = re.compile(rb"=(?![0-9A-Fa-f]{2}|\r?\n|\Z)")
_BASE64_LINE = re.compile(rb"[A-Za-z0-9+/]+={0,2}")
# twenty base64 characters in a row: encoded data was here (spoiled base64 is decoded
# as the standard decoder does), no words of a person's
_BASE64_RUN = re.compile(rb"[A-Za-z0-9+/]{20,}")
_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
# control characters no text has: what random bytes read as text are full of
_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")


def text_bytes(part: Message, label: str | None) -> tuple[bytes, list[str]] | None:
    """A text part's bytes when its transfer encoding needs more than the letter of
    the standard, with what was done; None to decode it the standard way."""
    cte = str(part.get("content-transfer-encoding", "") or "").strip().lower()
    # the body as parsed, 8-bit bytes as surrogates: get_payload() would decode those
    # by the charset label and replace what the label cannot read
    raw = getattr(part, "_payload", None)
    if part.is_multipart() or not isinstance(raw, str):
        return None
    data = raw.encode("ascii", "surrogateescape")
    if cte == "quoted-printable":
        return _quoted_printable(data)
    if cte == "base64":
        return _base64_text(data, label)
    return None


def _quoted_printable(data: bytes) -> tuple[bytes, list[str]] | None:
    padded = _PADDED_SOFT_BREAK.sub(b"=", data)
    bad = _BAD_ESCAPE.search(padded) is not None
    if padded == data and not bad:
        return None
    return quopri.decodestring(padded), [QP_BAD_ESCAPE] if bad else []


def _base64_text(data: bytes, label: str | None) -> tuple[bytes, list[str]] | None:
    """Plain text under a base64 header (most of it outside base64's alphabet, or
    decoding into no text while it reads as text) is read as written; lines after the
    last line of base64 that spoil an otherwise clean text are dropped."""
    lines = data.splitlines()
    shapes = [_BASE64_LINE.fullmatch(line.strip()) is not None for line in lines]
    if all(shape for shape, line in zip(shapes, lines, strict=True) if line.strip()):
        return None  # base64 in form, whatever it holds: decoded as such
    whole = _is_text(_loose(data), label)
    last = max((i for i, shape in enumerate(shapes) if shape), default=-1)
    if last >= 0 and not whole:
        head = _loose(b"\n".join(lines[: last + 1]))
        if _is_text(head, label):
            return head, [BASE64_TAIL]
    written = _mostly_not_base64(data) or not (whole or _BASE64_RUN.search(data))
    if written and _is_text(data, label):
        return data, [NOT_BASE64]
    return None


def _loose(data: bytes) -> bytes:
    try:
        return binascii.a2b_base64(data, strict_mode=False)
    except (binascii.Error, ValueError):
        return b""


def _mostly_not_base64(data: bytes) -> bool:
    """More bytes outside base64's alphabet than in it (blanks aside): no base64 that
    had a few characters spoiled, but words."""
    inside = len(data) - len(data.translate(None, _ALPHABET))
    outside = len(data.translate(None, _ALPHABET + b" \t\r\n"))
    return outside > inside


def _is_text(data: bytes, label: str | None) -> bool:
    """Bytes that read as text under the part's label with nothing guessed."""
    if not data.strip():
        return False
    text, notes = decode_bytes(data, label)
    return not notes and _CONTROLS.search(text) is None
