"""Guessing the encoding of unlabelled 8-bit bytes.

Used when a label is missing, unknown or wrong. The order is what keeps the
guess safe: ASCII, then UTF-8 (strict, then "mostly": a truncated tail is
still UTF-8), then CP932 or EUC-JP only when the result reads as Japanese
(it has kana: full-width, or half-width katakana in words of three or more, which
is what a printer's or UPS's alert in raw Shift_JIS holds, and what a run of
Western capitals such as ÖẞE is not), then GB2312 only when every wide character
is CJK, then CP932 on the same terms and with three 8-bit bytes in a row (a subject
of kanji alone, 見積書送付, has no kana; GB2312 cannot read Shift_JIS's lead bytes
below 0xA1), and windows-1252 last, which decodes anything.
"""

from __future__ import annotations

import re

from gateway.core.text import (
    CJK_PUNCTUATION,
    FULLWIDTH_FORMS,
    HALFWIDTH_KATAKANA,
    IDEOGRAPHS,
    KANA,
)
from gateway.pipeline.parse.charsets.euc import decode_euc
from gateway.pipeline.parse.charsets.lenient import decode_cp1252, strict

_KANA_RE = re.compile(f"[{KANA}]")
# a word of half-width katakana (ﾌﾟﾘﾝﾀ, ｴﾗｰ): one or two such characters are also what
# Western capitals read as in CP932 (GRÖßE: ﾖﾟ), three in a row almost never are
_HALFWIDTH_WORD = re.compile(f"[{HALFWIDTH_KATAKANA}]{{3,}}")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
# what JIS double-byte text decodes to: kana, kanji, CJK punctuation, full-width forms
_CJK_RE = re.compile(f"[{CJK_PUNCTUATION}{KANA}{IDEOGRAPHS}{FULLWIDTH_FORMS}]")


def guess(data: bytes) -> tuple[str, str, list[str]]:
    """(text, codec used, notes) for bytes without a usable label or JIS escapes."""
    if data.isascii():
        return data.decode("ascii"), "ascii", []
    utf8 = strict(data, "utf-8-sig")
    if utf8 is not None:
        return utf8, "utf-8", []
    lossy = mostly_utf8(data)
    if lossy is not None:
        return lossy, "utf-8", ["charset: undecodable bytes replaced (mostly UTF-8)"]
    japanese = guess_japanese(data)
    if japanese is not None:
        return japanese[0], japanese[1], []
    chinese = strict(data, "gb2312")  # EUC-CN proper: both bytes >= 0xA1
    if chinese is not None and _all_cjk(chinese):
        return chinese, "gb2312", []
    kanji = strict(data, "cp932")
    if kanji is not None and _all_cjk(kanji) and _HIGH_RUN.search(data):
        return kanji, "cp932", []
    return decode_cp1252(data), "cp1252", []


def mostly_utf8(data: bytes) -> str | None:
    """UTF-8 with a truncated tail or a stray byte is still UTF-8, not Latin-1."""
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ord(ch) > 0x7F and ch != "\ufffd")
    if good >= 4 and bad * 10 <= good:
        return text
    return None


def guess_japanese(data: bytes) -> tuple[str, str] | None:
    """Pick CP932 or EUC-JP only when the result reads like Japanese (has kana)."""
    best: tuple[int, str, str] | None = None
    for codec in ("cp932", "euc_jp"):
        if codec == "euc_jp":
            text, notes = decode_euc(data)
            if notes:
                continue
        else:
            decoded = strict(data, codec)
            if decoded is None:
                continue
            text = decoded
        kana = len(_KANA_RE.findall(text))
        if not _PRIVATE_USE.search(text):  # EUC-JP kanji read as CP932: ｸｫﾀﾑｽ and gaiji
            kana += sum(map(len, _HALFWIDTH_WORD.findall(text)))
        if kana == 0:
            continue
        score = kana + len(_CJK_RE.findall(text))
        if best is None or score > best[0]:
            best = (score, text, codec)
    return None if best is None else (best[1], best[2])


# three 8-bit bytes in a row: kanji (至急 is 8E 8A 8B 7D), where Western text that CP932
# also reads (crème brûlée: è m, û l, é e) makes each "kanji" of an accent and a letter
_HIGH_RUN = re.compile(rb"[\x80-\xff]{3}")


def _all_cjk(text: str) -> bool:
    wide = [ch for ch in text if ord(ch) > 0x7F]
    return len(wide) >= 2 and all(_CJK_RE.match(ch) for ch in wide)
