"""Catalog keyword regexes run under RE2: linear time in the text, whatever the pattern.

A keyword regex is written by an admin but runs on what strangers send: under a
backtracking engine, ``(a+)+b`` or ``.*x.*y`` against a long enough line holds
the runner (and the GIL) for minutes (issue #14). RE2 guarantees time linear in
the text, and refuses what it cannot do in linear time — backreferences
(``\\1``) and lookarounds (``(?=…)``, ``(?<!…)``) — which ``catalog check``
reports on the line of the keyword. RE2 also releases the GIL while it searches.

Differences an admin may meet: ``\\b``, ``\\w``, ``\\d`` and ``\\s`` are ASCII in
RE2; for Japanese text write the characters, or classes such as ``\\p{Han}``,
``\\p{Hiragana}``, ``\\p{Katakana}`` and ``\\pL``. The text is NFKC-normalised and
case-folded before matching, and patterns are compiled case-insensitively.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Protocol

import re2

from gateway.catalog.regex_errors import re2_problem, regex_problem
from gateway.core.i18n import N_, Msg

__all__ = ["KeywordPattern", "compile_keyword"]


class Found(Protocol):
    """A match: where it starts and ends."""

    def start(self) -> int: ...
    def end(self) -> int: ...


class KeywordPattern(Protocol):
    """What matching needs of a compiled keyword regex."""

    def search(self, text: str) -> Found | None: ...


def _options() -> re2.Options:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False  # the error goes into the catalog problem, not to stderr
    return options


_OPTIONS = _options()


def compile_keyword(pattern: str) -> tuple[KeywordPattern | None, Msg | None]:
    """The compiled pattern, or None and why not (a catalog problem's message)."""
    # NFKC but no case folding: folding would turn \S, \W, \D, \B into their opposites
    source = unicodedata.normalize("NFKC", pattern)
    try:
        compiled: KeywordPattern = re2.compile(source, _OPTIONS)
    except re2.error as exc:
        return None, _why(pattern, source, exc)
    if any(_empty_match(compiled.search(text)) for text in _PROBES):
        return None, N_(
            "regular expression {pattern} can match an empty text, so it matches every mail "
            "(a trailing '|', a group made optional with '?' or '*', or only anchors such as "
            "'^' or '\\b'): each alternative must match at least one character",
            pattern=repr(pattern),
        )
    return compiled, None


# Texts on which a pattern that can match nothing at all shows it: ``vpn|`` and
# ``(toner)?`` match "" at once, ``\b`` and ``$`` only beside a character. Such a keyword
# would score in every request, and file every request under its entry (or, as a
# negative keyword, veto its entry always).
_PROBES = ("", " ", "a", "あ", "a b", "\n")


def _empty_match(found: Found | None) -> bool:
    return found is not None and found.start() == found.end()


def _why(pattern: str, source: str, exc: Exception) -> Msg:
    """Why RE2 refused ``pattern``: a syntax error Python's ``re`` names too, else what
    RE2 alone refuses; both in the reader's language (:mod:`.regex_errors`), never in
    the engines' English."""
    detail = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
    try:
        if "\\p" not in source and "\\P" not in source:  # \p{Han}: RE2's, which re lacks
            re.compile(source)
    except re.error as python_error:  # not a regular expression at all
        return N_(
            "bad regular expression {pattern!r}: {error}",
            pattern=pattern,
            error=regex_problem(python_error),
        )
    return re2_problem(pattern, detail)
