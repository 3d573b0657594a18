"""Japanese mail as it really arrives: ISO-2022-JP with and without a label (and
with the NEC/IBM extension characters Windows puts in it), Shift_JIS that is
really CP932, carrier emoji, half-width katakana, raw 8-bit subjects."""

from __future__ import annotations

from tests.support.mailgen.build import (
    Fixture,
    b64_lines,
    head,
    jis,
    jis_lines,
    lines,
    qp_lines,
    word,
)

CATEGORY = "japanese"

# Windows writes these into ISO-2022-JP although JIS X 0208 has none of them:
# NEC row 13 (①, ㈱, Ⅲ, ㍻, №) and NEC-selected IBM extensions (ⅱ, 髙, 﨑).
NEC_IBM = "①②③ ㈱㈲ ⅠⅡⅢ ⅰⅱ ㍻ № 髙橋 﨑"
# GIF89a, 1x1 transparent: the smallest real image an attachment can carry
GIF = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _thunderbird() -> bytes:
    subject = "サーバ移行のお知らせについての確認依頼（第二版）"
    return lines(
        head(
            f"{word('山田 太郎', 'ISO-2022-JP')} <taro.yamada@customer.test>",
            f"{word(subject[:12], 'ISO-2022-JP')}\n {word(subject[12:], 'ISO-2022-JP')}",
            "jp-thunderbird-1@customer.test",
            "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:115.0) "
            "Gecko/20100101 Thunderbird/115.8.0",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=ISO-2022-JP",
            "Content-Transfer-Encoding: 7bit",
        ),
        "",
        jis_lines(
            "サポートご担当者様\n\nお世話になっております。山田です。\n"
            "来週のサーバ移行について確認させてください。\n\nよろしくお願いいたします。"
        ),
    )


def _outlook_nec_ibm() -> bytes:
    subject = "【至急】サーバ①の障害 ㈱テスト Ⅲ号機"
    return lines(
        head(
            f"{word('鈴木 一郎', 'iso-2022-jp')} <ichiro.suzuki@customer.test>",
            word(subject, "iso-2022-jp"),
            "jp-outlook-1@customer.test",
            "X-Mailer: Microsoft Outlook 16.0",
            "MIME-Version: 1.0",
            'Content-Type: text/plain; charset="iso-2022-jp"',
            "Content-Transfer-Encoding: 7bit",
            "Content-Language: ja",
        ),
        "",
        jis_lines(f"サーバ①が停止しました。\n機種依存文字: {NEC_IBM}\n㈱テストの鈴木です。"),
    )


def _halfwidth_katakana() -> bytes:
    return lines(
        head(
            "hankaku@customer.test",
            word("ﾃｽﾄ ｶﾀｶﾅ ﾒｰﾙ", "ISO-2022-JP"),
            "jp-kana-1@customer.test",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=ISO-2022-JP",
        ),
        "",
        jis_lines("ﾊﾝｶｸｶﾀｶﾅのﾃｽﾄです。\n全角カナと ﾊﾝｶｸ が混ざります。"),
    )


def _unlabelled_raw_subject() -> bytes:
    # an old Japanese mailer: no MIME headers at all, JIS escapes straight in the
    # Subject header and the body; only the escape sequences say what it is
    return lines(
        head(
            "old-mailer@customer.test",
            b"Subject: " + jis("会議室の予約について"),
            "jp-unlabelled-1@customer.test",
        ),
        "",
        jis_lines("来週の会議室を予約したいです。\n三階の大会議室は空いていますか。"),
    )


def _jis_c6226_escape() -> bytes:
    old = b"\x1b$@"  # ESC $ @: JIS C 6226-1978, still sent by some clients
    return lines(
        head(
            "legacy@customer.test",
            "=?ISO-2022-JP?B?" + b64_lines(jis("旧いエスケープ", old))[0] + "?=",
            "jp-c6226-1@customer.test",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=iso-2022-jp",
        ),
        "",
        jis_lines("日本語の本文です。", old),
    )


def _shift_jis_docomo_emoji() -> bytes:
    emoji = b"\xf8\x9f\xf8\xa0"  # docomo's sun and cloud: CP932 user-defined area
    subject = "=?Shift_JIS?B?" + b64_lines("題名".encode("cp932") + emoji)[0] + "?="
    return lines(
        head(
            "hanako@mobile.customer.test",
            subject,
            "jp-docomo-1@mobile.customer.test",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=Shift_JIS",
            "Content-Transfer-Encoding: 8bit",
        ),
        "",
        "本文です。波ダッシュ～と丸数字①と髙。".encode("cp932") + emoji,
        "For docomo".encode("cp932"),
    )


def _cp932_label() -> bytes:
    body = "テストです。㈱\n\niPhoneから送信\n".encode("cp932")
    return lines(
        head(
            "iphone-user@customer.test",
            word("Re: 【確認】テスト"),
            "jp-cp932-1@customer.test",
            "X-Mailer: iPhone Mail (21D61)",
            "Mime-Version: 1.0 (1.0)",
            "Content-Type: text/plain; charset=cp932",
            "Content-Transfer-Encoding: base64",
        ),
        "",
        b64_lines(body),
    )


def _shift_jis_unlabelled() -> bytes:
    # 8-bit Shift_JIS with no charset anywhere: the Subject is raw bytes too
    return lines(
        head(
            "sjis@customer.test",
            b"Subject: " + "見積もりのお願い".encode("cp932"),
            "jp-sjis-raw-1@customer.test",
            "MIME-Version: 1.0",
            "Content-Type: text/plain",
            "Content-Transfer-Encoding: 8bit",
        ),
        "",
        "このメールはテスト用のメールです。\n今後ともよろしくお願い申し上げます！".encode("cp932"),
    )


def _utf8_raw_subject() -> bytes:
    # a carrier's gateway put the UTF-8 subject in raw; the body is labelled JIS
    return lines(
        head(
            "kddi-user@customer.test",
            b"Subject: " + "納品書の送付について".encode(),
            "jp-raw-utf8-1@customer.test",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=iso-2022-jp",
        ),
        "",
        jis_lines("納品書を送付いたします。\nご確認ください。"),
    )


def _utf8_multipart() -> bytes:
    text = "iPhoneからのテストです。\n丸と二重丸: ○◎\n\niPhoneから送信\n"
    html = f"<html><body><div>{text.replace(chr(10), '<br>')}</div></body></html>\n"
    return lines(
        head(
            "iphone@customer.test",
            word("Re: 【NKSC】テスト"),
            "jp-utf8-1@customer.test",
            "MIME-Version: 1.0",
            'Content-Type: multipart/alternative; boundary="Apple-Mail-1A2B"',
        ),
        "",
        "--Apple-Mail-1A2B",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        qp_lines(text.encode()),
        "--Apple-Mail-1A2B",
        "Content-Type: text/html; charset=utf-8",
        "Content-Transfer-Encoding: base64",
        "",
        b64_lines(html.encode()),
        "--Apple-Mail-1A2B--",
    )


def _euc_jp() -> bytes:
    return lines(
        head(
            "unix-user@customer.test",
            word("EUC-JPのメール", "EUC-JP"),
            "jp-euc-1@customer.test",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=EUC-JP",
            "Content-Transfer-Encoding: 8bit",
        ),
        "",
        "日本語のテキストです。ｶﾅもあります。".encode("euc_jp"),
    )


def _attachment_names() -> bytes:
    pdf_name = word("見積書①.pdf", "ISO-2022-JP")
    long_name = "かきくけこ" * 5 + ".txt"
    encoded = "".join(f"%{b:02X}" for b in long_name.encode())
    first, second = encoded[:90], encoded[90:]
    return lines(
        head(
            f"{word('佐藤 花子', 'ISO-2022-JP')} <hanako.sato@customer.test>",
            word("見積書の送付", "ISO-2022-JP"),
            "jp-attach-1@customer.test",
            "MIME-Version: 1.0",
            'Content-Type: multipart/mixed; boundary="------------jp01"',
        ),
        "",
        "--------------jp01",
        "Content-Type: text/plain; charset=ISO-2022-JP",
        "Content-Transfer-Encoding: 7bit",
        "",
        jis_lines("見積書を添付します。\nご確認ください。"),
        "--------------jp01",
        f'Content-Type: application/pdf; name="{pdf_name}"',
        f'Content-Disposition: attachment; filename="{pdf_name}"',
        "Content-Transfer-Encoding: base64",
        "",
        b64_lines(PDF),
        "--------------jp01",
        "Content-Type: text/plain; charset=UTF-8",
        f"Content-Disposition: attachment; filename*0*=UTF-8''{first};",
        f" filename*1*={second}",
        "Content-Transfer-Encoding: base64",
        "",
        b64_lines("添付のテキストです。\n".encode()),
        "--------------jp01--",
    )


def _no_subject_attachment() -> bytes:
    return lines(
        head(
            "nosubject@customer.test",
            b"X-No-Subject: (none)",
            "jp-nosubject-1@customer.test",
            "MIME-Version: 1.0",
            'Content-Type: multipart/mixed; boundary="jp-nosubj"',
        ),
        "",
        "--jp-nosubj",
        "Content-Type: text/plain; charset=ISO-2022-JP",
        "Content-Transfer-Encoding: 7bit",
        "",
        jis_lines("本文です。件名はありません。"),
        "--jp-nosubj",
        'Content-Type: image/gif; name="Transparent.gif"',
        'Content-Disposition: attachment; filename="Transparent.gif"',
        "Content-Transfer-Encoding: base64",
        "",
        b64_lines(GIF),
        "--jp-nosubj--",
    )


def _cyrillic_in_jis() -> bytes:
    # JIS X 0208 has Cyrillic (row 7) and № (NEC row 13): not only Japanese in JIS
    return lines(
        head(
            "russian-office@customer.test",
            word("ЖД№41 от 28.09.2026", "ISO-2022-JP"),
            "jp-cyrillic-1@customer.test",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=ISO-2022-JP",
        ),
        "",
        jis_lines("Накладная ЖД№41 во вложении.\nよろしくお願いします。"),
    )


FIXTURES = [
    Fixture(
        CATEGORY,
        "iso2022jp-thunderbird.eml",
        "Thunderbird: ISO-2022-JP body; subject folded over two encoded-words; encoded From name",
        _thunderbird(),
    ),
    Fixture(
        CATEGORY,
        "iso2022jp-nec-ibm-outlook.eml",
        "Outlook CP50221: NEC row 13 and NEC-selected IBM characters (①㈱Ⅲ㍻№ⅱ髙﨑) "
        "in an ISO-2022-JP subject and body",
        _outlook_nec_ibm(),
    ),
    Fixture(
        CATEGORY,
        "iso2022jp-halfwidth-katakana.eml",
        "half-width katakana through ESC ( I in subject and body",
        _halfwidth_katakana(),
    ),
    Fixture(
        CATEGORY,
        "jis-unlabelled-raw-subject.eml",
        "no MIME headers: raw JIS escapes in the Subject header and an unlabelled body",
        _unlabelled_raw_subject(),
    ),
    Fixture(
        CATEGORY,
        "jis-c6226-escape.eml",
        "old JIS C 6226 designation ESC $ @ in subject and body",
        _jis_c6226_escape(),
    ),
    Fixture(
        CATEGORY,
        "shift_jis-docomo-emoji.eml",
        "8-bit body labelled Shift_JIS with CP932 characters (～①髙); carrier emoji "
        "(user-defined area) in the encoded-word subject",
        _shift_jis_docomo_emoji(),
    ),
    Fixture(
        CATEGORY,
        "cp932-label.eml",
        "iPhone: charset=cp932 (not an IANA label), base64 body, UTF-8 subject",
        _cp932_label(),
    ),
    Fixture(
        CATEGORY,
        "shift_jis-unlabelled.eml",
        "8-bit Shift_JIS with no charset label anywhere, raw bytes in the Subject",
        _shift_jis_unlabelled(),
    ),
    Fixture(
        CATEGORY,
        "utf8-raw-subject.eml",
        "raw unencoded UTF-8 Japanese Subject, ISO-2022-JP body",
        _utf8_raw_subject(),
    ),
    Fixture(
        CATEGORY,
        "utf8-multipart.eml",
        "iPhone: multipart/alternative, UTF-8 quoted-printable text and base64 HTML",
        _utf8_multipart(),
    ),
    Fixture(
        CATEGORY, "euc-jp.eml", "EUC-JP subject and 8-bit body with half-width kana", _euc_jp()
    ),
    Fixture(
        CATEGORY,
        "iso2022jp-attachment-names.eml",
        "attachment names: an ISO-2022-JP encoded-word with ① and a long UTF-8 "
        "RFC 2231 name split over continuations",
        _attachment_names(),
    ),
    Fixture(
        CATEGORY,
        "iso2022jp-no-subject-attachment.eml",
        "no Subject header at all; ISO-2022-JP body and a GIF attachment",
        _no_subject_attachment(),
    ),
    Fixture(
        CATEGORY,
        "iso2022jp-cyrillic.eml",
        "Cyrillic and № inside ISO-2022-JP (JIS X 0208 row 7, NEC row 13)",
        _cyrillic_in_jis(),
    ),
]
