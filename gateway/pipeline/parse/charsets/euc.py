"""EUC-JP, with the Windows extras (CP51932: NEC row 13) that ``euc_jp`` rejects."""

from __future__ import annotations

from gateway.pipeline.parse.charsets.jis_pairs import (
    JIS0208,
    JIS0213_1,
    decode_pair,
    windows_forms,
)
from gateway.pipeline.parse.charsets.lenient import Decoded, strict


def decode_euc(data: bytes, codec: str = "euc_jp") -> Decoded:
    """EUC-JP, with Windows' CP51932 extras (NEC row 13) decoded via CP932.

    ``codec`` ``euc_jis_2004`` (an EUC-JIS-2004 label) reads pairs as JIS X 0213, whose
    kanji fill rows CP932 leaves empty or gives IBM's extensions.
    """
    fast = strict(data, codec)
    if fast is not None:
        return windows_forms(fast), []
    out: list[str] = []
    bad = 0
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if b < 0x80:
            j = i
            while j < n and data[j] < 0x80:
                j += 1
            out.append(data[i:j].decode("ascii"))
            i = j
            continue
        text, width = _decode_euc_char(data, i, JIS0213_1 if codec == "euc_jis_2004" else JIS0208)
        if text == "\ufffd":
            bad += 1
        out.append(text)
        i += width
    notes = ["charset: invalid EUC-JP bytes replaced"] if bad else []
    return "".join(out), notes


def _decode_euc_char(data: bytes, i: int, mode: int) -> tuple[str, int]:
    b = data[i]
    if b == 0x8E and i + 1 < len(data):
        text = strict(data[i : i + 2], "euc_jp")
        return (text, 2) if text is not None else ("\ufffd", 1)
    if b == 0x8F and i + 2 < len(data):
        raw = data[i : i + 3]
        text = strict(raw, "euc_jp") or strict(raw, "euc_jis_2004")
        return (text, 3) if text is not None else ("\ufffd", 1)
    if 0xA1 <= b <= 0xFE and i + 1 < len(data) and 0xA1 <= data[i + 1] <= 0xFE:
        text = decode_pair(b & 0x7F, data[i + 1] & 0x7F, mode, [])
        return text, 2
    return "\ufffd", 1
