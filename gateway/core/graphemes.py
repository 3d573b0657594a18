"""Cuts that fall between the characters a reader sees (grapheme clusters).

A text shortened for display (a board card's subject, a CLI column, a ticket's title,
a chat card) was cut at a code point: a flag lost its second half (🇯 for 🇯🇵), a
family its last member after the joiner, a thumbs-up its skin tone (a lone 🏽), a
letter its accent or dakuten (か゛ as か). The cut here moves back to the nearest
boundary of UAX #29's extended grapheme clusters, by the rules that matter for text
people write: no break inside CR LF, before a combining or spacing mark, a variation
selector, a skin tone, a joiner or a tag; after a zero-width joiner; inside a pair of
regional indicators; inside a Hangul syllable of conjoining jamo. Without a new
dependency (the ``regex`` module's ``\\X`` does this too), and linear in the text: a
step back looks at two characters, a run of regional indicators is counted once.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from functools import lru_cache

ELLIPSIS = "…"  # one character, in every language
_ZWJ = "\u200d"
# Grapheme_Extend characters that unicodedata does not file as marks (Mn, Me): the
# non-joiner and joiner, the half-width kana voiced marks (ﾞ ﾟ), the skin tones
# (Emoji_Modifier) and the tags of a subdivision flag (🏴 + tags + cancel tag)
_EXTEND_RANGES = (
    (0x200C, 0x200D),  # ZWNJ, ZWJ
    (0xFF9E, 0xFF9F),  # half-width katakana (semi-)voiced sound marks
    (0x1F3FB, 0x1F3FF),  # skin tones
    (0xE0020, 0xE007F),  # tags
)
_MARKS = frozenset({"Mn", "Me", "Mc"})  # nonspacing, enclosing, spacing marks (GB9, GB9a)
_CONTROLS = frozenset({"Cc", "Zl", "Zp"})  # GB4, GB5: a break on either side
_HANGUL_L = ((0x1100, 0x115F), (0xA960, 0xA97C))  # leading consonants
_HANGUL_V = ((0x1160, 0x11A7), (0xD7B0, 0xD7C6))  # vowels
_HANGUL_T = ((0x11A8, 0x11FF), (0xD7CB, 0xD7FB))  # trailing consonants
_SYLLABLES = (0xAC00, 0xD7A3)  # precomposed: LV when no trailing consonant, else LVT


def _within(char: str, ranges: tuple[tuple[int, int], ...]) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in ranges)


def _extends(char: str) -> bool:
    """``char`` belongs to the character before it (GB9, GB9a)."""
    return unicodedata.category(char) in _MARKS or _within(char, _EXTEND_RANGES)


def _regional(char: str) -> bool:
    return "\U0001f1e6" <= char <= "\U0001f1ff"


def _hangul(char: str) -> str:
    """The Hangul_Syllable_Type of ``char``: L, V, T, LV, LVT or ""."""
    code = ord(char)
    if _SYLLABLES[0] <= code <= _SYLLABLES[1]:
        return "LV" if (code - _SYLLABLES[0]) % 28 == 0 else "LVT"
    for kind, ranges in (("L", _HANGUL_L), ("V", _HANGUL_V), ("T", _HANGUL_T)):
        if _within(char, ranges):
            return kind
    return ""


# which Hangul syllable type may follow which inside one syllable (GB6, GB7, GB8)
_HANGUL_JOINS = {
    "L": frozenset({"L", "V", "LV", "LVT"}),  # a leading consonant: anything but T
    "V": frozenset({"V", "T"}),  # a vowel: more vowel or a trailing consonant
    "LV": frozenset({"V", "T"}),  # a syllable without a tail: the same
    "T": frozenset({"T"}),  # a tail: more tail
    "LVT": frozenset({"T"}),
}


def _paired_regional(text: str, at: int) -> bool:
    """``text[at - 1]`` is the first half of a flag: an odd number of regional
    indicators runs up to it (GB12, GB13)."""
    start = at
    while start > 0 and _regional(text[start - 1]):
        start -= 1
    return (at - start) % 2 == 1


def is_boundary(text: str, at: int) -> bool:
    """A cut before ``text[at]`` leaves every character a reader sees whole."""
    if at <= 0 or at >= len(text):
        return True
    before, after = text[at - 1], text[at]
    if _regional(before) and _regional(after):
        return not _paired_regional(text, at)
    return _between(before, after)


@lru_cache(maxsize=4096)  # asked for every character a mail wraps: the pairs repeat
def _between(before: str, after: str) -> bool:
    """A boundary between ``before`` and ``after``, but for a pair of regional
    indicators (which takes counting the run: :func:`_paired_regional`)."""
    if before == "\r" and after == "\n":
        return False
    if unicodedata.category(before) in _CONTROLS or unicodedata.category(after) in _CONTROLS:
        return True
    if _extends(after) or before == _ZWJ:  # a mark, a tone, a tag; an emoji's joiner
        return False
    return _hangul(after) not in _HANGUL_JOINS.get(_hangul(before), frozenset())


def starts(text: str) -> Iterator[bool]:
    """For each character of ``text``, whether a character a reader sees starts there
    (:func:`is_boundary` before it), in one pass: a run of regional indicators is
    counted as it goes, where :func:`is_boundary` counts back from each of them."""
    regional = 0  # regional indicators running up to the character before
    before = ""
    was_plain = False  # the character before is :func:`alone`
    for char in text:
        plain = alone(char)
        # the first; or two characters alone, most of a text: no pair to look up (#18)
        if not before or (plain and was_plain):
            yield True
        elif regional and _regional(char):
            yield regional % 2 == 0  # the first of a pair starts a flag, the second not
        else:
            yield _between(before, char)
        regional = regional + 1 if not plain and _regional(char) else 0
        before, was_plain = char, plain


@lru_cache(maxsize=8192)  # per character, not per pair: a Japanese text's pairs rarely repeat
def alone(char: str) -> bool:
    """``char`` neither joins the one before it nor may be joined by the one after it
    under any rule here (no control, mark, joiner, tone, tag, regional indicator or
    Hangul jamo or syllable): between two such there is always a boundary (GB999)."""
    return (
        unicodedata.category(char) not in _CONTROLS
        and not _extends(char)
        and not _regional(char)
        and not _hangul(char)
    )


def cut(text: str, at: int) -> str:
    """``text[:at]``, moved back to the nearest boundary between whole characters (it
    may end up empty: one character of a hundred marks fits in no short column)."""
    at = max(0, min(at, len(text)))
    if at < len(text) and not is_boundary(text, at):
        # a regional indicator run is counted once: its boundaries alternate
        at -= 1
        while at > 0 and not is_boundary(text, at):
            at -= 1
    return text[:at]


def shorten(text: str, most: int, mark: str = ELLIPSIS) -> str:
    """``text`` if it has at most ``most`` code points, else its start cut on a boundary
    and ``mark``, ``most`` code points in all at most."""
    if len(text) <= most:
        return text
    return cut(text, most - len(mark)) + mark
