"""The words of a request the catalog's keywords are looked for in: without the line
a phone's mail app writes under them ("Sent from my iPhone", 「iPhoneから送信」), nor a
company's confidentiality notice, nor the signature above either. With them, a desk
move "Sent from my iPhone" was filed under the catalog's iPhone entry, and a signature
over the tagline (「購入管理課」) counted again as the request's words."""

from __future__ import annotations

import pytest

from gateway.catalog.load import parse_catalog
from gateway.catalog.match import classify
from gateway.pipeline.parse.message import parse_message
from gateway.pipeline.request_words import request_words, stored_request_words
from tests.support.mails import mail

CATALOG = parse_catalog(
    """
entries:
  - id: mobile
    name: Mobile
    keywords: [iphone, outlook, スマホ]
    assignee: a@example.test
  - id: purchase
    name: Purchase
    keywords: [購入, purchase]
    assignee: a@example.test
  - id: other
    name: Other
    fallback: true
    manager: m@example.test
"""
)

SIGNATURE = "山田 太郎\n購入管理課\nTEL: 03-1234-5678\n"
NOTICE = (
    "CONFIDENTIALITY NOTICE: This e-mail and any attachments are confidential. If you "
    "are not the intended recipient, please notify the sender and delete it. "
    "Purchase orders are not accepted by e-mail.\n"
)


@pytest.mark.parametrize(
    "tail",
    [
        "Sent from my iPhone",
        "iPhoneから送信",
        "Get Outlook for iOS",
        f"{SIGNATURE}\nSent from my iPhone",  # a signature over the tagline
        "----\n山田 太郎\n購入管理課\n----\n\niPhoneから送信",
        f"{SIGNATURE}\n{NOTICE}",  # a signature over a confidentiality notice
    ],
)
def test_a_tagline_a_notice_and_a_signature_over_them_file_nothing(tail: str) -> None:
    body = f"席を移りたいです。\n\n{tail}\n"
    msg = parse_message(mail("席替え", body=body))
    words = request_words(msg)
    assert words.strip() == "席を移りたいです。", words
    assert classify(CATALOG, msg.subject, words).entry_id == "other"
    assert stored_request_words(msg.new_text).strip() == "席を移りたいです。"


def test_the_words_above_them_still_file_the_request() -> None:
    body = "ノートPCを購入したいです。\n\nSent from my iPhone\n"  # a tie, before: mobile first
    msg = parse_message(mail("お願い", body=body))
    assert classify(CATALOG, msg.subject, request_words(msg)).entry_id == "purchase"


@pytest.mark.parametrize(
    "body",
    [
        "On Mon, 1 Dec 2026, Support <support@example.test> wrote:\n"
        "> Which phone is it: your iPhone?\nThe desk move, please.\n> Anything else?\n"
        "Nothing.\n",
        "2026年12月1日(月) サポート <support@example.test>:\n"
        "> お使いのスマホは何ですか?\n席を移りたいです。\n> ほかにありますか?\nありません。\n",
    ],
)
def test_the_quoted_questions_an_inline_answer_keeps_file_nothing(body: str) -> None:
    """An answer given inside our old mail keeps the quoted lines it answers (a reply to
    a ticket closed long ago opens a new one with them): they are our words, and they
    filed it under the entry our question named, not under what the writer asked."""
    msg = parse_message(mail("Re: 席替え", body=body))
    assert ">" in msg.new_text  # the context is kept on the ticket
    words = request_words(msg)
    assert ">" not in words and "iphone" not in words.casefold() and "スマホ" not in words
    assert classify(CATALOG, msg.subject, words).entry_id == "other"
    assert ">" not in stored_request_words(msg.new_text)
