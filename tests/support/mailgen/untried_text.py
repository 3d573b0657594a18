"""Mail from an exploratory round over intake, Japanese and text: mislabelled
Japanese every way a real mailer mislabels it, encoded-words and RFC 2231 names split
inside a character, HTML tables and hidden parts, format=flowed. Fed through SMTP and
``ingest`` by ``tests/test_intake_untried.py``.
"""

from __future__ import annotations

from tests.support.mailgen.build import (
    Fixture,
    b64,
    b64_lines,
    jis,
    lines,
    mixed,
    pct,
    single,
    text_lines,
    text_part,
    word,
)

JA, HTML, PLAIN = "japanese", "html", "plain"
NEC_IBM = "① ㈱ 髙 﨑 ～"


def _cp932_labelled_jis() -> bytes:
    return single(
        "Kenji Takahashi <k.takahashi@customer.test>",
        word("プリンタ故障の件", "ISO-2022-JP"),
        "untried-ja-1@customer.test",
        ["Content-Type: text/plain; charset=ISO-2022-JP", "Content-Transfer-Encoding: 7bit"],
        [f"プリンタ①が動きません。{NEC_IBM}".encode("cp932"), b"Printer 3F"],
    )


def _utf8_labelled_jis() -> bytes:
    return single(
        "net@customer.test",
        "Network slow",
        "untried-ja-2@customer.test",
        ["Content-Type: text/plain; charset=iso-2022-jp"],
        ["ネットワークが遅い～です".encode()],
    )


def _sjis_word_split() -> bytes:
    data = "会議室の予約ができません".encode("cp932")
    subject = f"=?Shift_JIS?B?{b64(data[:5])}?=\n =?Shift_JIS?B?{b64(data[5:])}?="
    return single(
        "room@customer.test",
        subject,
        "untried-ja-3@customer.test",
        ["Content-Type: text/plain; charset=utf-8"],
        text_lines("会議室の件です。", "utf-8"),
    )


def _jis_word_split() -> bytes:
    data = jis("髙﨑①の件")
    subject = f"=?ISO-2022-JP?B?{b64(data[:7])}?=\n =?ISO-2022-JP?B?{b64(data[7:])}?="
    return single(
        "takasaki@customer.test",
        subject,
        "untried-ja-4@customer.test",
        ["Content-Type: text/plain; charset=utf-8"],
        text_lines("髙﨑です。", "utf-8"),
    )


def _utf8_bom_base64() -> bytes:
    return single(
        "bom@customer.test",
        "BOM in the body",
        "untried-ja-5@customer.test",
        ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64"],
        b64_lines("\ufeffログインできません。".encode()),
    )


def _rfc2231_utf8_continued() -> bytes:
    escapes = pct("見積書（株式会社テスト）2026年度.pdf".encode())
    segments = [
        "".join(escapes[:7]),
        "".join(escapes[7:20]),
        "".join(escapes[20:]),
    ]  # inside 見 and 株
    return mixed(
        "quote@customer.test",
        "Quote attached",
        "untried-ja-6@customer.test",
        "u6",
        text_part("見積書を添付します。"),
        [
            "Content-Type: application/pdf;",
            f" name*0*=UTF-8''{segments[0]};",
            f" name*1*={segments[1]};",
            f" name*2*={segments[2]}",
            "Content-Disposition: attachment;",
            f" filename*0*=utf-8''{segments[0]};",
            f" filename*1*={segments[1]};",
            f" filename*2*={segments[2]}",
            "Content-Transfer-Encoding: base64",
            "",
            b64(b"%PDF-1.4\n%%EOF\n"),
        ],
    )


def _rfc2231_shift_jis() -> bytes:
    escapes = pct("請求書①髙橋.pdf".encode("cp932"))
    return mixed(
        "bill@customer.test",
        "Invoice",
        "untried-ja-7@customer.test",
        "u7",
        text_part("請求書です。"),
        [
            "Content-Type: application/pdf",
            "Content-Disposition: attachment;",
            f" filename*0*=shift_jis'ja'{''.join(escapes[:3])};",
            f" filename*1*={''.join(escapes[3:])}",
            "",
            "%PDF-1.4",
        ],
    )


def _rfc2231_jis() -> bytes:
    return mixed(
        "report@customer.test",
        "Report",
        "untried-ja-8@customer.test",
        "u8",
        text_part("報告書です。"),
        [
            "Content-Type: application/octet-stream",
            "Content-Disposition: attachment; filename*=iso-2022-jp'ja'"
            + "".join(pct(jis("報告書①.xlsx"))),
            "Content-Transfer-Encoding: base64",
            "",
            b64(b"PK\x03\x04"),
        ],
    )


def _euc_labelled_sjis() -> bytes:
    return single(
        "db@customer.test",
        "DB error",
        "untried-ja-9@customer.test",
        ["Content-Type: text/plain; charset=Shift_JIS", "Content-Transfer-Encoding: 8bit"],
        ["データベースの接続エラーが出ます。".encode("euc_jp")],
    )


def _jis_no_reset() -> bytes:
    return single(
        "oldmailer@customer.test",
        "JIS lines",
        "untried-ja-10@customer.test",
        ["Content-Type: text/plain; charset=ISO-2022-JP"],
        [b"\x1b$B%5!<%P$,Mn$A$^$7$?", b"host: web01 (10.0.0.5)", b"\x1b$B3NG'$r$*4j$$$7$^$9"],
    )


def _cp932_raw_headers() -> bytes:
    return lines(
        "From: 山田 花子 <hanako@customer.test>".encode("cp932"),
        "To: support@example.test",
        "Subject: 印刷できない①".encode("cp932"),
        "Date: Mon, 02 Mar 2026 09:30:00 +0900",
        "Message-ID: <untried-ja-11@customer.test>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=Shift_JIS",
        "Content-Transfer-Encoding: 8bit",
        "",
        "印刷できません。".encode("cp932"),
    )


def _iso2022jp2() -> bytes:
    return single(
        "multi@customer.test",
        "ISO-2022-JP-2",
        "untried-ja-12@customer.test",
        ["Content-Type: text/plain; charset=ISO-2022-JP-2"],
        ["Café 日本語 Ελληνικά".encode("iso2022_jp_2")],
    )


def _html_table() -> bytes:
    return single(
        "table@customer.test",
        "HTML table",
        "untried-html-1@customer.test",
        ["Content-Type: text/html; charset=utf-8"],
        [
            "<html><body><p>Hello&nbsp;team&#44; &lt;urgent&gt; &amp; &#x3042;</p>"
            "<table><tr><th>Host</th><th>Status</th></tr><tr><td>web01</td><td>down</td>"
            "</tr><tr><td>db01</td><td>up</td></tr></table>line1<br>line2<BR/>line3<br />"
            "end &hellip; &unknownentity; &#0; &#x110000; &#xD800;</body></html>"
        ],
    )


def _html_hidden() -> bytes:
    return single(
        "hidden@customer.test",
        "HTML hidden parts",
        "untried-html-2@customer.test",
        ["Content-Type: text/html; charset=utf-8"],
        [
            "<html><head><style>p{}</style><!--[if mso]><xml>o:stuff</xml><![endif]-->"
            "</head><body><!-- secret comment --><table><tr><td>東京</td><td>大阪</td></tr>"
            "</table><p>本文<br>二行目</p><script>alert(1)</script></body></html>".encode()
        ],
    )


def _flowed_delsp_ja() -> bytes:
    return single(
        "flowed@customer.test",
        "Flowed Japanese",
        "untried-plain-1@customer.test",
        ["Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes"],
        text_lines("これは長い行で \nす。続きます。\n\nRegards", "utf-8"),
    )


def _flowed_signature() -> bytes:
    return single(
        "flowed2@customer.test",
        "Flowed English",
        "untried-plain-2@customer.test",
        ["Content-Type: text/plain; charset=us-ascii; format=flowed"],
        [
            "This is a long line that ",
            "continues here.",
            " From here a stuffed line",
            "-- ",
            "sig",
        ],
    )


FIXTURES = [
    Fixture(
        JA,
        "untried-cp932-labelled-jis.eml",
        f"CP932 bytes ({NEC_IBM}) labelled ISO-2022-JP",
        _cp932_labelled_jis(),
    ),
    Fixture(
        JA,
        "untried-utf8-labelled-jis.eml",
        "UTF-8 bytes labelled ISO-2022-JP",
        _utf8_labelled_jis(),
    ),
    Fixture(
        JA,
        "untried-sjis-word-split.eml",
        "Shift_JIS subject split inside a character over two encoded-words",
        _sjis_word_split(),
    ),
    Fixture(
        JA,
        "untried-jis-word-split.eml",
        "ISO-2022-JP subject (髙﨑①) split inside a double-byte run over two encoded-words",
        _jis_word_split(),
    ),
    Fixture(
        JA,
        "untried-utf8-bom-base64.eml",
        "UTF-8 body with a byte order mark, in base64",
        _utf8_bom_base64(),
    ),
    Fixture(
        JA,
        "untried-rfc2231-utf8-continued.eml",
        "RFC 2231 UTF-8 name and filename continued inside a character",
        _rfc2231_utf8_continued(),
    ),
    Fixture(
        JA,
        "untried-rfc2231-shift-jis.eml",
        "RFC 2231 Shift_JIS filename (①髙) continued inside a character",
        _rfc2231_shift_jis(),
    ),
    Fixture(
        JA, "untried-rfc2231-iso-2022-jp.eml", "RFC 2231 filename in ISO-2022-JP", _rfc2231_jis()
    ),
    Fixture(
        JA, "untried-euc-labelled-sjis.eml", "EUC-JP body labelled Shift_JIS", _euc_labelled_sjis()
    ),
    Fixture(
        JA,
        "untried-jis-no-reset.eml",
        "ISO-2022-JP lines that end without ESC ( B before an ASCII line",
        _jis_no_reset(),
    ),
    Fixture(
        JA,
        "untried-cp932-raw-headers.eml",
        "raw CP932 bytes in the From name and Subject",
        _cp932_raw_headers(),
    ),
    Fixture(
        JA,
        "untried-iso-2022-jp-2.eml",
        "ISO-2022-JP-2 with Latin-1 and Greek designations",
        _iso2022jp2(),
    ),
    Fixture(
        HTML,
        "untried-html-table.eml",
        "HTML only: table, entities (invalid ones too), <br> forms",
        _html_table(),
    ),
    Fixture(
        HTML,
        "untried-html-hidden.eml",
        "HTML only: conditional comment, comment, style and script around a table",
        _html_hidden(),
    ),
    Fixture(
        PLAIN,
        "untried-flowed-delsp-ja.eml",
        "format=flowed; delsp=yes Japanese soft break",
        _flowed_delsp_ja(),
    ),
    Fixture(
        PLAIN,
        "untried-flowed-signature.eml",
        "format=flowed: soft break, space-stuffed From, signature",
        _flowed_signature(),
    ),
]
