"""What a person's name looks like on a line of its own, in each script: a Latin name
("Taro Yamada", "Jane Doe, PMP"), a name in kanji (「山田 太郎」「山田 はな子」), in kana,
and one name in two scripts (「山田 太郎」 over "Yamada Taro"). Told by shape alone,
never by a list of names; read by :mod:`gateway.pipeline.parse.signatures`, whose
module it was split from. Patterns linear.
"""

from __future__ import annotations

import re

from gateway.pipeline.parse.writer_names import unbracketed

__all__ = [
    "japanese_name",
    "name_piece",
    "name_shaped",
    "person_shaped",
    "script_of",
    "two_scripts",
]


# a name's shape in each script: a part of a Latin name ("Taro", "YAMADA", "J."), of a
# name in kanji (kana may be in a given name: 「山田 はな子」), of one in kana only
_LATIN_PART = re.compile(r"[A-Z][a-z'’-]*\.?|[A-Z]{2,}")
_KANA_PART = re.compile(r"[\u3041-\u309f\u30a1-\u30ff]{1,8}")
_KANJI_PART = re.compile(r"[\u4e00-\u9fff々ヶ\u3041-\u309f\u30a1-\u30ff]{1,5}")
_KANJI = re.compile(r"[\u4e00-\u9fff々]")


# a Japanese name in Latin letters: syllables of Hepburn or Kunrei romanisation ("Taro",
# "Satō", "Saitoh", "Jun'ichi", "Homma", "Hattori"); "All", "Fixed", "Restarted" are not
_ROMAJI = re.compile(
    r"(?:(?:ch|sh|ts|[kgnhbpmr]y|[kgsztdnhbpmrwyfj])?[aiueoāīūēō](?:h(?![aiueoy]))?|n(?![aiueoy])|"
    r"([kgsztdbpcfj])(?=\1|ch)|m(?=[bmp]))+",
    re.IGNORECASE,
)


_MAX_ROMAJI = 16  # a name's part is short (and the pattern's cost stays small)


def two_scripts(a: str, b: str) -> bool:
    """``a`` and ``b`` are each shaped as a name (a family and a given name, apart), in
    two scripts: the name in kanji and its romanisation (every part romaji) or its
    reading in kana. "完了" over "All Done" is not (完了 is one word), nor "All Done" over
    「山田 太郎」 (not romaji)."""
    scripts = {script_of(a), script_of(b)}
    if None in scripts or len(scripts) != 2:
        return False
    if scripts == {"latin", "kanji"}:
        return _romaji(a if script_of(a) == "latin" else b)
    return True


def japanese_name(line: str) -> bool:
    """``line`` is a Japanese name, a family and a given name apart: in kanji or kana
    (「山田 太郎」「やまだ たろう」) or in romaji ("Taro Yamada"; not "All Done")."""
    script = script_of(line)
    return _romaji(line) if script == "latin" else script is not None


def _romaji(line: str) -> bool:
    parts = [p.replace("'", "").replace("’", "") for p in unbracketed(line).split()]
    return all(len(p) <= _MAX_ROMAJI and _ROMAJI.fullmatch(p) for p in parts)


def script_of(line: str) -> str | None:
    """The script ``line`` is a name of a family and a given name apart in: "latin"
    ("Taro Yamada"), "kana" (「やまだ たろう」), "kanji" (「山田 太郎」), else None."""
    line = unbracketed(line)
    parts = line.split()
    if 2 <= len(parts) <= 3 and all(_LATIN_PART.fullmatch(p) for p in parts):
        return "latin"
    if len(parts) != 2:
        return None
    if all(_KANA_PART.fullmatch(p) for p in parts):
        return "kana"
    if all(_KANJI_PART.fullmatch(p) for p in parts) and _KANJI.search(line):
        return "kanji"
    return None


def name_shaped(line: str) -> bool:
    """A line shaped as a person's name, in each of its parts (「山田 太郎 / Taro Yamada」,
    "Jane Doe, PMP", 「山田 太郎（Taro Yamada）」): Latin words that start with a capital
    (or a particle of a name: van, de), or kanji, or kana; "大阪市北区の件" (kanji and a
    particle) or "thanks again" is not one."""
    pieces = [p for p in _NAME_PIECES.split(unbracketed(line)) if p.strip()]
    return bool(pieces) and all(name_piece(p.split()) for p in pieces)


def person_shaped(line: str) -> bool:
    """A part of ``line`` is a person's name: a family and a given name apart, in one
    script ("John Smith", 「山田 太郎」, "John Smith / Acme Widgets"); a word alone
    (「山田」, "Acme") may as well be a company's or a thing's."""
    pieces = _NAME_PIECES.split(unbracketed(line))
    return any(script_of(p) is not None for p in pieces if p.strip())


def name_piece(words: list[str]) -> bool:
    """The ``words`` of one part of a name line are a name's, or a company's without a
    suffix ("Acme Widgets", 「エグザンプル」): capitalised Latin, kanji or kana."""
    if all(_LATIN_WORD.fullmatch(w) for w in words):
        return any(w[0].isupper() for w in words)
    joined = "".join(words)
    if len(words) == 2 and _KANJI_NAME.fullmatch(words[0]) and _given_in_kana(words[1]):
        return True  # 「山田 はなこ」「山田 はな子」: a family name, a given name in kana
    return len(words) <= 2 and (
        bool(_KANJI_NAME.fullmatch(joined)) or bool(_KANA_PART.fullmatch(joined))
    )


# a given name written in hiragana, a kanji or two after it at most (はなこ, はな子, ゆき);
# 「の件」 (one kana, a particle) is not one, nor the words of _NOT_GIVEN
_GIVEN_KANA = re.compile(r"[\u3041-\u3096]{2,6}[\u4e00-\u9fff々]{0,2}")
# hiragana words that end a phrase: after a kanji word and a space they are no name
# (「今日 まで」 over a phone number is an answer)
_NOT_GIVEN = frozenset(
    (
        *("まで", "から", "より", "など", "だけ", "のみ", "ほど", "くらい", "ぐらい"),  # particles
        *("について", "として", "ため", "ので", "のに", "けど", "でも", "には", "では"),
        *("とか", "なら", "こと", "もの", "ところ", "あり", "なし", "すみ", "ずみ"),  # nouns
    )
)


def _given_in_kana(word: str) -> bool:
    return _GIVEN_KANA.fullmatch(word) is not None and word not in _NOT_GIVEN


_NAME_PIECES = re.compile(r"[/|｜,、()（）]")  # the parts of a name line
# a word of a Latin name: capitalised, all capitals, an initial, or a name's particle
_LATIN_WORD = re.compile(r"[A-Z][\w'’.-]*|van|von|de|da|di|del|der|la|le|bin|al")
_KANJI_NAME = re.compile(r"[\u4e00-\u9fff々ヶ\u30a1-\u30ff]{1,12}")  # no hiragana: no particle
