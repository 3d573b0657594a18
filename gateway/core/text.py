"""The one text normalisation for matching: NFKC, then case folding.

Keywords, parameter-sheet keys and mail text all go through :func:`normalise`
so ``ＶＰＮ``, ``VPN`` and ``vpn`` (or half-width ``ﾌﾟﾘﾝﾀ`` and ``プリンタ``) are
the same string by the time anything compares them.
"""

from __future__ import annotations

import re
import unicodedata

# Kana, CJK ideographs (with extension A and compatibility), Hangul: scripts
# written without spaces, so their terms match as substrings.
CJK_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_CJK = re.compile(f"[{CJK_CHARS}]")
# What counts as "inside a word" for Latin keywords. Not ``\w``: that includes
# kana and kanji, and "vpnが" must still contain the word "vpn".
LATIN_WORD = "0-9a-z\u00c0-\u024f"
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def for_matching(text: str) -> str:
    """Normalised, with every run of white space (line breaks too) as one space,
    so a two-word keyword still matches when the mail wrapped between the words."""
    return _SPACE.sub(" ", normalise(text))


def is_cjk(text: str) -> bool:
    return _CJK.search(text) is not None
