"""Replies as twenty-odd mail clients write them, read end to end: the new text a
ticket keeps (quoted history cut, whatever the client calls it) and the words the
catalog matches (a signature, a phone's tagline left out).

Outlook (desktop, web and iOS, Japanese and English), Gmail (web and Android), Apple
Mail and the iPhone in Japanese, Thunderbird (its attributions wrapped), Becky!,
Shuriken and Yahoo! JAPAN mail; each body as the client lays it out, in the charset it
sends (ISO-2022-JP for the Japanese desktop clients). Then members' replies of commands
with each client's signature under them: nothing but a signature is relayed.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP

import pytest

from gateway.core.model import ParsedMessage
from gateway.pipeline.command_lines import parse_commands
from gateway.pipeline.parse.html_text import html_to_text
from gateway.pipeline.parse.message import parse_message
from gateway.pipeline.parse.signatures import writer_names
from gateway.pipeline.request_words import request_words


def _mail(sender: str, charset: str, body: str) -> ParsedMessage:
    """``body`` sent as a client sends it: one text part in ``charset``."""
    m = EmailMessage(policy=SMTP)
    m["From"] = sender
    m["To"] = "support@example.test"
    m["Subject"] = "Re: [#42] VPN"
    m.set_content(body, charset=charset, cte="7bit" if charset == "iso-2022-jp" else None)
    return parse_message(m.as_bytes())


# (client, From, charset, body, the new text, the words matched)
CASES = [
    # Outlook for Windows in Japanese: a signature under the words, -----Original Message-----
    (
        "outlook-desktop-ja",
        "山田 太郎 <taro@example.jp>",
        "iso-2022-jp",
        (
            "佐藤様\n\nお世話になっております。山田です。\n再起動したところ、接続できました。\n"
            "ありがとうございました。\n\n山田 太郎\n株式会社サンプル 情報システム部\n"
            "TEL: 03-1234-5678\n\n-----Original Message-----\n"
            "差出人: サポート窓口 <support@example.test>\n送信日時: 2026年12月1日 10:00\n"
            "宛先: 山田 太郎 <taro@example.jp>\n件名: RE: [#42] VPN\n\nVPNに接続できません。\n"
            "/close\nよろしくお願いします。\n"
        ),
        (
            "佐藤様\n\nお世話になっております。山田です。\n再起動したところ、接続できました。\n"
            "ありがとうございました。\n\n山田 太郎\n株式会社サンプル 情報システム部\n"
            "TEL: 03-1234-5678"
        ),
        (
            "佐藤様\n\nお世話になっております。山田です。\n再起動したところ、接続できました。\n"
            "ありがとうございました。"
        ),
    ),
    # Outlook 2016 and later: a rule over 差出人:/送信日時:
    (
        "outlook-desktop-ja-new",
        "山田 太郎 <taro@example.jp>",
        "utf-8",
        (
            "確認しました。\n\n________________________________\n"
            "差出人: サポート窓口 <support@example.test>\n送信日時: 2026年12月1日 10:00\n"
            "宛先: 山田 太郎 <taro@example.jp>\n件名: [#42] VPN\n\nVPNに接続できません。\n"
            "/close\nよろしくお願いします。\n"
        ),
        ("確認しました。"),
        ("確認しました。"),
    ),
    # Outlook for Windows: From:/Sent: block, no rule, the signature under the words
    (
        "outlook-desktop-en",
        "Taro Yamada <taro@example.jp>",
        "us-ascii",
        (
            "Hi,\n\nIt works now, thanks.\n\nBest regards,\nTaro Yamada\n"
            "IT Department | Example Corp.\nTel: +81-3-1234-5678\n\n"
            "From: Support <support@example.test>\nSent: Tuesday, December 1, 2026 10:00 AM\n"
            "To: Taro Yamada <taro@example.jp>\nSubject: RE: [#42] VPN\n\nThe VPN is down.\n"
            "/close\n"
        ),
        (
            "Hi,\n\nIt works now, thanks.\n\nBest regards,\nTaro Yamada\n"
            "IT Department | Example Corp.\nTel: +81-3-1234-5678"
        ),
        ("Hi,\n\nIt works now, thanks."),
    ),
    # Outlook on the web
    (
        "outlook-web-en",
        "Taro Yamada <taro@example.jp>",
        "utf-8",
        (
            "Thanks, that fixed it.\n\n________________________________\n"
            "From: Support <support@example.test>\nSent: Tuesday, December 1, 2026 10:00\n"
            "To: Taro Yamada <taro@example.jp>\nSubject: [#42] VPN\n\nThe VPN is down.\n"
            "/close\n"
        ),
        ("Thanks, that fixed it."),
        ("Thanks, that fixed it."),
    ),
    # Outlook on the web in Japanese
    (
        "outlook-web-ja",
        "山田 太郎 <taro@example.jp>",
        "utf-8",
        (
            "承知しました。\n\n________________________________\n"
            "差出人: サポート窓口 <support@example.test>\n送信日時: 2026年12月1日 10:00\n"
            "宛先: 山田 太郎 <taro@example.jp>\n件名: [#42] VPN\n\nVPNに接続できません。\n"
            "/close\nよろしくお願いします。\n"
        ),
        ("承知しました。"),
        ("承知しました。"),
    ),
    # Outlook for iOS: its tagline with the link written after it
    (
        "outlook-ios",
        "Taro Yamada <taro@example.jp>",
        "utf-8",
        (
            "OK, will try.\n\nGet Outlook for iOS<https://aka.ms/o0ukef>\n"
            "________________________________\nFrom: Support <support@example.test>\n"
            "Sent: Tuesday, December 1, 2026 10:00:00 AM\nTo: Taro Yamada <taro@example.jp>\n"
            "Subject: [#42] VPN\n\nThe VPN is down.\n/close\n"
        ),
        ("OK, will try.\n\nGet Outlook for iOS<https://aka.ms/o0ukef>"),
        ("OK, will try."),
    ),
    # Gmail in Japanese: date, name and address, then the quote and Gmail's '-- '
    (
        "gmail-ja",
        "山田 太郎 <taro@example.jp>",
        "utf-8",
        (
            "サポート窓口 御中\n\n接続できるようになりました。\nありがとうございます。\n\n"
            "2026年12月1日(火) 10:00 サポート窓口 <support@example.test>:\n\n"
            "> VPNに接続できません。\n> /close\n> よろしくお願いします。\n>\n\n\n-- \n"
            "山田 太郎\n"
        ),
        ("サポート窓口 御中\n\n接続できるようになりました。\nありがとうございます。"),
        ("サポート窓口 御中\n\n接続できるようになりました。\nありがとうございます。"),
    ),
    # Gmail
    (
        "gmail-en",
        "Taro Yamada <taro@example.jp>",
        "utf-8",
        (
            "Works now, thank you!\n\n"
            "On Tue, Dec 1, 2026 at 10:00 AM Support <support@example.test> wrote:\n\n"
            "> The VPN is down.\n> /close\n>\n\n\n-- \nTaro\n"
        ),
        ("Works now, thank you!"),
        ("Works now, thank you!"),
    ),
    # Gmail wrapping a long attribution inside the address
    (
        "gmail-en-wrapped",
        "Taro Yamada <taro@example.jp>",
        "utf-8",
        (
            "Works now, thank you!\n\nOn Tue, Dec 1, 2026 at 10:00 AM Example Support Desk <\n"
            "support@example.test> wrote:\n\n> The VPN is down.\n> /close\n"
        ),
        ("Works now, thank you!"),
        ("Works now, thank you!"),
    ),
    # Gmail for Android in Japanese
    (
        "android-gmail-ja",
        "山田 太郎 <taro@example.jp>",
        "utf-8",
        (
            "了解です\n\n2026年12月1日(火) 10:00 サポート窓口 <support@example.test>:\n\n"
            "> VPNに接続できません。\n> /close\n> よろしくお願いします。\n"
        ),
        ("了解です"),
        ("了解です"),
    ),
    # Gmail for Android: 'Support, <address> wrote:'
    (
        "android-gmail-en",
        "Taro Yamada <taro@example.jp>",
        "utf-8",
        (
            "Ok thanks\n\nOn Tue, 1 Dec 2026, 10:00 Support, <support@example.test> wrote:\n\n"
            "> The VPN is down.\n> /close\n"
        ),
        ("Ok thanks"),
        ("Ok thanks"),
    ),
    # Apple Mail in Japanese: the attribution inside the quote
    (
        "apple-mail-ja",
        "山田 太郎 <taro@example.jp>",
        "utf-8",
        (
            "直りました。\n\n山田\n\n"
            "> 2026/12/01 10:00、サポート窓口 <support@example.test>のメール:\n> \n"
            "> VPNに接続できません。\n> /close\n> よろしくお願いします。\n"
        ),
        ("直りました。\n\n山田"),
        ("直りました。"),
    ),
    # Apple Mail in Japanese: the attribution above the quote
    (
        "apple-mail-ja-plain-attr",
        "山田 太郎 <taro@example.jp>",
        "utf-8",
        (
            "直りました。\n\n2026/12/01 10:00、サポート窓口 <support@example.test>のメール:\n\n"
            "> VPNに接続できません。\n> /close\n> よろしくお願いします。\n"
        ),
        ("直りました。"),
        ("直りました。"),
    ),
    # the iPhone in Japanese: its tagline
    (
        "iphone-ja",
        "山田 太郎 <taro@example.jp>",
        "utf-8",
        (
            "了解しました。\n\niPhoneから送信\n\n"
            "> 2026/12/01 10:00、サポート窓口 <support@example.test>のメール:\n> \n"
            "> VPNに接続できません。\n> /close\n> よろしくお願いします。\n"
        ),
        ("了解しました。\n\niPhoneから送信"),
        ("了解しました。"),
    ),
    # the iPhone: its tagline
    (
        "iphone-en",
        "Taro Yamada <taro@example.jp>",
        "utf-8",
        (
            "Thanks!\n\nSent from my iPhone\n\n"
            "> On Dec 1, 2026, at 10:00, Support <support@example.test> wrote:\n> \n"
            "> The VPN is down.\n> /close\n"
        ),
        ("Thanks!\n\nSent from my iPhone"),
        ("Thanks!"),
    ),
    # Thunderbird in Japanese
    (
        "thunderbird-ja",
        "山田 太郎 <taro@example.jp>",
        "utf-8",
        (
            "対応ありがとうございます。\n解決しました。\n\n"
            "2026/12/01 10:00 に サポート窓口 さんは書きました:\n> VPNに接続できません。\n"
            "> /close\n> よろしくお願いします。\n\n-- \n山田 太郎 <taro@example.jp>\n"
        ),
        ("対応ありがとうございます。\n解決しました。"),
        ("対応ありがとうございます。\n解決しました。"),
    ),
    # Thunderbird in Japanese, name first, wrapped after a long name; answers under the quote
    (
        "thunderbird-ja-name-first-wrapped",
        "山田 太郎 <taro@example.jp>",
        "utf-8",
        (
            "解決しました。\n\n"
            "Example Corporation Information Systems Support Desk (Tokyo Office)\n"
            "さんは書きました:\n> VPNに接続できません。\n> /close\n> よろしくお願いします。\n\n"
            "詳細は上記のとおりです。\n> 以上\n"
        ),
        (
            "解決しました。\n\n> VPNに接続できません。\n> /close\n> よろしくお願いします。\n"
            "詳細は上記のとおりです。"
        ),
        # the quoted lines kept above the answer are ours, not words the catalog files by
        "解決しました。\n\n詳細は上記のとおりです。",
    ),
    # Thunderbird wrapping before 'wrote:'
    (
        "thunderbird-en-wrapped",
        "Taro Yamada <taro@example.jp>",
        "utf-8",
        (
            "Fixed.\n\n"
            "On 2026/12/01 10:00, Example Corporation Information Systems Support Desk\n"
            "wrote:\n> The VPN is down.\n> /close\n"
        ),
        ("Fixed."),
        ("Fixed."),
    ),
    # Becky!: -----Original Message----- with From:/To:/Date:, the old mail quoted
    (
        "becky",
        "山田 太郎 <taro@example.jp>",
        "iso-2022-jp",
        (
            "サポート窓口 御中\n\n山田です。\n接続できました。\n\n-----Original Message-----\n"
            "From: サポート窓口 <support@example.test>\nTo: 山田 太郎 <taro@example.jp>\n"
            "Date: Tue, 01 Dec 2026 10:00:00 +0900\nSubject: [#42] VPN\n\n"
            "> VPNに接続できません。\n> /close\n> よろしくお願いします。\n\n--\n山田 太郎\n"
        ),
        ("サポート窓口 御中\n\n山田です。\n接続できました。"),
        ("サポート窓口 御中\n\n山田です。\n接続できました。"),
    ),
    # Becky! with an attribution over two lines
    (
        "becky-attr",
        "山田 太郎 <taro@example.jp>",
        "iso-2022-jp",
        (
            "接続できました。\n\nOn Tue, 01 Dec 2026 10:00:00 +0900\n"
            "サポート窓口 <support@example.test> wrote:\n\n> VPNに接続できません。\n> /close\n"
            "> よろしくお願いします。\n"
        ),
        ("接続できました。"),
        ("接続できました。"),
    ),
    # Shuriken: a framed signature, 「… さんは、… に書きました：」
    (
        "shuriken",
        "山田 太郎 <taro@example.jp>",
        "iso-2022-jp",
        (
            "接続できました。\nありがとうございます。\n\n*********************************\n"
            " 株式会社サンプル\n 山田 太郎\n TEL 03-1234-5678\n"
            "*********************************\n\n"
            "サポート窓口 さんは、2026/12/01 10:00 に書きました：\n> VPNに接続できません。\n"
            "> /close\n> よろしくお願いします。\n"
        ),
        (
            "接続できました。\nありがとうございます。\n\n*********************************\n"
            " 株式会社サンプル\n 山田 太郎\n TEL 03-1234-5678\n"
            "*********************************"
        ),
        ("接続できました。\nありがとうございます。"),
    ),
    # Shuriken: ----- Original Message ----- and a From:/To: block
    (
        "shuriken-hdr",
        "山田 太郎 <taro@example.jp>",
        "iso-2022-jp",
        (
            "接続できました。\n\n----- Original Message -----\n"
            "From: サポート窓口 <support@example.test>\nTo: taro@example.jp\n"
            "Date: Tue, 01 Dec 2026 10:00:00 +0900\nSubject: [#42] VPN\n\n"
            "VPNに接続できません。\n/close\nよろしくお願いします。\n"
        ),
        ("接続できました。"),
        ("接続できました。"),
    ),
    # Yahoo! JAPAN mail (old): '--- address wrote:'
    (
        "yahoo-japan",
        "山田 太郎 <taro@example.jp>",
        "iso-2022-jp",
        (
            "お世話になります。\n接続できました。\n\n--- support@example.test wrote:\n\n"
            "> VPNに接続できません。\n> /close\n> よろしくお願いします。\n"
        ),
        ("お世話になります。\n接続できました。"),
        ("お世話になります。\n接続できました。"),
    ),
    # Yahoo! JAPAN mail: ----- Original Message ----- over the headers
    (
        "yahoo-japan-new",
        "山田 太郎 <taro@example.jp>",
        "utf-8",
        (
            "接続できました。\n\n----- Original Message -----\n\n"
            'From: "サポート窓口" <support@example.test>\n'
            'To: "taro@example.jp" <taro@example.jp>\nDate: 2026/12/01 火 10:00\n'
            "Subject: [#42] VPN\n\nVPNに接続できません。\n/close\nよろしくお願いします。\n"
        ),
        ("接続できました。"),
        ("接続できました。"),
    ),
    # Yahoo! JAPAN mail with Japanese labels
    (
        "yahoo-japan-ja-headers",
        "山田 太郎 <taro@example.jp>",
        "utf-8",
        (
            "接続できました。\n\n----- Original Message -----\n"
            "差出人: サポート窓口 <support@example.test>\n宛先: taro@example.jp\n"
            "送信日時: 2026/12/01 10:00\n件名: [#42] VPN\n\nVPNに接続できません。\n/close\n"
            "よろしくお願いします。\n"
        ),
        ("接続できました。"),
        ("接続できました。"),
    ),
]


@pytest.mark.parametrize(
    ("sender", "charset", "body", "new_text", "words"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_a_clients_reply_keeps_the_new_words_only(
    sender: str, charset: str, body: str, new_text: str, words: str
) -> None:
    msg = _mail(sender, charset, body)
    assert msg.new_text == new_text
    assert request_words(msg).strip() == words


MEMBER = "佐藤 一郎 <sato@example.test>"
OLD = "> VPNに接続できません。\n> よろしくお願いします。\n"
OUTLOOK_JA = (
    "\n差出人: 山田 太郎 <taro@example.jp>\n送信日時: 2026年12月1日 10:00\n"
    "宛先: support@example.test\n件名: VPN\n\nVPNに接続できません。\n"
)

# (client, From, charset, body, what is relayed to the requester)
MEMBER_CASES = [
    ("outlook-ja-extension", MEMBER, "iso-2022-jp",
     "/close\n\n佐藤 一郎\n情報システム部 サポート課\n内線: 1234\n" + OUTLOOK_JA, ""),
    ("outlook-ja-extension-wide", MEMBER, "iso-2022-jp",
     "/close\n\n佐藤 一郎\n情報システム部 サポート課\n内線：１２３４\n" + OUTLOOK_JA, ""),
    ("outlook-en-extension", "Ichiro Sato <sato@example.test>", "utf-8",
     "/close\n\nIchiro Sato\nIT Support\next. 1234\n\nFrom: Taro <taro@example.jp>\n"
     "Sent: Tuesday, December 1, 2026 10:00 AM\nTo: Support <support@example.test>\n"
     "Subject: VPN\n\nold\n", ""),
    ("gmail-ja", MEMBER, "utf-8",
     "/close\n\n--\n佐藤 一郎\n\n2026年12月1日(火) 10:00 山田 太郎 <taro@example.jp>:\n\n" + OLD,
     ""),
    ("thunderbird-ja", MEMBER, "utf-8",
     "/close\n\n-- \n佐藤 一郎 <sato@example.test>\n\n"
     "2026/12/01 10:00 に 山田 太郎 さんは書きました:\n" + OLD, ""),
    ("iphone-ja", MEMBER, "utf-8",
     "/close\n\niPhoneから送信\n\n> 2026/12/01 10:00、山田 太郎 <taro@example.jp>のメール:\n"
     + OLD, ""),
    ("k9-android", "Ichiro Sato <sato@example.test>", "utf-8",
     "/close\n\n-- \nSent from my Android device with K-9 Mail. Please excuse my brevity.\n"
     "\nOn December 1, 2026 10:00:00 AM GMT+09:00, Taro <taro@example.jp> wrote:\n" + OLD, ""),
    ("outlook-ja-closing", MEMBER, "iso-2022-jp",
     "/close\n\n以上、よろしくお願いいたします。\n\n佐藤\n" + OUTLOOK_JA,
     "以上、よろしくお願いいたします。\n\n佐藤"),
    ("becky-words-and-signature", MEMBER, "iso-2022-jp",
     "/close\n対応しました。\n\n━━━━━━━━━━━━━━━━━━━━\n 株式会社サンプル 情報システム部\n"
     " 佐藤 一郎\n TEL: 03-1234-5678\n━━━━━━━━━━━━━━━━━━━━\n\n-----Original Message-----\n"
     "From: 山田 太郎 <taro@example.jp>\nTo: support@example.test\n"
     "Date: Tue, 01 Dec 2026 10:00:00 +0900\nSubject: VPN\n\n" + OLD,
     "対応しました。\n\n━━━━━━━━━━━━━━━━━━━━\n 株式会社サンプル 情報システム部\n 佐藤 一郎\n"
     " TEL: 03-1234-5678\n━━━━━━━━━━━━━━━━━━━━"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("sender", "charset", "body", "relayed"),
    [case[1:] for case in MEMBER_CASES],
    ids=[case[0] for case in MEMBER_CASES],
)
def test_a_members_commands_with_their_clients_signature_relay_only_words(
    sender: str, charset: str, body: str, relayed: str
) -> None:
    msg = _mail(sender, charset, body)
    assert msg.from_ is not None
    names = writer_names(msg.from_.name, msg.from_.email)
    assert parse_commands(msg.new_text, 20, None, names).remaining.strip() == relayed


@pytest.mark.parametrize(
    "signature",
    [
        # an HTML signature whose name links to the writer's address, read as text
        '<p><a href="mailto:sato@example.test">佐藤 一郎</a><br>情報システム部 サポート課<br>'
        "TEL: 03-1234-5678</p>",
        '<p><a href="mailto:sato@example.test">Ichiro Sato</a><br>IT Support<br>Example Inc.</p>',
        # the same written by hand, a header's way
        "<p>Ichiro Sato &lt;sato@example.test&gt;<br>IT Support<br>Example Inc.</p>",
    ],
)
def test_a_name_with_its_address_in_brackets_is_a_signatures_line(signature: str) -> None:
    text = html_to_text(f"<div>/close</div>{signature}")
    assert "sato@example.test" in text
    names = writer_names("佐藤 一郎", "sato@example.test")
    assert parse_commands(text, 20, None, names).remaining.strip() == ""


def test_a_sentence_with_an_address_in_brackets_is_words() -> None:
    text = "/close\n\nPlease write to the vendor (support@vendor.test)\n"
    assert parse_commands(text, 20, None, ()).remaining.strip() == (
        "Please write to the vendor (support@vendor.test)"
    )
