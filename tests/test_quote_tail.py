"""The attribution line a client writes above the quote it appends, when its shape is
one the parser does not know ("田中さん wrote:", Becky!'s or a customised
「田中 さん（tanaka@…）からのメール:」): the quote under it was cut as trailing ``>``
lines, and the attribution stayed, the last line of the words relayed to the requester
and shown on the ticket. A line that ends as an attribution ("… wrote:", 「…書きました:」,
「…のメール:」, 「…のメッセージ:」) right above the quoted lines that end the mail is part
of the quote; one above the writer's own lines is theirs."""

from __future__ import annotations

import pytest

from gateway.pipeline.parse.quotes import split_reply

WORDS = "田中様\n\n設定を変更しました。ご確認ください。"
QUOTE = "> パスワードを変更したいです。\n> よろしくお願いします。\n"


@pytest.mark.parametrize(
    "attribution",
    [
        "田中さん wrote:",
        "Tanaka wrote:",
        "田中 さん（tanaka@customer.test）からのメール:",
        "Tanaka さんのメッセージ:",
        "In message <20261205.abc@customer.test> Tanaka writes:",
        "田中様が書きました：",
    ],
)
@pytest.mark.parametrize("gap", ["\n", "\n\n"])
def test_an_attribution_above_the_quote_that_ends_the_mail_goes_with_it(
    attribution: str, gap: str
) -> None:
    assert split_reply(f"{WORDS}\n\n{attribution}{gap}{QUOTE}") == WORDS


@pytest.mark.parametrize(
    "text",
    [
        # the writer's own words that end like an attribution, above their own lines
        "先方からのメール:\n設定は変更済みとのことです。",
        "The vendor wrote:\nthe patch is out on Monday.",
        # no quote below it at all
        "田中 wrote:",
    ],
)
def test_an_attribution_like_line_above_the_writers_words_stays(text: str) -> None:
    assert split_reply(text) == text


def test_words_between_the_attribution_and_the_quote_keep_it() -> None:
    text = "The vendor wrote:\nthe patch is out on Monday.\n\n> old"
    assert split_reply(text) == "The vendor wrote:\nthe patch is out on Monday."
