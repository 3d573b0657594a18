"""Replies to the gateway's mail as each client quotes: the new text on top, then the
attribution line and the quoted history in that client's style (English and
Japanese), plus forwards, signatures and a bottom-posted answer."""

from __future__ import annotations

from tests.support.mailgen.build import (
    Fixture,
    b64_lines,
    head,
    jis_lines,
    lines,
    qp_lines,
    text_lines,
    word,
)

CATEGORY = "reply-quoting"
ACK = "ack-1.0123456789abcdef@example.test"
QUOTED = "> We received your request and filed it as ticket #1.\n> Support"


def _reply(
    name: str, sender: str, subject: str, body: str, *extra: str, charset: str = "utf-8"
) -> bytes:
    """A plain-text reply threaded to our acknowledgement."""
    return lines(
        head(
            sender,
            subject,
            f"{name}@customer.test",
            f"In-Reply-To: <{ACK}>",
            f"References: <req-1@customer.test> <{ACK}>",
            *extra,
            "MIME-Version: 1.0",
            f"Content-Type: text/plain; charset={charset}",
            "Content-Transfer-Encoding: 8bit",
        ),
        "",
        text_lines(body, "utf-8"),
    )


def _gmail_alternative() -> bytes:
    b = "000000000000a1b2c3"
    text = (
        "Hello\n\nOn Mon, Mar 2, 2026 at 9:00 AM Support <support@example.test> wrote:\n\n"
        f"{QUOTED}\n"
    )
    html = (
        '<div dir="ltr">Hello</div><br><div class="gmail_quote"><div dir="ltr" '
        'class="gmail_attr">On Mon, Mar 2, 2026 at 9:00 AM Support &lt;'
        'support@example.test&gt; wrote:<br></div><blockquote class="gmail_quote">'
        "We received your request and filed it as ticket #1.</blockquote></div>\n"
    )
    return lines(
        head(
            "Alice Example <alice@customer.test>",
            "Re: [#1] VPN does not connect",
            "reply-gmail-1@customer.test",
            f"In-Reply-To: <{ACK}>",
            "MIME-Version: 1.0",
            f'Content-Type: multipart/alternative; boundary="{b}"',
        ),
        "",
        f"--{b}",
        'Content-Type: text/plain; charset="UTF-8"',
        "",
        text_lines(text),
        f"--{b}",
        'Content-Type: text/html; charset="UTF-8"',
        "Content-Transfer-Encoding: quoted-printable",
        "",
        qp_lines(html.encode()),
        f"--{b}--",
    )


def _gmail_ja() -> bytes:
    return _reply(
        "reply-gmail-ja-1",
        "Taro Yamada <taro@customer.test>",
        "Re: [#1] VPN",
        f"了解しました。\n\n2026年3月2日(月) 9:00 Support <support@example.test>:\n\n{QUOTED}",
    )


def _outlook_en_block() -> bytes:
    return _reply(
        "reply-outlook-1",
        "Bob Smith <bob@customer.test>",
        "RE: [#1] VPN",
        "Done, thanks.\n\n________________________________\n"
        "From: Support <support@example.test>\nSent: Monday, March 2, 2026 9:00 AM\n"
        "To: Bob Smith <bob@customer.test>\nSubject: [#1] VPN\n\n"
        "We received your request and filed it as ticket #1.",
        "X-Mailer: Microsoft Outlook 16.0",
    )


def _outlook_ja_block() -> bytes:
    body = (
        "対応しました。\n\n差出人: Support <support@example.test>\n"
        "送信日時: 2026年3月2日 9:00\n宛先: 鈴木 <suzuki@customer.test>\n"
        "件名: [#1] VPN\n\n受け付けました。"
    )
    return lines(
        head(
            f"{word('鈴木', 'iso-2022-jp')} <suzuki@customer.test>",
            word("RE: [#1] VPN", "iso-2022-jp"),
            "reply-outlook-ja-1@customer.test",
            f"In-Reply-To: <{ACK}>",
            "X-Mailer: Microsoft Outlook 16.0",
            "MIME-Version: 1.0",
            'Content-Type: text/plain; charset="iso-2022-jp"',
            "Content-Transfer-Encoding: 7bit",
        ),
        "",
        jis_lines(body),
    )


def _thunderbird_ja_flowed() -> bytes:
    # format=flowed: the trailing spaces mark soft line breaks to be joined
    return _reply(
        "reply-tb-ja-1",
        "Jiro <jiro@customer.test>",
        "Re: [#1] VPN",
        "確認します。 \n明日までにお返事します。\n\nSupport さんは書きました:\n" + QUOTED,
        "User-Agent: Mozilla Thunderbird",
        charset="UTF-8; format=flowed",
    )


def _iphone_ja() -> bytes:
    return _reply(
        "reply-iphone-ja-1",
        "Hanako <hanako@customer.test>",
        "Re: [#1] VPN",
        "はい、お願いします。\n\niPhoneから送信\n\n"
        "2026/03/02 9:00、Support <support@example.test> のメッセージ:\n\n" + QUOTED,
        "X-Mailer: iPhone Mail (21D61)",
    )


def _apple_mail_en() -> bytes:
    return _reply(
        "reply-apple-1",
        "Carol <carol@customer.test>",
        "Re: [#1] VPN",
        "Hello\n\n> On 2 Mar 2026, at 09:00, Support <support@example.test> wrote:\n>\n" + QUOTED,
        "X-Mailer: Apple Mail (2.3774.400.31)",
    )


def _original_message() -> bytes:
    return _reply(
        "reply-original-1",
        "Dan <dan@customer.test>",
        "RE: [#1] VPN",
        "This is email body\n\n-----Original Message-----\n"
        "From: Support [mailto:support@example.test]\nSent: Monday, March 02, 2026 9:00\n"
        "To: Dan\nSubject: [#1] VPN\n\nWe received your request.",
    )


def _yahoo_spaced() -> bytes:
    return _reply(
        "reply-yahoo-1",
        "Erin <erin@customer.test>",
        "Re: [#1] VPN",
        "ok\n\n----- Original Message -----\nFrom: Support <support@example.test>\n"
        "To: Erin\nSent: Monday, March 2, 2026 9:00 AM\nSubject: [#1] VPN\n\n"
        "We received your request.",
    )


def _forwarded() -> bytes:
    return _reply(
        "forward-1",
        "Frank <frank@customer.test>",
        "Fwd: printer on 3F",
        "FYI, the printer again.\n\n---------- Forwarded message ---------\n"
        "From: Grace <grace@customer.test>\nDate: Mon, Mar 2, 2026 at 8:00 AM\n"
        "Subject: printer on 3F\n\nThe printer on 3F jams.",
    )


def _signature_ja() -> bytes:
    return _reply(
        "reply-signature-1",
        f"{word('山田 太郎')} <taro@customer.test>",
        "Re: [#1] VPN",
        "本文です。\n\n-- \n山田 太郎\n株式会社テスト 情報システム部",
    )


def _bottom_posting() -> bytes:
    return _reply(
        "reply-bottom-1",
        "Ivan <ivan@customer.test>",
        "Re: [#1] VPN",
        "On Mon, Mar 2, 2026, Support wrote:\n> Does it work now?\n\nyes, it works!",
    )


def _iphone_en() -> bytes:
    return _reply(
        "reply-iphone-1",
        "Judy <judy@customer.test>",
        "Re: [#1] VPN",
        "Hello\n\nSent from my iPhone\n\n"
        "> On Mar 2, 2026, at 09:00, Support <support@example.test> wrote:\n>\n" + QUOTED,
        "X-Mailer: iPhone Mail (21D61)",
    )


def _forward_as_attachment() -> bytes:
    b = "=_zimbra_fwd"
    inner = lines(
        head(
            "Original Sender <orig@customer.test>",
            "Original",
            "orig-1@customer.test",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=us-ascii",
        ),
        "",
        "An original PLAIN TEXT message body.",
    )
    return lines(
        head(
            "Kim <kim@customer.test>",
            "Fwd: Original",
            "zimbra-fwd-1@customer.test",
            "X-Mailer: Zimbra 9.0.0",
            "MIME-Version: 1.0",
            f'Content-Type: multipart/mixed; boundary="{b}"',
        ),
        "",
        f"--{b}",
        "Content-Type: text/html; charset=utf-8",
        "",
        "<html><body><div>An RFC 822 forward with a HTML body</div></body></html>",
        f"--{b}",
        "Content-Type: message/rfc822",
        "Content-Disposition: attachment",
        "",
        inner.rstrip(b"\n").split(b"\n"),
        f"--{b}--",
    )


def _windows_live_base64() -> bytes:
    body = (
        "Thanks, it works.\n\n--------------------------------------------------\n"
        'From: "Support" <support@example.test>\nSent: Monday, March 02, 2026 9:00 AM\n'
        "To: <leo@customer.test>\nSubject: [#1] VPN\n\n" + QUOTED + "\n"
    )
    return lines(
        head(
            "Leo <leo@customer.test>",
            "Re: [#1] VPN",
            "reply-wlm-1@customer.test",
            f"In-Reply-To: <{ACK}>",
            "X-Mailer: Microsoft Windows Live Mail 14.0",
            "MIME-Version: 1.0",
            'Content-Type: text/plain; charset="utf-8"',
            "Content-Transfer-Encoding: base64",
        ),
        "",
        b64_lines(body.encode()),
    )


FIXTURES = [
    Fixture(
        CATEGORY,
        "gmail-alternative.eml",
        'Gmail: multipart/alternative, "On <date> <name> wrote:" and gmail_quote HTML',
        _gmail_alternative(),
    ),
    Fixture(
        CATEGORY,
        "gmail-ja.eml",
        'Gmail in Japanese: "2026年3月2日(月) 9:00 <name>:" attribution',
        _gmail_ja(),
    ),
    Fixture(
        CATEGORY,
        "outlook-en-header-block.eml",
        'Outlook: underscore rule and a From:/Sent:/To:/Subject: block, no ">"',
        _outlook_en_block(),
    ),
    Fixture(
        CATEGORY,
        "outlook-ja-header-block.eml",
        "Outlook in Japanese: 差出人:/送信日時:/宛先:/件名: block, ISO-2022-JP",
        _outlook_ja_block(),
    ),
    Fixture(
        CATEGORY,
        "thunderbird-ja-flowed.eml",
        'Thunderbird, format=flowed: "<name> さんは書きました:"',
        _thunderbird_ja_flowed(),
    ),
    Fixture(
        CATEGORY,
        "iphone-ja.eml",
        'iPhone in Japanese: "2026/03/02 9:00、<name> のメッセージ:"',
        _iphone_ja(),
    ),
    Fixture(
        CATEGORY,
        "apple-mail-en.eml",
        'Apple Mail: the attribution itself quoted ("> On …, at …, <name> wrote:")',
        _apple_mail_en(),
    ),
    Fixture(
        CATEGORY,
        "original-message.eml",
        'Outlook-style "-----Original Message-----" block',
        _original_message(),
    ),
    Fixture(
        CATEGORY,
        "yahoo-original-message.eml",
        'Yahoo-style spaced "----- Original Message -----" block',
        _yahoo_spaced(),
    ),
    Fixture(
        CATEGORY,
        "forwarded-message.eml",
        'Gmail forward: "---------- Forwarded message ---------"',
        _forwarded(),
    ),
    Fixture(
        CATEGORY,
        "signature-ja.eml",
        '"-- " signature delimiter, Japanese signature',
        _signature_ja(),
    ),
    Fixture(
        CATEGORY, "bottom-posting.eml", "bottom-posted answer below the quote", _bottom_posting()
    ),
    Fixture(
        CATEGORY,
        "iphone-en.eml",
        'iPhone: "Sent from my iPhone" then a ">"-quoted attribution',
        _iphone_en(),
    ),
    Fixture(
        CATEGORY,
        "forward-as-attachment.eml",
        "Zimbra forward: HTML body, the original as a message/rfc822 attachment",
        _forward_as_attachment(),
    ),
    Fixture(
        CATEGORY,
        "windows-live-base64.eml",
        "Windows Live Mail: base64 body, dashed rule and a From:/Sent: block",
        _windows_live_base64(),
    ),
]
