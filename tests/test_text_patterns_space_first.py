"""Three patterns of the catalog match run over every request's text; each was written
with its look behind first, which Python's engine tries at every character of the mail.
They now begin with the character they drop (a space, ー, a dash) and look behind it
after (issue #18). The reference here is the first writing: both must agree on any text."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from gateway.core import text as T

K, H, D = T._KATAKANA_LETTER, T._HIRAGANA_LETTER, T.IME_DASHES
REFERENCE = {
    "mixed space": (
        re.compile(
            f"(?<=[{T.LATIN_WORD}]) (?=[{T.CJK_CHARS}])|(?<=[{T.CJK_CHARS}]) (?=[{T.LATIN_WORD}])"
        ),
        T._mixed_space(),
    ),
    "word-final ー": (
        re.compile(f"(?<=[{K}]{{2}})ー(?![{K}])|(?<=[{H}]{{2}})ー(?![{H}])"),
        T._WORD_FINAL_LONG_VOWEL,
    ),
    "dash between": (
        re.compile(rf"(?<=[0-9A-Za-z])[{D}](?=[0-9A-Za-z])"),
        T._DASH_BETWEEN,
    ),
}
ALPHABET = "aZ9_ 　字漢アイサバーあいぷ-ー−‐—ｰ。、."


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=40))
@example("VPN 接続 できない abc あいう def")
@example("サーバーが落ちた ぷりんたー サーバー室 noーresponse a‐b")
def test_the_patterns_drop_what_they_dropped(text: str) -> None:
    for name, (reference, pattern) in REFERENCE.items():
        assert pattern.sub("", text) == reference.sub("", text), name
