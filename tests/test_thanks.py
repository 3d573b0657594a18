"""Closed stays closed on thanks: the pure decision, over real replies in ja and en."""

from __future__ import annotations

import pytest

from gateway.pipeline.thanks import judge

ONLY_THANKS = [
    "ありがとうございました。",
    "ありがとうございます！",
    "了解しました。",
    "承知しました。",
    "承知いたしました。よろしくお願いいたします。",
    "田中様\n\nご対応ありがとうございました。助かりました。\n\n伊藤",
    "お世話になっております。\n確認しました。ありがとうございました。\n\n以上、よろしくお願いいたします。",
    "解決しました。ありがとうございます。\nまた何かありましたらよろしくお願いします。",
    # the courtesy in kanji, as much business mail writes it: no request either
    "ありがとうございました。\n宜しくお願い致します。",
    "確認しました。今後とも宜しくお願い申し上げます。",
    "Thanks!",
    "Thank you very much.",
    "Got it, thanks.\n\nBest regards,\nAlice",
    "Hi Tanaka,\n\nthanks a lot, it works now.\n\nCheers\nAlice",
    "ok, thank you",
    # apologies are negative forms that ask for nothing
    "ありがとうございました。すみません、助かりました。",
    "お手数をおかけして申し訳ありませんでした。ありがとうございました。",
    "夜分に申し訳ないです。確認しました、ありがとうございます。",
    "いつでも結構です。ありがとうございました。",
    "ありがとうございます。ひとまず大丈夫です",
    "ありがとうございました。これで使えます。",
    # 「いただき」 holds 「ただ」 (but) and is no "but"
    "ご対応いただきありがとうございました。",
    "早速ご確認いただき、ありがとうございます。",
    # the line a phone's mail app adds is not the requester's words
    "Thank you!\n\nGet Outlook for iOS<https://aka.ms/o0ukef>",
    "ありがとうございます。\n\nOutlook for iOS を入手<https://aka.ms/o0ukef>",
    "Thanks, that fixed it.\n\nSent from Yahoo Mail for iPhone",
    "ありがとうございました。\n\nAndroid 版 Outlook を入手<https://aka.ms/AAb9ysg>",
]

MORE_THAN_THANKS = [
    "",  # nothing at all: as before, the reply reopens
    "ありがとうございます。ところで、プリンタも使えますか？",  # a question
    "ありがとうございました。ただ、まだ接続できません。",  # but, still, a problem
    "ありがとうございます。もう一台の設定もお願いします。",  # a new request
    "了解しました。明日までに設定をお願いできますか",  # a question without ?
    "ありがとうございます。また同じエラーが出ました。",  # again
    "Thanks, but it still does not work.",
    "Thank you. Could you also reset my password?",
    "Thanks. Can you check the other laptop as well",
    "Thanks! " + "The logs are attached below for reference. " * 2,  # more than thanks
    "Please reopen: the VPN is down again.",
    "The printer on 3F jams.",  # no thanks at all
    "ありがとうございます" + "。" + "詳しい経緯を以下に書きます。" * 30,  # too long
    # "thanks, but it does not …": said by a negative verb form, not by a listed word
    "ありがとうございます。でも動きません",
    "ありがとうございます、が、つながりません。",
    "ご対応ありがとうございます。直っていないようです。",
    "ありがとうございます。メールが届かないです",
    "ありがとうございました。印刷できなかったです。",
    "承知しました。ただいま確認しましたが、直らず困っています",
    "ありがとうございます。まだ届いておらず、",
    "ありがとうございます。ただいま確認しましたが、まだ直りません。",
    "ありがとうございました。再起動しましたが、画面が真っ白のままです",
    "ありがとうございます。プリンタも壊れました",
    "Thanks. Now Outlook crashes on start.",
    "Thank you. The printer is jammed now",
    "Thanks, but it is still down.\n\nSent from my iPhone",  # the tagline hides nothing
]


@pytest.mark.parametrize("text", ONLY_THANKS)
def test_only_thanks_keeps_a_closed_ticket_closed(text: str) -> None:
    verdict = judge(text)
    assert verdict.only_thanks, verdict.why


@pytest.mark.parametrize("text", MORE_THAN_THANKS)
def test_anything_more_reopens(text: str) -> None:
    assert not judge(text).only_thanks
