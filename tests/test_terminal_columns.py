"""Columns a terminal gives a text, for the CLI's tables (gateway.runtime.cli.common).

A variation selector, a skin tone and a zero-width joiner are drawn as nothing of
their own: they change the character before them. An emoji presentation sequence
(a text-style symbol and VS16) is an emoji, two columns; the same symbol with VS15
stays as narrow as it is; a hand with its skin tone, a family joined by ZWJs and a
flag are one emoji each, two columns. A full-width character stays two.
"""

from __future__ import annotations

import pytest

from gateway.runtime.cli.common import columns, pad

HEART = "❤\ufe0f"  # U+2764 (narrow) as an emoji: VS16
SMILE_TEXT = "☺\ufe0e"  # U+263A kept as text: VS15
THUMB = "👍🏽"  # a hand and its skin tone
FAMILY = "👨\u200d👩\u200d👧"
RAINBOW = "🏳\ufe0f\u200d🌈"  # a narrow flag made an emoji, joined to a rainbow
FLAG = "🇯🇵"


@pytest.mark.parametrize(
    ("text", "wide"),
    [
        (HEART, 2),
        (SMILE_TEXT, 1),
        (THUMB, 2),
        (FAMILY, 2),
        (RAINBOW, 2),
        (FLAG, 2),
        ("\u200d", 0),
        ("\ufe0f", 0),
        ("日本", 4),  # East Asian Wide: two columns each, as before
        ("ｱ", 1),  # half-width katakana: one
        ("e\u0301", 1),  # a combining mark: none, as before
        ("a" + THUMB + "b" + HEART + "c", 7),
    ],
)
def test_a_text_takes_the_columns_a_terminal_shows(text: str, wide: int) -> None:
    assert columns(text) == wide


def test_a_column_of_emoji_stays_in_line() -> None:
    assert pad(HEART, 4) == HEART + "  "
    assert pad(THUMB, -3) == " " + THUMB
    assert pad("ab" + HEART * 3 + "cd", 6, cut=True) == "ab" + HEART + "… "
    assert pad(FAMILY + "xyz", 4, cut=True) == FAMILY + "x…"
