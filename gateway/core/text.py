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
from collections.abc import Mapping
from dataclasses import fields, is_dataclass, replace
from functools import cache
from itertools import combinations, pairwise
from typing import Any, TypeVar, cast

T = TypeVar("T")

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


# Compiled at their first use, not at import: a class of the CJK ideographs takes Python's
# regex compiler milliseconds (these four together about 10 ms), and a process that stores
# one piped mail and exits (``ingest -``, issue #18) needs none of them.
@cache
def _cjk() -> re.Pattern[str]:
    return re.compile(f"[{CJK_CHARS}]")


@cache
def _japanese() -> re.Pattern[str]:
    return re.compile(f"[{JAPANESE_CHARS}]")


@cache
def _cjk_run() -> re.Pattern[str]:
    return re.compile(f"[{CJK_CHARS}]{{2,}}")


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


def as_written_for_matching(text: str) -> str:
    """:func:`for_matching`'s text with its letters in the case they were written, place
    for place: where it says ``example.net`` this says ``Example.net`` (a keyword's
    matcher asks whether a name there was written with capitals). A letter whose folded
    form is longer (ß is ss) is folded here too, so the places stay in line."""
    written = _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).translate(_HYPHENS)
    if len(written.casefold()) == len(written):
        return written
    return "".join(c if len(c.casefold()) == 1 else c.casefold() for c in written)


# Katakana letters and the long-vowel mark, without ・ and the other marks of the block:
# サーバー・ラック is two words, and the ー before ・ ends the first.
_KATAKANA_LETTER = "\u30a1-\u30fa\u30fc"
# Hiragana letters (small ones and ゔ too, the iteration marks ゝゞ) and the long-vowel
# mark: a loanword typed with the input method left in hiragana (ぷりんたー) is a word of
# these, and its ー follows the katakana word's rule
_HIRAGANA_LETTER = "\u3041-\u3096\u309d\u309e\u30fc"
# a long-vowel mark that ends a kana word: after two or more kana of one script, before
# anything that is not a kana of that script (kanji, the other script, a mark, a space,
# the end). Hiragana after a katakana word is its grammar (サーバーが: the word ends);
# hiragana after a hiragana word may be either (ぷりんたーが), so that ー stays written.
# Fixed-width look-arounds only: one pass, linear in the text. The ー first, the kana
# behind it looked at after it: a pattern that begins with a look behind is tried at
# every character, this one only at each ー (issue #18: fourteen times faster).
_WORD_FINAL_LONG_VOWEL = re.compile(
    f"ー(?<=[{_KATAKANA_LETTER}]{{2}}ー)(?![{_KATAKANA_LETTER}])"
    f"|ー(?<=[{_HIRAGANA_LETTER}]{{2}}ー)(?![{_HIRAGANA_LETTER}])"
)
# each hiragana as its katakana (ぁ-ゖ are ァ-ヶ shifted by 0x60; ゝゞ are ヽヾ), and back
_TO_KATAKANA = str.maketrans(
    {**{n: n + 0x60 for n in range(0x3041, 0x3097)}, 0x309D: 0x30FD, 0x309E: 0x30FE}
)
_TO_HIRAGANA = str.maketrans({v: k for k, v in _TO_KATAKANA.items()})


def long_vowels_dropped(text: str) -> str:
    """``text`` with the ー that ends each kana word dropped, the scripts as written: the
    first step of :func:`kana_folded`, and all of it for a keyword of one short kana word
    (:func:`keyword_form`)."""
    return _WORD_FINAL_LONG_VOWEL.sub("", text) if "ー" in text else text


def kana_folded(text: str) -> str:
    """``text`` (normalised) as the catalog compares Japanese: the ー that ends each kana
    word dropped, then hiragana read as katakana. The one fold of kana spellings; the
    matcher applies it to both the mail and the keyword, search to what it looks for.

    Japanese writes サーバ and サーバー, サーバ室 and サーバー室 alike (the old JIS rule
    drops the final ー; many teams still do): folded, both spellings are one string,
    wherever the word stands. A ー inside a kana run stays (サーバーラック: where one word
    ends is not written), as does the ー of a one-kana word (ルー). A customer whose
    input method was left in hiragana writes ぷりんたー for プリンター: kana are one
    alphabet in two scripts, so both fold to プリンタ. The word ends are found before
    the scripts are merged, since where katakana meets hiragana is where a word ends."""
    return as_katakana(long_vowels_dropped(text))


def as_katakana(text: str) -> str:
    """Each hiragana as its katakana: the second step of :func:`kana_folded`."""
    return text.translate(_TO_KATAKANA)


MAX_WORD_ENDS = 3  # word ends whose spellings are all combined; past that, all or none


def kana_spellings(term: str) -> list[str]:
    """Every spelling of ``term`` (normalised) that :func:`kana_folded` folds to the same
    string, folded form first: サーバー室 gives サーバ室, サーバー室, さーば室, さーばー室.
    What a substring search looks for in text stored as written, so it follows the
    catalog's rule both ways: in the term's own scripts, all in katakana and all in
    hiragana (a term mixing the two in other ways is looked for as typed; a short one,
    :func:`same_script`, in its own script only). A word ending
    the term gets no ー: the folded form is a substring of both spellings there (サーバ
    is in サーバー). Past :data:`MAX_WORD_ENDS` inner word ends, only the form without
    and the one with every ー written."""
    bound = same_script(term)  # タイ is not looked for as たい (したい), as in the catalog
    fold = long_vowels_dropped if bound else kana_folded
    target = fold(term)
    out = [target]
    scripts = (term,) if bound else (term, as_katakana(term), term.translate(_TO_HIRAGANA))
    for written in scripts:
        short = long_vowels_dropped(written)
        ends = [m.end() for m in _INNER_WORD_END.finditer(short)]
        if len(ends) > MAX_WORD_ENDS:
            choices = [(), tuple(ends)]
        else:
            choices = [c for k in range(len(ends) + 1) for c in combinations(ends, k)]
        for chosen in choices:
            spelling = "".join(
                short[a:b] + ("ー" if b in chosen else "")
                for a, b in pairwise([0, *ends, len(short)])
            )
            if fold(spelling) == target:  # the rule decides, not this sketch
                out.append(spelling)
    return list(dict.fromkeys(out))


# the end of a kana word of two or more kana inside a term, where ー may be written
_INNER_WORD_END = re.compile(
    f"[{_KATAKANA_LETTER}]{{2}}(?<!ー)(?=[^{_KATAKANA_LETTER}])"
    f"|[{_HIRAGANA_LETTER}]{{2}}(?<!ー)(?=[^{_HIRAGANA_LETTER}])"
)


def keyword_form(term: str) -> str:
    """A normalised keyword as it is looked for: a CJK keyword folded as
    :func:`kana_folded` folds the mail it is looked for in, so サーバー室 finds サーバ室,
    ぷりんたー finds プリンタ, and the reverse, without a space where Latin meets CJK
    (:func:`mixed_spaces_dropped`). A keyword of :data:`SHORT_KANA` kana or fewer keeps
    its script (:func:`same_script`)."""
    if not is_cjk(term):
        return term
    term = mixed_spaces_dropped(term)
    return long_vowels_dropped(term) if same_script(term) else kana_folded(term)


# A space (one: :func:`for_matching` has made every run one) where a Latin letter or digit
# meets a CJK character, either way round: Japanese writes "VPN 接続" and "VPN接続" alike
@cache
def _mixed_space() -> re.Pattern[str]:  # at its first use: see _cjk
    # the space first, its neighbour behind looked at after it: a pattern that begins
    # with a look behind is tried at every character of the mail, this one only at its
    # spaces (issue #18: ten times faster on the bench corpus, the same spaces dropped)
    return re.compile(
        f" (?<=[{LATIN_WORD}] )(?=[{CJK_CHARS}])| (?<=[{CJK_CHARS}] )(?=[{LATIN_WORD}])"
    )


def mixed_spaces_dropped(text: str) -> str:
    """``text`` (matching form) without the spaces where Latin meets CJK: what a CJK
    keyword is looked for in, and how it is written to be looked for."""
    return _mixed_space().sub("", text) if " " in text else text


SHORT_KANA = 2  # a keyword this long (ー included) is in hiragana grammar too often (タイ: したい)


def same_script(term: str) -> bool:
    """A keyword (normalised) of one kana word of at most :data:`SHORT_KANA` characters
    once a final ー is dropped (タイ, です, トナー): looked for in the script it is written
    in, in text folded by :func:`long_vowels_dropped` only. Read as hiragana, タイ is in
    したい and トナ in となります: the grammar of every Japanese mail. Longer words
    (プリンター, ぷりんたー) are not."""
    word = long_vowels_dropped(term)
    return len(word) <= SHORT_KANA and _ONE_SCRIPT.fullmatch(word) is not None


_ONE_SCRIPT = re.compile(f"[{_KATAKANA_LETTER}]+|[{_HIRAGANA_LETTER}]+")


def is_cjk(text: str) -> bool:
    """Contains a character of a script written without spaces."""
    return _cjk().search(text) is not None


def has_japanese(text: str) -> bool:
    """Contains kana, kanji or half-width kana: the mail is (at least partly) Japanese."""
    return _japanese().search(text) is not None


def cjk_runs(text: str) -> list[str]:
    """Runs of two or more CJK characters, in order (the text is not normalised here)."""
    return _cjk_run().findall(text)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogates_replaced(text: str) -> str:
    """``text`` with U+FFFD for each lone surrogate: no character, but what a JSON or YAML
    escape (``"\\ud800"``) makes of a half of one. Kept, it could be written to no
    database, mail or pipe: a request whose sheet held one was shunted whole, an
    action's answer holding one sent no reply."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def nul_replaced(text: str) -> str:
    """``text`` with U+FFFD for each NUL (U+0000): the one rule for a NUL that reaches the
    store as text, on every database. PostgreSQL's text cannot hold one (its statement
    failed); SQLite can, and kept it, so the same value read differently on the two.
    U+FFFD, not nothing: the reader sees that something was there, as for bytes that
    were not text. Raw message bytes are kept as they came."""
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


def with_nul_replaced(value: T) -> T:
    """``value`` (a string, or a tuple, mapping or frozen dataclass holding strings: a
    parsed message, a submission) with :func:`nul_replaced` applied to every string
    in it; the same object where there was no NUL, so a message without one costs a
    scan and no copy."""
    return cast(T, _replaced(value))


def _replaced(value: object) -> object:
    if value is None or isinstance(value, int | float | bool | bytes):
        return value
    if isinstance(value, str):
        return nul_replaced(value)
    if isinstance(value, tuple):
        items = tuple(_replaced(v) for v in value)
        if all(a is b for a, b in zip(items, value, strict=True)):
            return value
        return items if type(value) is tuple else cast(Any, type(value))(*items)  # a named tuple
    if is_dataclass(value) and not isinstance(value, type):
        changed = {}
        for name in _field_names(type(value)):
            old = getattr(value, name)
            new = _replaced(old)
            if new is not old:
                changed[name] = new
        return replace(value, **changed) if changed else value
    if isinstance(value, Mapping):
        pairs = {_replaced(k): _replaced(v) for k, v in value.items()}
        same = all(k in value and value[k] is v for k, v in pairs.items())
        return value if same and len(pairs) == len(value) else pairs
    return value  # a number, a date, None: no text


@cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(kind))


def bare(line: str) -> str:
    """``line`` without the white space and the invisible format characters at its ends
    (zero-width space, left-to-right mark, word joiner, soft hyphen, BOM: Unicode's
    ``Cf``). Mail clients, web pages, chat and spreadsheets put them around what is
    copied from them; kept, they made ``​/close`` a line of text (relayed to the
    requester, the ticket left open), a pasted sheet value another value than it reads
    (an action given "\\u200bito"), and a title of only such characters a title."""
    start, end = 0, len(line)
    while start < end and is_unseen(line[start]):
        start += 1
    while end > start and is_unseen(line[end - 1]):
        end -= 1
    return line[start:end]


def is_unseen(ch: str) -> bool:
    """White space or a format character, but not a tag character (U+E0020–U+E007F):
    those end a subdivision flag (🏴 and its tags are the flag of England)."""
    return ch.isspace() or (unicodedata.category(ch) == "Cf" and ch < "\U000e0000")


def unseen_dropped(text: str) -> str:
    """``text`` without the format characters :func:`bare` takes from the ends, wherever
    they stand: what a member looks for is what they see (our Slack posts put a
    zero-width space inside a link or after an @, and a copy of it carries that)."""
    return "".join(ch for ch in text if ch.isspace() or not is_unseen(ch))


# the blank lines (white space only, U+3000 too) that open a text
_OPENING_BLANK_LINES = re.compile(r"\A(?:[^\S\n]*\n)+")


def blank_lines_stripped(text: str) -> str:
    """``text`` without the blank lines that open it and the white space that ends it,
    its first line's indent kept. What a member wrote is relayed as written: ``strip()``
    took a Japanese paragraph's 「　」 (or a command's, a code line's spaces) from their
    first line alone, while the lines under it kept theirs."""
    return _OPENING_BLANK_LINES.sub("", text).rstrip()


# The dashes typed between two numbers or words where a hyphen is meant, besides the
# hyphen-minus (and the full-width one, which NFKC makes it): between two of them each
# can be no other thing.
IME_DASHES = "".join(
    (
        "\u30fc",  # ー: a Japanese input method in hiragana mode types it for the hyphen
        # key (and half-width ｰ is ー after NFKC)
        "\u2212",  # −: the minus sign a Mac's input method types in full width
        "\u2010\u2011",  # hyphen and non-breaking hyphen: word processors, phones
        "\u2012\u2013\u2014\u2015",  # figure dash, en and em dash, bar: AutoCorrect, pasted
    )
)
# the dash first, the letter behind it looked at after it (see _WORD_FINAL_LONG_VOWEL)
_DASH_BETWEEN = re.compile(rf"[{IME_DASHES}](?<=[0-9A-Za-z][{IME_DASHES}])(?=[0-9A-Za-z])")


def hyphens_between(text: str) -> str:
    """``text`` with :data:`IME_DASHES` between two ASCII letters or digits as the
    hyphen-minus they were typed for (``noーresponse``: no-response); elsewhere (「データー」,
    a dash set off by spaces) they stay."""
    return _DASH_BETWEEN.sub("-", text)


def visible(words: str) -> str:
    """A person's ``words`` as a message may quote them: as written, but a control or
    format character (a tab, a zero-width space, a right-to-left override that turns
    what follows) shown as its escape (``\\u202e``), as ``repr()`` shows it, without
    repr()'s quotes: each catalog quotes in its language ('x', 「x」)."""
    return "".join(
        ch
        if ch.isprintable() or unicodedata.category(ch) == "Zs"
        else ch.encode("unicode_escape").decode("ascii")
        for ch in words
    )
