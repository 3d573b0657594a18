"""JIS character-set row/cell pairs into text: shared by ISO-2022-JP and EUC-JP.

Both encodings carry the same JIS X 0208 (and 0212/0213) pairs, seven-bit in
ISO-2022-JP and with the high bit set in EUC-JP. A pair is decoded with the
standard mapping when it can be and through CP932 otherwise, so NEC row 13 and
IBM extension characters (①, ㈱, Ⅲ) and au's emoji survive.
"""

from __future__ import annotations

from gateway.pipeline.parse.charsets.lenient import strict

# The character sets an ISO-2022-JP escape selects (what the bytes of a run are in).
ASCII, JIS0208, KANA, JIS0212, JIS0213_1, JIS0213_2, UNSUPPORTED, GB2312, KSC5601 = range(9)

# ISO-2022-JP-2's Chinese and Korean sets: their pairs are the EUC bytes less the high
# bits, read as those codecs read them (JIS's six two-mapping characters are not theirs)
_OTHER_PAIRS = {GB2312: "gb2312", KSC5601: "euc_kr"}

# Six JIS X 0208 characters have two Unicode mappings: the standard one, which the
# euc_jp codec gives, and Windows' (CP932), which Japanese mail clients show and a
# Shift_JIS mail of the same text holds. Read the Windows way, a customer's
# ＭＦＣ－Ｌ２７５０ is one string whichever charset carried it: search finds it
# and NFKC folds it to mfc-l2750 (it leaves the standard MINUS SIGN alone).
WINDOWS_FORMS = str.maketrans(
    {
        "\u301c": "\uff5e",  # 〜 WAVE DASH → ～ FULLWIDTH TILDE
        "\u2016": "\u2225",  # ‖ DOUBLE VERTICAL LINE → ∥ PARALLEL TO
        "\u2212": "\uff0d",  # − MINUS SIGN → － FULLWIDTH HYPHEN-MINUS
        "\u00a2": "\uffe0",  # ¢ → ￠
        "\u00a3": "\uffe1",  # £ → ￡
        "\u00ac": "\uffe2",  # ¬ → ￢
    }
)


def windows_forms(jis_text: str) -> str:
    """Text decoded from JIS X 0208 pairs with the six ambiguous characters as CP932
    maps them (only for text that came from such pairs: a UTF-8 ¢ stays ¢)."""
    return jis_text.translate(WINDOWS_FORMS)


def decode_pair(j1: int, j2: int, mode: int, notes: list[str]) -> str:
    if not (0x21 <= j1 <= 0x7E and 0x21 <= j2 <= 0x7E):
        if j1 == 0x20 and j2 == 0x20:
            return "  "
        notes.append("charset: invalid ISO-2022-JP bytes replaced")
        return "\ufffd"
    euc = bytes((j1 | 0x80, j2 | 0x80))
    if mode in _OTHER_PAIRS:
        other = strict(euc, _OTHER_PAIRS[mode])
        if other is not None:
            return other
        notes.append("charset: undecodable ISO-2022-JP character replaced")
        return "\ufffd"
    if mode == JIS0212:
        candidates = [(b"\x8f" + euc, "euc_jp"), (b"\x8f" + euc, "euc_jis_2004")]
    elif mode == JIS0213_2:
        candidates = [(b"\x8f" + euc, "euc_jis_2004")]
    else:
        sjis = _jis_to_sjis(j1, j2)
        candidates = [(euc, "euc_jp"), (sjis, "cp932")]
        if (carrier := _carrier_sjis(sjis)) is not None:
            candidates.append((carrier, "cp932"))
        if mode == JIS0213_1:
            # JIS X 0213 plane 1 is a superset of 0208 whose additions sit where CP932
            # has nothing or IBM's extensions (rows 89-92): its own mapping comes first
            candidates.insert(0, (euc, "euc_jis_2004"))
    for raw, codec in candidates:
        text = strict(raw, codec)
        if text is not None:
            return windows_forms(text)
    notes.append("charset: undecodable ISO-2022-JP character replaced")
    return "\ufffd"


def _carrier_sjis(sjis: bytes) -> bytes | None:
    """au (KDDI) puts emoji in JIS rows 85-88; their Shift_JIS home is 0xF3-0xF4xx.

    CP932 decodes that user-defined area to private-use code points, which keeps
    the emoji identifiable instead of turning it into an unrelated kanji. None
    elsewhere: no stand-in byte, as Python's cp932 reads even 0xFF (as U+F8F3), and a
    pair nothing maps must come out as U+FFFD and be noted.
    """
    if 0xEB <= sjis[0] <= 0xEE:
        return bytes((sjis[0] + 0x08, sjis[1]))
    return None


def _jis_to_sjis(j1: int, j2: int) -> bytes:
    """The textbook JIS row/cell to Shift_JIS arithmetic (valid for rows 1-94)."""
    if j1 & 1:
        s2 = j2 + 0x1F
        if s2 >= 0x7F:
            s2 += 1
    else:
        s2 = j2 + 0x7E
    s1 = ((j1 - 0x21) >> 1) + 0x81
    if s1 > 0x9F:
        s1 += 0x40
    return bytes((s1, s2))
