"""A leaf part's bytes as its transfer encoding gives them, repairs noted.

The standard library decodes base64 and quoted-printable, but skips a header it
does not recognise whole ("quoted-printable;", "base64 (by hand)") and repairs
broken base64 silently, saying so only on the part: both are read and noted here.
"""

from __future__ import annotations

import binascii
import quopri
from email.message import Message

__all__ = ["payload_bytes", "transfer_word"]


# A Content-Transfer-Encoding the standard library does not recognise because of what
# follows the token ("quoted-printable;", "base64 (by hand)"): decoded by its first word.
_CTE_DECODERS = {
    "quoted-printable": quopri.decodestring,  # =XX escapes and soft line breaks
    "base64": lambda data: binascii.a2b_base64(data, strict_mode=False),  # tolerant
}


# what the standard library's base64 decoder repaired, as the message's defects say it
_BASE64_REPAIRS = {
    "InvalidBase64CharactersDefect": "mime: base64 with characters outside its alphabet, skipped",
    "InvalidBase64PaddingDefect": "mime: base64 with wrong padding, padded",
    "InvalidBase64LengthDefect": "mime: base64 one character short of a byte, dropped",
}


def transfer_word(part: Message) -> tuple[str, str]:
    """The part's Content-Transfer-Encoding (lower case) and its first word: what a
    header carrying more than the token ("base64 (by hand)") means; "" for a header
    with nothing before its ";" ("; x", ";base64"), which is no encoding."""
    value = str(part.get("content-transfer-encoding", "") or "").strip().lower()
    return value, (value.split(";", 1)[0].split(None, 1) or [""])[0]


def _loose_transfer_encoding(part: Message) -> str | None:
    """The CTE's first word when the header carries more than that word, else None."""
    value, word = transfer_word(part)
    return word if word != value and word in _CTE_DECODERS else None


def payload_bytes(part: Message, notes: list[str]) -> bytes:
    """A leaf part's decoded bytes, whatever its transfer encoding says; what was
    repaired or could not be decoded is added to ``notes``."""
    loose = _loose_transfer_encoding(part)
    if loose is not None and not part.is_multipart():
        raw = part.get_payload()
        if isinstance(raw, str):
            notes.append(f"mime: Content-Transfer-Encoding read as {loose!r}")
            try:
                return _CTE_DECODERS[loose](raw.encode("ascii", "surrogateescape"))
            except (binascii.Error, ValueError):
                notes.append(f"mime: undecodable {loose} payload")
    seen = len(part.defects)
    try:
        data = part.get_payload(decode=True)
    except Exception as exc:  # noqa: BLE001
        notes.append(f"mime: undecodable payload ({type(exc).__name__})")
        data = None
    # the decoder skips and pads what base64 cannot hold, and says so only on the part
    repairs = (type(d).__name__ for d in part.defects[seen:])
    notes.extend(_BASE64_REPAIRS[name] for name in repairs if name in _BASE64_REPAIRS)
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
