"""Header blocks in Japanese with the labels Outlook Express and Windows Live Mail show
and some mobile clients write (「送信者:」「日時:」「あて先:」「件名:」): the block above the
old mail copied unmarked was not known (「日時」 is no 「送信日時」), so the old mail,
its ``/close`` included, was read as the writer's words and relayed."""

from __future__ import annotations

import pytest

from gateway.pipeline.parse.quotes import split_reply

WORDS = "田中様\n\n設定を変更しました。ご確認ください。"
OLD = "パスワードを変更したいです。\n/close\nよろしくお願いします。\n"


@pytest.mark.parametrize(
    "block",
    [
        "差出人: 田中 <tanaka@customer.test>\n日時: 2026年12月5日土曜日 10:00\n"
        "宛先: support@example.test\n件名: パスワード",
        "________________________________\n差出人: 田中 <tanaka@customer.test>\n"
        "日時: 2026年12月5日 10:00\n宛先: support@example.test\n件名: パスワード",
        "送信者: 田中 <tanaka@customer.test>\n日時: 2026/12/05 10:00\n"
        "あて先: support@example.test\n件名: パスワード",
        # 送信元 (sender), as some Japanese mobile and webmail clients label it
        "送信元: 田中 <tanaka@customer.test>\n日付: 2026年12月5日(土) 10:00\n"
        "宛先: support@example.test\n件名: パスワード",
    ],
)
def test_a_japanese_header_block_with_other_labels_starts_the_old_mail(block: str) -> None:
    assert split_reply(f"{WORDS}\n\n{block}\n\n{OLD}") == WORDS
    assert split_reply(f"{block}\n\n{OLD}") == ""  # nothing written above it


def test_a_writers_own_lines_with_such_labels_and_no_sender_stay() -> None:
    text = "次の日程で伺います。\n日時: 12月5日 10:00\n件名: 定期点検"
    assert split_reply(text) == text
