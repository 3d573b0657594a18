"""A keyword regex that cannot be used is said in the reader's language: what is
wrong, the pattern, the entry and the key, and never the English of Python's ``re``
or of RE2 ("missing ), unterminated subpattern", "invalid perl operator")."""

from __future__ import annotations

import re

import pytest
import re2

from gateway.catalog.load import parse_catalog
from gateway.catalog.regex_errors import RE_ERRORS, regex_problem
from gateway.core.errors import CatalogError, Problem
from gateway.core.i18n import translate

FALLBACK = "  - id: other\n    name: Other\n    fallback: true\n    manager: m@example.test\n"
KANA_OR_KANJI = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
ENGLISH = re.compile(r"[A-Za-z]{2,}(?:[ ,']+[A-Za-z]{2,}){2,}")

# a pattern each engine refuses, and the words it says it with (which must not be shown)
REFUSED = [
    "(vpn|wifi",  # re: missing ), unterminated subpattern
    "vpn)",  # re: unbalanced parenthesis
    "[a-z",  # re: unterminated character set
    "*vpn",  # re: nothing to repeat
    "[z-a]",  # re: bad character range
    "vpn\\q",  # re: bad escape
    "(?<!no )vpn",  # RE2: invalid perl operator
    "(a)\\1",  # RE2: invalid escape sequence (a backreference)
    "a{1001}",  # RE2: invalid repetition size
    "\\p{Nope}",  # RE2: invalid character class range
    "vpn\\Z",  # RE2: invalid escape sequence
]


def _engines_words(pattern: str) -> list[str]:
    """What re and RE2 say about ``pattern``, in their English."""
    words = []
    try:
        re.compile(pattern)
    except re.error as exc:
        words.append(exc.msg)
    options = re2.Options()
    options.log_errors = False
    try:
        re2.compile(pattern, options)
    except re2.error as exc:
        words.append(exc.args[0].decode().partition(": ")[0])
    assert words, pattern
    return words


def _problem(pattern: str, key: str) -> Problem:
    yaml_pattern = pattern.replace("\\", "\\\\")
    text = f'entries:\n  - id: vpn\n    name: VPN\n    {key}: [{{regex: "{yaml_pattern}"}}]\n'
    with pytest.raises(CatalogError) as caught:
        parse_catalog(text + FALLBACK)
    [problem] = caught.value.problems
    return problem


@pytest.mark.parametrize("key", ["keywords", "negative"])
@pytest.mark.parametrize("pattern", REFUSED)
def test_a_refused_regex_is_said_with_its_entry_and_key_in_each_language(
    pattern: str, key: str
) -> None:
    problem = _problem(pattern, key)
    assert problem.line == 4
    en, ja = translate(problem.message, "en"), translate(problem.message, "ja")
    for said in (en, ja):
        assert "'vpn'" in said and key in said and repr(pattern) in said, said
        assert not any(w in said for w in _engines_words(pattern)), said
    assert not KANA_OR_KANJI.search(en), en
    rest = ja.replace(repr(pattern), "").replace(key, "").replace("RE2", "")
    assert KANA_OR_KANJI.search(rest) and not ENGLISH.search(rest), ja


def test_the_position_of_a_syntax_error_is_said() -> None:
    with pytest.raises(re.error) as caught:
        re.compile("vpn|(wifi")
    said = regex_problem(caught.value)
    assert translate(said, "en") == "a ( is never closed, at character 5"
    assert translate(said, "ja") == "( が閉じられていません（5 文字目）"


@pytest.mark.parametrize("said", [s for _, s in RE_ERRORS], ids=lambda s: s.msgid)
def test_every_row_is_japanese_in_japanese(said: object) -> None:
    ja = translate(said, "ja")  # type: ignore[arg-type]
    assert KANA_OR_KANJI.search(ja) and not ENGLISH.search(ja), ja
