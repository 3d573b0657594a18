"""An attribution a client wrapped at any point still starts the quoted history.

Thunderbird, Gmail, Apple Mail and the iPhone break a long attribution where the
line is full: at a space in English, between any two characters in Japanese. Only
breaks after a date at the start were known: Thunderbird's name-first Japanese form
("Taro Yamada さんは書きました:", its "author wrote" setting) wrapped anywhere left
the name as the writer's words (or the whole attribution and the quote, broken in
the verb), and a break right after "On" left "On" as the last line of the answer.
Every break (one or two of them) of each client's attribution is tried, above the
quote with words over it and with the writer's words under it (bottom-posting).
"""

from __future__ import annotations

import itertools

import pytest

from gateway.pipeline.parse.quotes import split_reply

ATTRIBUTIONS = {
    "thunderbird-en": "On 2026/12/01 10:00, Taro Yamada wrote:",
    "thunderbird-ja": "2026/12/01 10:00 に Taro Yamada さんは書きました:",
    "thunderbird-ja-kanji": "2026/12/01 10:00 に 山田 太郎 さんは書きました:",
    "thunderbird-ja-name-first": "Taro Yamada さんは書きました:",
    "thunderbird-ja-name-first-kanji": "山田 太郎 さんは書きました:",
    "gmail-ja": "2026年12月1日(火) 10:00 山田 太郎 <taro@example.jp>:",
    "gmail-en": "On Tue, Dec 1, 2026 at 10:00 AM Taro Yamada <taro@example.jp> wrote:",
    "apple-mail-ja": "2026/12/01 10:00、山田 太郎 <taro@example.jp>のメール:",
    "apple-mail-ja-name": "2026/12/01 10:00、山田 太郎のメール:",
    "iphone-ja": "2026/12/01 10:00、山田 太郎 <taro@example.jp> のメッセージ:",
    "iphone-ja-kanji-date": "2026年12月1日 10:00、山田 太郎 <taro@example.jp>のメール:",
    "apple-mail-en": "On Dec 1, 2026, at 10:00, Taro Yamada <taro@example.jp> wrote:",
}


def _is_cjk(char: str) -> bool:
    return ord(char) >= 0x2E80


def _breaks(line: str) -> list[int]:
    """Where a client may break ``line``: at a space, or beside a CJK character."""
    return [
        i for i in range(1, len(line)) if line[i] == " " or _is_cjk(line[i - 1]) or _is_cjk(line[i])
    ]


def _wrapped(line: str, at: tuple[int, ...]) -> str:
    """``line`` broken at each of ``at``; a space there goes, as a client drops it."""
    pieces, last = [], 0
    for i in at:
        pieces.append(line[last:i].rstrip(" "))
        last = i + 1 if line[i] == " " else i
    pieces.append(line[last:])
    return "\n".join(pieces)


def _all_wraps(line: str) -> list[str]:
    cuts = _breaks(line)
    shapes = [_wrapped(line, at) for n in (1, 2) for at in itertools.combinations(cuts, n)]
    return [s for s in dict.fromkeys(shapes) if all(p.strip() for p in s.split("\n"))]


QUOTE = "> 以前の本文です。\n> /close\n"


@pytest.mark.parametrize("client", sorted(ATTRIBUTIONS))
def test_an_attribution_wrapped_anywhere_starts_the_quote(client: str) -> None:
    wrong = []
    for attribution in _all_wraps(ATTRIBUTIONS[client]):
        above = split_reply(f"対応しました。\n\n{attribution}\n{QUOTE}\n回答です。\n> 続き\n")
        below = split_reply(f"{attribution}\n{QUOTE}\n下に書きました。\n")
        # the answer under the quote (and more quote) keeps the quoted lines it answers
        if (above, below) != (f"対応しました。\n\n{QUOTE}回答です。", "下に書きました。"):
            wrong.append((attribution, above, below))
    assert not wrong, wrong[:5]


@pytest.mark.parametrize(
    "text",
    [
        # a name-first attribution wrapped after the name, under the writer's words
        "Done.\n\nTaro Yamada\nwrote:\n" + QUOTE,
        "Done.\n\nTaro Yamada (Example Corporation, Sales Department)\nwrote:\n" + QUOTE,
    ],
)
def test_a_wrapped_unknown_attribution_goes_whole_with_the_quote_that_ends_the_mail(
    text: str,
) -> None:
    assert split_reply(text) == "Done."


@pytest.mark.parametrize(
    "text",
    [
        # the writer's own paragraph that ends in a colon over their own lines
        "以下のとおり設定しました:\n1. VPN を再起動\n2. 証明書を更新",
        "Done, see below.\nwrote:\nthat was a typo",
        # a list line right above, a name-first attribution after a blank line
        "手順は次のとおりです。\n確認お願いします\n\nTaro Yamada さんは書きました:\n> 以前\n",
    ],
)
def test_the_writers_own_lines_stay(text: str) -> None:
    expected = text.split("\n\nTaro")[0]
    assert split_reply(text) == expected
