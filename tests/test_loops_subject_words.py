"""Auto-replies and delivery notices that say what they are only in their subject.

Found by the exploratory round over intake (tests/test_intake_untried.py): Japanese
auto-responders write the word in brackets (【自動返信】, ［自動送信］, 件名【不在通知】),
which the start-anchored rule missed, so the gateway acknowledged an autoresponder;
plain-text delay warnings and Japanese "送信エラー" notices from a mail daemon opened
tickets instead of being read as bounces. The other way round, a person's request
about their out-of-office or missed calls ("Out of office not working", 「不在着信が…」)
was taken for an auto-reply by its first words and never acknowledged.
"""

from __future__ import annotations

import pytest

from gateway.pipeline import loops
from gateway.pipeline.loops import LoopVerdict
from gateway.pipeline.parse.message import parse_message
from tests.support.mails import mail

OPENERS = ["【", "［", "[", "〔", "（", "(", "<", "＜", "「", "『"]
TAGS = ["【", "［", "[", "〔"]
WORDS = ["自動返信", "自動応答", "自動送信", "自動配信", "不在", "不在通知"]
OWN = {"support@example.test"}


def _answerable(subject: str, sender: str = "shop@customer.test") -> bool:
    msg = parse_message(mail(subject=subject, sender=sender))
    verdict = loops.verdict(msg, "support@example.test")
    return loops.may_auto_answer(msg, verdict, OWN)[0]


@pytest.mark.parametrize("opener", OPENERS)
@pytest.mark.parametrize("word", WORDS)
def test_a_bracketed_word_first_is_never_answered(opener: str, word: str) -> None:
    assert not _answerable(f"{opener}{word}】お問い合わせありがとうございます")
    assert not _answerable(f"{opener} {word} ] 受付完了")


@pytest.mark.parametrize("tag", TAGS)
@pytest.mark.parametrize("word", WORDS)
def test_a_tag_after_the_subject_it_answers_is_never_answered(tag: str, word: str) -> None:
    assert not _answerable(f"Re: [#12] VPN {tag}{word}】")


@pytest.mark.parametrize(
    "subject",
    [
        "担当者(不在時)の対応について",  # a question, parentheses inside the sentence
        "返信が届きません（不在の担当者宛）",  # the word inside a sentence's parentheses
        "Re: 出張で不在にします",
        "VPN (remote) does not connect",
        "【至急】サーバが停止しました",
    ],
)
def test_a_persons_subject_is_still_answered(subject: str) -> None:
    assert _answerable(subject)


@pytest.mark.parametrize(
    "subject",
    [
        "Delayed Mail (still being retried)",
        "Delivery delayed: [#3] VPN",
        "Warning: could not send message for past 4 hours",
        "メール送信エラーのお知らせ",
        "配信エラー",
        "【配送エラー】宛先不明",
        "不達通知",
        "未達メールのお知らせ",
    ],
)
@pytest.mark.parametrize("sender", ["MAILER-DAEMON@mx.customer.test", "postmaster@isp.test"])
def test_a_daemons_notice_is_a_bounce(subject: str, sender: str) -> None:
    msg = parse_message(mail(subject=subject, sender=sender))
    assert loops.verdict(msg, "support@example.test") == LoopVerdict.BOUNCE


@pytest.mark.parametrize("subject", ["メール送信エラーが出ます", "Delivery delayed for our order"])
def test_a_person_writing_the_same_words_is_not_a_bounce(subject: str) -> None:
    msg = parse_message(mail(subject=subject, sender="alice@customer.test"))
    assert loops.verdict(msg, "support@example.test") == LoopVerdict.HUMAN


# A subject that starts with the word without a bracket is an auto-reply's label only
# when nothing but a colon, a bracket or a dash follows it (with a label's own ending:
# 不在通知, 不在のお知らせ, 自動返信メール): a person asking about their out-of-office,
# their missed calls (不在着信) or mail a system sends for them (自動送信メール) writes a
# sentence after it. Those requests got no acknowledgement, and no status mail after.
@pytest.mark.parametrize(
    "subject",
    [
        "Out of office not working in Outlook",
        "Out of Office の設定方法を教えてください",
        "Auto-reply setup for the shared mailbox",
        "Automatic reply is sent twice",
        "Abwesenheitsnotiz funktioniert nicht",
        "不在着信が通知されない",
        "不在時の電話転送を設定したい",
        "自動返信の設定方法を教えてください",
        "自動送信メールが届かない",
        "自動配信の停止依頼",
    ],
)
def test_a_request_about_auto_replies_or_absence_is_answered(subject: str) -> None:
    assert _answerable(subject)


@pytest.mark.parametrize(
    "subject",
    [
        "Out of Office: VPN",
        "Out of Office AutoReply: VPN",
        "Out of Office",
        "Out of the office - back on Monday",
        "Automatic reply: VPN",
        "Auto reply: Nyaan",
        "AutoReply: VPN",
        "Réponse automatique : VPN",
        "Abwesenheitsnotiz: VPN",
        "自動応答: VPN",
        "自動返信：お問い合わせありがとうございます",
        "自動返信メール",
        "自動応答メッセージ",
        "不在",
        "不在通知",
        "不在のお知らせ",
        "不在通知（12/28〜1/5）",
        "不在中 (12/28-1/5)",
    ],
)
def test_an_auto_replys_label_first_is_never_answered(subject: str) -> None:
    assert not _answerable(subject)
