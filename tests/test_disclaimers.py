"""The confidentiality notice a company's mail server or client appends under every mail
("CONFIDENTIALITY NOTICE: This e-mail … If you are not the intended recipient, please
…", 「本メールは機密情報を含む…誤って受信された場合は…削除してください」). It is nobody's
words: under a member's commands only it was relayed to the requester, and under a
customer's thank-you its "please" made the thanks a request, reopening the ticket. Only
a last paragraph that opens as such a notice and speaks of confidentiality or a wrong
recipient is one; a paragraph of the writer's that mentions the word is theirs."""

from __future__ import annotations

import pytest

from gateway.pipeline import commands as c
from gateway.pipeline.parse.disclaimers import without_disclaimer
from gateway.pipeline.thanks import judge

NOTICES = [
    "CONFIDENTIALITY NOTICE: This e-mail and any attachments are confidential and intended "
    "solely for the addressee. If you are not the intended recipient, please notify the "
    "sender and delete it.",
    "Disclaimer:\nThis message may contain confidential information. If you have received "
    "it in error, please delete it and notify us immediately.",
    "本メールは機密情報を含む場合があります。誤って受信された場合は、送信者にご連絡の上、"
    "削除してください。",
    "※このメールには機密情報が含まれています。\n宛先に誤りがある場合は、お手数ですが"
    "削除をお願いいたします。",
    "【免責事項】\nこの電子メールの内容は機密情報です。誤送信の場合は破棄してください。",
]
SIGNATURE = "山田 太郎\n株式会社エグザンプル\nTEL 03-1234-5678"


@pytest.mark.parametrize("notice", NOTICES)
def test_a_notice_under_commands_only_is_not_words(notice: str) -> None:
    for text in (f"/close\n\n{notice}\n", f"/close\n\n{SIGNATURE}\n\n{notice}\n"):
        assert c.read_commands(text, 20, c.Role.MEMBER).remaining == ""


@pytest.mark.parametrize("notice", NOTICES)
@pytest.mark.parametrize("words", ["ありがとうございました。", "Thanks, it works now!"])
def test_a_thanks_over_a_notice_is_only_thanks(notice: str, words: str) -> None:
    assert judge(f"{words}\n\n{SIGNATURE}\n\n{notice}\n").only_thanks
    assert judge(f"{words}\n\n{notice}\n").only_thanks


@pytest.mark.parametrize(
    "text",
    [
        # the writer's own words about confidentiality: not a notice
        "The report is confidential: please do not forward it.",
        "Please delete the e-mail I sent by mistake; it was confidential.",
        "本メールの添付は機密情報ですので、取り扱いにご注意ください。\n\n以上です。",
        # a notice above the writer's words is not the end of the mail
        "CONFIDENTIALITY NOTICE: this is confidential.\n\nThe VPN is still down.",
    ],
)
def test_the_writers_own_words_stay(text: str) -> None:
    assert without_disclaimer(text) == text
