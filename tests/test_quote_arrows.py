"""``＞`` and ``>`` used as arrows inside a line ("手順: 設定 ＞ アカウント ＞ パスワード",
"Settings > Account"), at a reply's end, over several lines, are the writer's words:
only a ``>``/``＞`` at a line's start (after optional spaces of either width) marks a
quoted line. Checked through the whole parse, in the encodings Japanese clients send
(quoted-printable and base64 UTF-8, ISO-2022-JP), above an attribution and alone."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from gateway.pipeline.parse.message import parse_message

ARROWS = [
    "手順: 設定 ＞ アカウント ＞ パスワード",
    "以下の手順です。\n設定 ＞ アカウント\nアカウント ＞ パスワード\nパスワード ＞ 変更",
    "Settings > Account > Password\nAccount > Security",
    "手順:\n  設定 ＞ アカウント ＞ パスワード",
    "確認しました。\n\n設定＞アカウント＞パスワード＞",  # one at a line's end too
]
ATTRIBUTION = (
    "\n\n2026年12月5日(土) 10:00 Alice <alice@customer.test>:\n> パスワードを\n＞ 変えたい\n"
)


def _mail(body: str, charset: str, cte: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "ops@example.test"
    msg["To"] = "support@example.test"
    msg["Subject"] = "Re: [#1] パスワード"
    msg["Message-ID"] = "<arrows@example.test>"
    msg.set_content(body, charset=charset, cte=cte)
    return bytes(msg)


@pytest.mark.parametrize("words", ARROWS)
@pytest.mark.parametrize(
    ("charset", "cte"),
    [("utf-8", "quoted-printable"), ("utf-8", "base64"), ("iso-2022-jp", "7bit")],
)
@pytest.mark.parametrize("below", ["", ATTRIBUTION, "\n\n> quoted\n＞ quoted\n"])
def test_arrows_inside_lines_are_words(words: str, charset: str, cte: str, below: str) -> None:
    parsed = parse_message(_mail(words + below, charset, cte))
    assert parsed.new_text == words


@pytest.mark.parametrize("mark", [">", "＞", " >", "\u3000＞", "  ＞＞"])
def test_a_mark_at_a_lines_start_is_a_quote(mark: str) -> None:
    body = f"確認しました。\n\n{mark} 設定 ＞ アカウント\n{mark} パスワード\n"
    assert parse_message(_mail(body, "utf-8", "quoted-printable")).new_text == "確認しました。"
