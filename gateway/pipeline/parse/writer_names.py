"""The names a writer goes by, as their signature writes them: what makes a line under
their commands their sign-off (:mod:`gateway.pipeline.parse.signatures`) rather than
words for the requester. Split from that module; pure and linear.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["name_key", "unbracketed", "writer_names"]

_KANJI = re.compile(r"[\u4e00-\u9fff々]")


def writer_names(name: str, address: str) -> tuple[str, ...]:
    """The names a writer goes by, as a line of their signature gives them (compared in
    NFKC, any case, without spaces): their display name and each of its words ("John
    Smith", "John", 「山田太郎」, 「山田」), their address's local part and each of its
    parts (jsmith, john.smith, john), and the family name an initial is written on to
    there (smith of jsmith). A part of one letter is no name (one kanji is:
    林). A display name written without a space is taken apart where its parts meet
    (:func:`_name_parts`): "Tanaka, Taro", "TanakaTaro", 「山田太郎」 (signed 「山田」)."""
    local = address.rpartition("@")[0] if "@" in address else ""
    name = unicodedata.normalize("NFKC", name)
    words = [p for w in name.split() for p in _DISPLAY_PARTS.split(w) if p]
    found = [name, *words, *(p for w in words for p in _name_parts(w))]
    parts = [local, *_LOCAL_PARTS.split(local)]
    initialed = [p for p in parts if _INITIALED.fullmatch(p)]  # jsmith: smith; tanakat
    found += [*parts, *(p[1:] for p in initialed), *(p[:-1] for p in initialed)]
    keys = (name_key(n) for n in found)
    return tuple(dict.fromkeys(k for k in keys if len(k) >= _MIN_NAME or _KANJI.fullmatch(k)))


_MIN_NAME = 2  # "J" is no name to match a line against (one kanji is: 林, 森)
_LOCAL_PARTS = re.compile(r"[._+-]")  # john.smith, j_smith, ops+team
# a local part of letters, an initial written on to a family name (jsmith, ttanaka,
# tanakat, as company directories make them): the name is there without the initial,
# at least four letters of it
_INITIALED = re.compile(r"[a-z]{5,}", re.IGNORECASE)
# what sets the parts of a display name apart besides spaces: "Tanaka, Taro",
# "Tanaka.Taro", "TANAKA_Taro", 「山田太郎（ヤマダタロウ）」, "山田太郎/情報システム部",
# 「山田太郎@情シス」, 「【情シス】山田太郎」, 「ジョン・スミス」 (NFKC: ＠ is @)
_DISPLAY_PARTS = re.compile(r"[,、._/|｜()\[\]「」【】@・]")
_CAMEL = re.compile(r"[A-Z][a-z]+")  # TanakaTaro: Tanaka, Taro
_KANJI_RUN = re.compile(r"[\u4e00-\u9fff々ヶ]{2,8}")  # a name of kanji only: 山田太郎
_MIXED = re.compile(r"([\u4e00-\u9fff々ヶ]{1,4})([\u3041-\u3096]{2,6})")  # 山田はなこ


def _name_parts(word: str) -> list[str]:
    """The family and given names of a display name's word written without a space
    between them: a Latin word in capitals where each part starts ("TanakaTaro"; not
    "OKADA" or "Okada": "OK" is no part of them), a kanji name split anywhere (where
    the family name ends is not written: 山田太郎 may be signed 山田 or 太郎, 林太郎 林),
    a family name in kanji before a given name in hiragana (山田はなこ)."""
    camel = _CAMEL.findall(word)
    if len(camel) >= 2 and "".join(camel) == word:
        return camel
    if _KANJI_RUN.fullmatch(word):
        return [p for n in range(1, len(word)) for p in (word[:n], word[n:])]
    mixed = _MIXED.fullmatch(word)
    return list(mixed.groups()) if mixed else []


def name_key(name: str) -> str:
    """A name as compared: NFKC, any case, without spaces or the brackets around it."""
    return "".join(unbracketed(unicodedata.normalize("NFKC", name)).casefold().split())


# brackets a name may be written in, whole: 「山田太郎」, 『山田太郎』, 【山田太郎】, [Taro]
_BRACKETS = {"「": "」", "『": "』", "【": "】", "[": "]", "(": ")", "〈": "〉", "《": "》"}


def unbracketed(line: str) -> str:
    """``line`` without the brackets around it whole (NFKC: （ is ( already)."""
    line = line.strip()
    close = _BRACKETS.get(line[:1])
    inner = line[1:-1]
    if close is None or not line.endswith(close) or len(line) < 3:
        return line
    return line if any(ch in inner for ch in (line[0], close)) else inner.strip()
