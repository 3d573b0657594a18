"""Japanese mail as Japanese clients really write it, byte for byte.

The stdlib encodes what is valid; a gateway in Japan receives what Outlook, Becky!
and old Shift_JIS mailers send: NEC special characters behind an ``iso-2022-jp``
label, RFC 2047 words short enough to close their escape sequences. These
encoders write that, so the corpus exercises the parser the way real mail does.
"""

from __future__ import annotations

import base64

ENCODED_WORD_LABEL = {
    "iso-2022-jp": "ISO-2022-JP",
    "iso-2022-jp-nec": "ISO-2022-JP",
    "shift_jis": "Shift_JIS",
    "utf-8": "UTF-8",
    "us-ascii": "UTF-8",
}


def _sjis_to_jis(s1: int, s2: int) -> bytes:
    """One CP932 double-byte code to its JIS row/cell pair (NEC row 13 included)."""
    if s1 >= 0xE0:
        s1 -= 0x40
    j1 = (s1 - 0x81) * 2 + 0x21
    if s2 >= 0x9F:
        j1, j2 = j1 + 1, s2 - 0x7E
    elif s2 >= 0x80:
        j2 = s2 - 0x20
    else:
        j2 = s2 - 0x1F
    if not (0x21 <= j1 <= 0x7E and 0x21 <= j2 <= 0x7E):
        raise ValueError(f"CP932 {s1:02x}{s2:02x} has no JIS code")
    return bytes((j1, j2))


def windows_jis(text: str) -> bytes:
    """ISO-2022-JP the way Outlook writes it: CP932 codes put behind ``ESC $ B``.

    Python's ``iso2022_jp`` codec refuses ① ㈱ Ⅲ (not in JIS X 0208); Windows
    clients send them anyway, as NEC row 13 codes, and label the part
    ``iso-2022-jp``. That is the mail a gateway in Japan really receives.
    """
    out, kanji = bytearray(), False
    for ch in text:
        if ord(ch) < 0x80:
            if kanji:
                out += b"\x1b(B"
                kanji = False
            out.append(ord(ch))
            continue
        sjis = ch.encode("cp932")
        if len(sjis) != 2:
            raise ValueError(f"{ch!r} is not a CP932 double-byte character")
        if not kanji:
            out += b"\x1b$B"
            kanji = True
        out += _sjis_to_jis(sjis[0], sjis[1])
    if kanji:
        out += b"\x1b(B"
    return bytes(out)


def encode_text(text: str, charset: str) -> bytes:
    if charset == "iso-2022-jp-nec":
        return windows_jis(text)
    if charset == "iso-2022-jp":
        try:
            return text.encode("iso2022_jp")
        except UnicodeEncodeError:  # quoting a Windows user's ①: as Windows would send it
            return windows_jis(text)
    if charset == "shift_jis":
        return text.encode("cp932")
    return text.encode("utf-8")


def encoded_words(text: str, charset: str, nl: bytes, *, q: bool = False) -> bytes:
    """RFC 2047 words of at most ten characters, folded, ASCII prefix kept literal.

    Short words keep every line under 78 octets even for ISO-2022-JP, whose
    escape sequences must be closed inside each word.
    """
    if all(ord(c) < 0x80 for c in text):
        return text.encode("ascii")
    label = ENCODED_WORD_LABEL[charset].encode()
    words: list[bytes] = []
    for i in range(0, len(text), 10):
        data = encode_text(text[i : i + 10], charset)
        if q:
            payload = b"".join(
                bytes([b]) if b < 0x80 and chr(b).isalnum() else b"_" if b == 0x20 else b"=%02X" % b
                for b in data
            )
            words.append(b"=?" + label + b"?Q?" + payload + b"?=")
        else:
            words.append(b"=?" + label + b"?B?" + base64.b64encode(data) + b"?=")
    return (nl + b" ").join(words)
