"""Reply and forward prefixes typed in full-width forms, and subjects of zero-width
characters (found by the exploratory round over intake): 「Ｒｅ：Ｆｗｄ：件名」 kept
「Ｆｗｄ：件名」 as the ticket's title, since only ｒｅ/ＲＥ were known in full width, and a
subject of zero-width spaces alone made a title that shows as nothing."""

from __future__ import annotations

import pytest

from gateway.pipeline.thread import base_subject

WORDS = ["Re", "RE", "Fw", "FW", "Fwd", "AW", "WG", "SV", "TR", "RV", "ENC", "Antw", "Odp"]


def _wide(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@pytest.mark.parametrize("word", WORDS)
@pytest.mark.parametrize("colon", [":", "："])
def test_a_full_width_prefix_goes(word: str, colon: str) -> None:
    assert base_subject(f"{_wide(word)}{colon}件名") == "件名"
    assert base_subject(f"Re: {_wide(word)}{colon} 件名") == "件名"
    assert base_subject(f"{_wide(word)}{colon}　{_wide('Re')}：件名") == "件名"


@pytest.mark.parametrize(
    "subject",
    [
        "Ｒｅｐｏｒｔ：月次",
        "ＲＥＡＤＭＥ：読んでください",
        "ＦＷ更新のお願い",
        "Ｔｒｉａｌ版について",
    ],
)
def test_full_width_words_that_only_begin_like_a_prefix_stay(subject: str) -> None:
    assert base_subject(subject) == subject


@pytest.mark.parametrize("zero", ["\u200b", "\u200c\u200d", "\ufeff", "\u2060"])
def test_zero_width_characters_at_the_ends_go(zero: str) -> None:
    assert base_subject(f"{zero}件名{zero}") == "件名"
    assert base_subject(f"Re: {zero}") == ""
    assert base_subject(f"件{zero}名") == f"件{zero}名"  # inside the words: the writer's
