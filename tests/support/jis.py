"""Build ISO-2022-JP bytes the way Windows clients do (CP50221): through CP932.

The stdlib ``iso2022_jp`` codec refuses NEC/IBM extension characters (①, ㈱,
Ⅲ), which is exactly what real Outlook mail contains, so tests make such bytes
themselves: CP932 double-byte codes mapped arithmetically to JIS rows.
"""

from __future__ import annotations

ESC_JIS, ESC_ASCII, ESC_KANA = b"\x1b$B", b"\x1b(B", b"\x1b(I"


def _sjis_pair_to_jis(c1: int, c2: int) -> bytes:
    base = (c1 - (0x70 if c1 < 0xA0 else 0xB0)) * 2
    if c2 >= 0x9F:
        return bytes([base, c2 - 0x7E])
    return bytes([base - 1, c2 - (0x20 if c2 >= 0x80 else 0x1F)])


def encode_cp50221(text: str, jis_escape: bytes = ESC_JIS) -> bytes:
    """``jis_escape``: ``ESC $ @`` gives the old JIS C 6226 designation some clients send."""
    out, mode = bytearray(), "ascii"
    for ch in text:
        b = ch.encode("cp932")
        if len(b) == 1 and b[0] < 0x80:
            want, chunk = "ascii", b
        elif len(b) == 1:  # half-width katakana
            want, chunk = "kana", bytes([b[0] - 0x80])
        else:
            want, chunk = "jis", _sjis_pair_to_jis(b[0], b[1])
        if want != mode:
            out += {"ascii": ESC_ASCII, "kana": ESC_KANA, "jis": jis_escape}[want]
            mode = want
        out += chunk
    if mode != "ascii":
        out += ESC_ASCII
    return bytes(out)
