"""Which catalog entry a new request belongs to, with the evidence.

Scoring, so that anyone reading the ``category`` event can redo it by hand:

* Subject and ``new_text`` (the body without quoted history and signature,
  already cut by the parser; the first 64 KB of each) are normalised with NFKC
  and case folding.
* Latin keywords match on word boundaries (a plain ``s``/``es`` plural is
  accepted: ``printer`` matches "printers"; digits may follow a keyword that ends
  in a letter: ``windows`` matches "Windows11"; a keyword's edge of marks needs no
  boundary: ``c++`` matches "C++11", ``.net`` "ASP.NET", but not inside an address, a URL
  or as a lower-case part of a host's or a file's name: not ``admin@example.net``,
  ``example.net`` or ``app.net.json``: :mod:`gateway.catalog.hosts`); CJK keywords match
  as substrings, the ー that ends a kana word dropped and hiragana read as katakana on both sides
  (サーバー室 is サーバ室, ぷりんたー is プリンター: :func:`~gateway.core.text.kana_folded`),
  a space where Latin meets CJK optional (VPN 接続 is VPN接続);
  ``regex`` keywords are searched in the normalised text.
* Each keyword counts at most once per place: ``weight × SUBJECT_WEIGHT`` for a
  hit in the subject plus ``weight × BODY_WEIGHT`` for a hit in the body.
  Repeating a word ten times does not make a request ten times more urgent.
* A **negative keyword vetoes** its entry: one hit anywhere and the entry
  cannot win, whatever its score. Subtracting was rejected because the result
  depends on how many positive words happen to appear, which nobody can predict
  when writing the catalog; a veto is easy to reason about.
* The highest score wins; ties go to the entry listed first. No positive score
  means the fallback entry.

How the literal keywords are found does not change any of this: a small catalog looks
for each in the text (fast substring tests), one of :data:`INDEX_FROM` literal keywords
or more reads the text once through an automaton of them all
(:mod:`gateway.catalog.scan`), so that no catalog makes every mail cost keywords × text.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from gateway.catalog.hosts import in_address, names_own
from gateway.catalog.model import Catalog, Entry, Keyword
from gateway.catalog.scan import Automaton, Prefixes
from gateway.core.text import (
    LATIN_WORD,
    as_katakana,
    as_written_for_matching,
    for_matching,
    long_vowels_dropped,
    mixed_spaces_dropped,
)

SUBJECT_WEIGHT = 3.0
BODY_WEIGHT = 1.0
MAX_TEXT = 64 * 1024  # characters of subject and body matched: what a request is about
# Literal keywords (terms, negative ones too) from which the text is read once through
# the catalog's automaton rather than searched for each: below, C substring tests on a
# mail cost less than one pure-Python pass over it.
INDEX_FROM = 300  # measured: the two cost about the same at 200-400 keywords, 2 KB or 64 KB


@dataclass(frozen=True, slots=True)
class Hit:
    keyword: str  # as written in the catalog
    where: str  # subject | body
    weight: float  # the keyword's own weight
    points: float  # what it added to the score

    def as_dict(self) -> dict[str, object]:
        return {
            "keyword": self.keyword,
            "where": self.where,
            "weight": self.weight,
            "points": self.points,
        }


@dataclass(frozen=True, slots=True)
class Classification:
    entry_id: str
    score: float
    matched: tuple[Hit, ...]
    fallback: bool
    vetoed: tuple[tuple[str, str], ...] = ()  # (entry id, negative keyword) that hit
    scores: tuple[tuple[str, float], ...] = ()  # every entry that scored, best first
    chosen: str = ""  # not matched: chosen by the person in this door (web, slack)

    def as_detail(self) -> dict[str, object]:
        """The plain-data explanation stored on the ``category`` event."""
        chosen = {"chosen_in": self.chosen} if self.chosen else {}
        return {
            **chosen,
            "entry": self.entry_id,
            "score": self.score,
            "fallback": self.fallback,
            "matched": [h.as_dict() for h in self.matched],
            "vetoed": [{"entry": e, "keyword": k} for e, k in self.vetoed],
            "scores": [{"entry": e, "score": s} for e, s in self.scores],
        }


def classify(catalog: Catalog, subject: str, new_text: str) -> Classification:
    index = _index_of(catalog)
    indexed = index if index.size >= INDEX_FROM else None
    places = (
        _place("subject", subject, SUBJECT_WEIGHT, indexed),
        _place("body", new_text, BODY_WEIGHT, indexed),
    )
    # Both places at once, apart: a literal keyword absent from this is absent from each,
    # which one substring test tells for most keywords of most mail (issue #18)
    both = f"{places[0].text}\x00{places[1].text}"
    both_folded = f"{places[0].folded}\x00{places[1].folded}"
    both_kana = f"{places[0].kana}\x00{places[1].kana}"
    best: tuple[float, Entry, tuple[Hit, ...]] | None = None
    vetoed: list[tuple[str, str]] = []
    scores: list[tuple[str, float]] = []
    for entry in catalog.entries:
        if entry.fallback:
            continue
        hits = tuple(
            h
            for kw in entry.keywords
            if kw.regex is not None
            or (
                kw.text
                and (indexed is not None or kw.text in _haystack(kw, both, both_folded, both_kana))
            )
            for h in _hits(kw, places)
        )
        score = sum(h.points for h in hits)
        if score <= 0:
            continue
        veto = next((kw for kw in entry.negative if any(_found(kw, p) for p in places)), None)
        if veto is not None:  # only entries that scored: the explanation stays short
            vetoed.append((entry.id, veto.source))
            continue
        scores.append((entry.id, score))
        if best is None or score > best[0]:  # strictly greater: ties keep catalog order
            best = (score, entry, hits)
    ranked = tuple(sorted(scores, key=lambda s: -s[1]))
    if best is None:
        return Classification(catalog.fallback.id, 0.0, (), True, tuple(vetoed), ranked)
    return Classification(best[1].id, best[0], best[2], False, tuple(vetoed), ranked)


@dataclass(frozen=True, slots=True)
class _Place:
    where: str  # subject | body
    text: str  # normalised: what Latin and regex keywords are looked for in
    folded: str  # kana_folded: what CJK keywords are looked for in
    kana: str  # long vowels dropped, scripts kept: what a short kana keyword is looked for in
    factor: float
    written: Callable[[], str]  # ``text`` as written, capitals kept (worked out if asked)
    # the literal keywords found here, by haystack (:func:`_kind`); None: not worked out,
    # each keyword is looked for when asked (a small catalog)
    literal: dict[str, set[str]] | None = None


def _place(where: str, raw: str, factor: float, index: _Index | None) -> _Place:
    text = for_matching(raw[:MAX_TEXT])
    kana = long_vowels_dropped(mixed_spaces_dropped(text))  # VPN 接続 is VPN接続
    folded = as_katakana(kana)  # kana_folded(text)
    written = _when_asked(raw[:MAX_TEXT])
    if index is None:
        return _Place(where, text, folded, kana, factor, written)
    literal = {
        "text": index.words.found(text, _word_in)
        | index.latin.found(text, lambda word, at: _word_at(word, text, at, written)),
        "folded": index.folded.found(folded),
        "kana": index.kana.found(kana),
    }
    return _Place(where, text, folded, kana, factor, written, literal)


def _when_asked(raw: str) -> Callable[[], str]:
    """The text as written for matching, worked out the first time it is asked for
    (only a dot keyword inside a dotted name asks: most mails never do)."""
    kept: list[str] = []

    def written() -> str:
        if not kept:
            kept.append(as_written_for_matching(raw))
        return kept[0]

    return written


@dataclass(frozen=True, slots=True)
class _Index:
    """A catalog's literal keywords as one automaton per haystack, built once per catalog."""

    size: int  # literal keywords in the catalog, negative ones included
    words: Prefixes  # Latin keywords of one word (most of them)
    latin: Automaton  # the other Latin ones (wi-fi, remote access, .net)
    folded: Automaton
    kana: Automaton


# The indexes of the catalogs classified last, by id, each with its catalog: the id
# stands only while that catalog lives, which the reference here ensures. A reload is a
# new catalog; a few are kept for the parse worker and tests that switch between them.
_INDEXES: dict[int, tuple[Catalog, _Index]] = {}
_INDEXES_KEPT = 4
_INDEXES_LOCK = threading.Lock()  # classify may run in worker threads


def _index_of(catalog: Catalog) -> _Index:
    kept = _INDEXES.get(id(catalog))
    if kept is None or kept[0] is not catalog:
        with _INDEXES_LOCK:  # built once, even when two threads ask at once
            kept = _INDEXES.get(id(catalog))
            if kept is None or kept[0] is not catalog:
                kept = (catalog, _built(catalog))
                while len(_INDEXES) >= _INDEXES_KEPT:
                    _INDEXES.pop(next(iter(_INDEXES)))
                _INDEXES[id(catalog)] = kept
    return kept[1]


def _built(catalog: Catalog) -> _Index:
    words = [
        kw
        for e in catalog.entries
        for kw in (*e.keywords, *e.negative)
        if kw.regex is None and kw.text
    ]
    one_word = Prefixes((kw.text for kw in words if _one_word(kw)), LATIN_WORD)
    automata = (
        Automaton(kw.text for kw in words if _kind(kw) == kind and not _one_word(kw))
        for kind in _KINDS
    )
    return _Index(len(words), one_word, *automata)


def _one_word(kw: Keyword) -> bool:
    """A Latin keyword of word characters alone: it can only start a word of the text."""
    return not kw.cjk and _ONE_WORD.fullmatch(kw.text) is not None


_ONE_WORD = re.compile(f"[{LATIN_WORD}]+")


_KINDS = ("text", "folded", "kana")  # the haystacks, in the order of _Index's automata


def _kind(kw: Keyword) -> str:
    """Which haystack :func:`_haystack` looks for ``kw`` in."""
    if not kw.cjk:
        return "text"
    return "kana" if kw.same_script else "folded"


def _haystack(kw: Keyword, text: str, folded: str, kana: str) -> str:
    """What ``kw`` is looked for in: the normalised text (Latin), the kana-folded one
    (CJK), or the one that keeps the scripts (a short kana word: タイ is not in したい)."""
    if not kw.cjk:
        return text
    return kana if kw.same_script else folded


def _hits(kw: Keyword, places: tuple[_Place, ...]) -> list[Hit]:
    return [
        Hit(kw.source, p.where, kw.weight, kw.weight * p.factor) for p in places if _found(kw, p)
    ]


def _found(kw: Keyword, place: _Place) -> bool:
    if kw.regex is not None:
        return kw.regex.search(place.text) is not None
    if not kw.text:
        return False
    if place.literal is not None:
        return kw.text in place.literal[_kind(kw)]
    if kw.cjk:  # substrings, each side folded the same way (keyword_form)
        return kw.text in _haystack(kw, place.text, place.folded, place.kana)
    if kw.text not in place.text:  # cheap, and most keywords are absent from most mail
        return False
    if not _marked(kw.text):
        return _word_pattern(kw.text).search(place.text) is not None
    found = _word_pattern(kw.text).finditer(place.text)
    return any(not _names(place.text, m.start(), place.written) for m in found)


def _word_at(term: str, text: str, at: int, written: Callable[[], str]) -> bool:
    """A Latin keyword found at ``at`` stands there as a word: what :func:`_found`'s
    search asks of its occurrences, asked of this one (the look-behind sees ``text``
    before ``at``). Its first condition first, without the pattern: inside a word most
    occurrences of nested keywords (a, aa, aaa in "aaaa…") fail there."""
    if at and term[0] in _IN_WORD and text[at - 1] in _IN_WORD:
        return False
    if _word_pattern(term).match(text, at) is None:
        return False
    return not (_marked(term) and _names(text, at, written))


def _names(text: str, at: int, written: Callable[[], str]) -> bool:
    """The marked keyword at ``at`` is part of an address, a URL or a dotted name there
    (:mod:`gateway.catalog.hosts`), not a word of its own."""
    return in_address(text, at) or names_own(text, at, written)


def _marked(term: str) -> bool:
    """A keyword with a mark at an edge (``.net``, ``c#``, ``c++``): it needs no word
    boundary there, so it is looked for outside addresses and URLs only
    (:func:`gateway.catalog.hosts.in_address`: ``admin@example.net`` is no .NET). One
    written as a piece of an address (``@vendor.example``, ``.co.jp``, ``https://portal.``)
    is meant to find addresses, and does."""
    edge = term[0] not in _IN_WORD or term[-1] not in _IN_WORD
    return edge and not ("@" in term or "/" in term or term.count(".") > 1)


def _word_in(term: str, word: str) -> bool:
    """A one-word keyword stands as a word at the start of ``word``, a whole run of word
    characters of the text: :func:`_word_pattern`'s rule, decided without compiling it
    (a mail naming thousands of a catalog's keywords compiled thousands of patterns).
    Nothing before ``word`` is a word character; what follows ``term`` in it is."""
    rest = word[len(term) :]
    if not term[-1].isalpha():
        return not rest  # win10 is not win100
    for plural in ("es", "s", ""):  # printer, printers; boxes
        if rest.startswith(plural) and rest[len(plural) : len(plural) + 1] not in _IN_LETTER:
            return True  # the word ends there, or a digit follows (Windows11)
    return False


# What may not follow a keyword that ends in a letter: a letter. Digits may: Japanese
# mail writes a version or a count on to the word (Windows11, Office365, PC1台).
_LATIN_LETTER = LATIN_WORD.removeprefix("0-9")
# the characters of [LATIN_WORD] and of [_LATIN_LETTER], as sets (all below U+0250)
_IN_WORD = frozenset(c for c in map(chr, range(0x250)) if re.match(f"[{LATIN_WORD}]", c))
_IN_LETTER = frozenset(c for c in _IN_WORD if re.match(f"[{_LATIN_LETTER}]", c))


@lru_cache(maxsize=4096)
def _word_pattern(term: str) -> re.Pattern[str]:
    """``term`` as a whole word: no word character runs on from either edge that is one.
    An edge of marks (``c++``, ``.net``, ``c#``) is a word's edge already: a version or a
    word written on there (C++11, ASP.NET) still holds the keyword."""
    before = f"(?<![{LATIN_WORD}])" if term[0] in _IN_WORD else ""
    if term[-1].isalpha():  # printer, printers; Windows11
        return re.compile(f"{before}{re.escape(term)}(?:e?s)?(?![{_LATIN_LETTER}])")
    after = f"(?![{LATIN_WORD}])" if term[-1] in _IN_WORD else ""  # win10 is not win100
    return re.compile(f"{before}{re.escape(term)}{after}")
