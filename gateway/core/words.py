"""Words out of a request's text, Japanese included, without a dictionary.

Japanese is written without spaces, and cutting it into character pairs gives
fragments nobody would put in a catalog (``プロ``, ``ロジ``, ``ジェ`` for
プロジェクター). The script changes are a good enough word boundary for what the
statistics need, recurring *topics*: a run of katakana is one word (loan words:
プロジェクター, キャンセル, the long-vowel mark ー included), a run of kanji is one
word (会議室, 予約), hiragana are the grammar between them (の, が, について) and
separate words, and Latin text splits on anything that is not a letter or digit.
A short stop list drops mail boilerplate (お世話, 確認, thanks, please).

Stdlib only and pure: the store's statistics and the pages use the same words.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator

from gateway.core.text import for_matching

KATAKANA_WORD = re.compile("[\u30a1-\u30fa\u30fc\u30fd\u30fe]{2,}")  # ァ-ヺ, ー, ヽヾ
KANJI_WORD = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005]{2,}")  # 々 too
LATIN_WORD = re.compile(r"[a-z][a-z0-9'-]*[a-z0-9]")
_WORD = re.compile(
    f"(?P<katakana>{KATAKANA_WORD.pattern})|(?P<kanji>{KANJI_WORD.pattern})"
    f"|(?P<word>{LATIN_WORD.pattern})"
)
MIN_LATIN = 3  # "a", "is", "to": too short to name a topic

# Latin words that say nothing about what a request is about (plus mail boilerplate).
_STOP_LATIN = """
a about above after again all also am an and any are as at be been before being
below but by can cannot could did do does doing don't down during each few for from
further get got had has have having he her here hers him his how i i'm if in into is
it it's its just me more most my no nor not now of off on once only or other our ours
out over own please same she should so some such than thank thanks that the their
them then there these they this those through to too under until up very was we
were what when where which while who whom why will with would you your yours
dear hello hi regards best kind morning afternoon since today yesterday still
re fwd fw help issue problem request question need needs want
"""
# Japanese words of the same kind: greetings, politeness, the words of every request.
_STOP_JAPANESE = """
世話 お世話 願 宜 申 致 頂 下 疲 様 担当 確認 対応 件名 以下 連絡 本日 今日 昨日 明日
現在 今回 先日 以上 件 方 際 旨 皆様 各位 御中 何卒 失礼 恐縮 大変 早急 至急 ご確認
メール
"""
STOP_WORDS = frozenset(_STOP_LATIN.split()) | frozenset(_STOP_JAPANESE.split())


def words(text: str) -> Iterator[tuple[str, str]]:
    """``(kind, word)`` in order: kind is ``katakana``, ``kanji`` or ``word`` (Latin).

    The text is normalised first (NFKC + case folding), so half-width ﾌﾟﾛｼﾞｪｸﾀｰ and
    full-width ＶＰＮ come out as プロジェクター and vpn."""
    for m in _WORD.finditer(for_matching(text)):  # as the matcher reads it: Wi‐Fi is wi-fi
        kind = m.lastgroup or "word"
        word = m.group()
        if kind == "word" and len(word) < MIN_LATIN:
            continue
        if word not in STOP_WORDS:
            yield kind, word


def counted_as(found: Collection[str]) -> dict[str, str]:
    """Each of ``found``'s words mapped to the spelling it is counted under, so that
    the words one catalog keyword finds are one word: a katakana word without its final
    ー joins the spelling with it (the matcher takes プロジェクター for プロジェクタ too,
    :func:`gateway.core.text.keyword_form`), a Latin plural (``s``/``es``) joins its
    singular (``printer`` finds "printers"), a word with a number written on joins the
    word without it (``windows`` finds "Windows11"). Only spellings that both occur join: a
    word alone stays as it was written."""
    said: dict[str, str] = {}
    for word in found:
        longer = f"{word}ー"
        if KATAKANA_WORD.fullmatch(word) and longer in found:
            said[word] = longer
        elif word.endswith("es") and word[:-2] in found:
            said[word] = word[:-2]
        elif word.endswith("s") and word[:-1] in found:
            said[word] = word[:-1]
        elif (stem := word.rstrip("0123456789")) != word and stem[-1:].isalpha() and stem in found:
            said[word] = stem  # windows finds Windows11 (a version written on)
        else:
            said[word] = word
    return said
