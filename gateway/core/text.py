"""The one text normalisation and the one set of CJK character classes.

Keywords, parameter-sheet keys and mail text all go through :func:`normalise`
so ``ＶＰＮ``, ``VPN`` and ``vpn`` (or half-width ``ﾌﾟﾘﾝﾀ`` and ``プリンタ``) are
the same string by the time anything compares them. Every question of the form
"is this Japanese / CJK text?" is answered from the classes below, so the
catalog matcher, the locale guess, the statistics and the charset detector
agree on what a CJK character is.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import combinations, pairwise

# Character classes (for use inside [...]), each a range list with its reason.
HIRAGANA = "\u3040-\u309f"
KATAKANA = "\u30a0-\u30ff"
HALFWIDTH_KATAKANA = "\uff66-\uff9f"  # legacy JIS X 0201 kana, before NFKC
KANA = HIRAGANA + KATAKANA
# Unified ideographs with extension A and the compatibility block
IDEOGRAPHS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HANGUL = "\uac00-\ud7af"
CJK_PUNCTUATION = "\u3000-\u303f"  # 、。「」 and the ideographic space
FULLWIDTH_FORMS = "\uff01-\uff60"  # ＡＢＣ１２３！ as Japanese input methods type them
# Scripts written without spaces between words: their terms match as substrings.
CJK_CHARS = KANA + IDEOGRAPHS + HANGUL
# Japanese as written in a mail: kana, kanji, half-width kana.
JAPANESE_CHARS = KANA + IDEOGRAPHS + HALFWIDTH_KATAKANA

_CJK = re.compile(f"[{CJK_CHARS}]")
_JAPANESE = re.compile(f"[{JAPANESE_CHARS}]")
_CJK_RUN = re.compile(f"[{CJK_CHARS}]{{2,}}")
# What counts as "inside a word" for Latin keywords. Not ``\w``: that includes
# kana and kanji, and "vpnが" must still contain the word "vpn".
LATIN_WORD = "0-9a-z\u00c0-\u024f"
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


# Hyphens NFKC leaves alone, each read as "-": word processors and macOS put U+2010
# in "Wi‐Fi", U+2011 (NFKC's form of it too) keeps a word from breaking, and the strict
# JIS mapping decodes the full-width － typed in Japanese mail as U+2212 MINUS SIGN.
_HYPHENS = str.maketrans(dict.fromkeys("\u2010\u2011\u2212", "-"))


def for_matching(text: str) -> str:
    """Normalised, with every run of white space (line breaks too) as one space,
    so a two-word keyword still matches when the mail wrapped between the words, and
    every hyphen as ``-``, so ``wi-fi`` finds "Wi‐Fi" whichever hyphen was typed."""
    return _SPACE.sub(" ", normalise(text)).translate(_HYPHENS)


# Katakana letters and the long-vowel mark, without ・ and the other marks of the block:
# サーバー・ラック is two words, and the ー before ・ ends the first.
_KATAKANA_LETTER = "\u30a1-\u30fa\u30fc"
# a long-vowel mark that ends a katakana word: after two or more katakana, before
# anything that is not katakana (kanji, hiragana, a mark, a space, the end)
_WORD_FINAL_LONG_VOWEL = re.compile(f"(?<=[{_KATAKANA_LETTER}]{{2}})ー(?![{_KATAKANA_LETTER}])")


def long_vowels_folded(text: str) -> str:
    """``text`` (normalised) with the ー that ends each katakana word dropped. Japanese
    writes サーバ and サーバー, サーバ室 and サーバー室 alike (the old JIS rule drops the
    final ー; many teams still do): folded, both spellings are one string, wherever
    the word stands. A ー inside a katakana run stays (サーバーラック: where one word
    ends is not written), as does the ー of a one-kana word (ルー)."""
    return _WORD_FINAL_LONG_VOWEL.sub("", text) if "ー" in text else text


MAX_WORD_ENDS = 3  # word ends whose spellings are all combined; past that, all or none


def long_vowel_spellings(term: str) -> list[str]:
    """Every spelling of ``term`` (normalised) that :func:`long_vowels_folded` folds to
    the same string, folded form first: サーバー室 and サーバ室 give both. What a substring
    search looks for in text stored as written, so it follows the catalog's rule both
    ways. A word ending the term gets no ー: the folded form is a substring of both
    spellings there (サーバ is in サーバー). Past :data:`MAX_WORD_ENDS` inner word ends,
    only the folded form and the one with every ー written."""
    folded = long_vowels_folded(term)
    ends = [m.end() for m in _INNER_WORD_END.finditer(folded)]
    if len(ends) > MAX_WORD_ENDS:
        choices = [(), tuple(ends)]
    else:
        choices = [c for k in range(len(ends) + 1) for c in combinations(ends, k)]
    out = []
    for chosen in choices:
        spelling = "".join(
            folded[a:b] + ("ー" if b in chosen else "")
            for a, b in pairwise([0, *ends, len(folded)])
        )
        if long_vowels_folded(spelling) == folded:  # the rule decides, not this sketch
            out.append(spelling)
    return list(dict.fromkeys(out))


# the end of a katakana word of two or more kana inside a term, where ー may be written
_INNER_WORD_END = re.compile(f"[{_KATAKANA_LETTER}]{{2}}(?<!ー)(?=[^{_KATAKANA_LETTER}])")


def keyword_form(term: str) -> str:
    """A normalised keyword as it is looked for: a CJK keyword folded as
    :func:`long_vowels_folded` folds the mail it is looked for in, so サーバー室 finds
    サーバ室 and the reverse."""
    return long_vowels_folded(term) if is_cjk(term) else term


def is_cjk(text: str) -> bool:
    """Contains a character of a script written without spaces."""
    return _CJK.search(text) is not None


def has_japanese(text: str) -> bool:
    """Contains kana, kanji or half-width kana: the mail is (at least partly) Japanese."""
    return _JAPANESE.search(text) is not None


def cjk_runs(text: str) -> list[str]:
    """Runs of two or more CJK characters, in order (the text is not normalised here)."""
    return _CJK_RUN.findall(text)
