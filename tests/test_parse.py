"""parse_message on hand-made edge cases (inline bytes), split_reply and safe_filename.

Message files are tested elsewhere: test_parse_samples (properties of every
message), test_parse_fixtures (our own files), test_parse_shared (the shared corpus).
"""

from __future__ import annotations

import base64
import hashlib
import random
from datetime import UTC, datetime

import pytest

from gateway.pipeline.parse.filenames import safe_filename
from gateway.pipeline.parse.html_text import html_to_text
from gateway.pipeline.parse.message import parse_message
from gateway.pipeline.parse.quotes import split_reply

# --- addresses, ids, dates, loop headers ---------------------------------------------------


def test_japanese_display_names() -> None:
    name = base64.b64encode("山田 太郎".encode("cp932")).decode()
    jis = base64.b64encode(b"\x1b$B;3ED\x1b(B").decode()
    raw = (
        f"From: =?Shift_JIS?B?{name}?= <Taro.Yamada@Example.JP>\n"
        f'To: =?ISO-2022-JP?B?{jis}?= <yama@example.jp>, "鈴木" <Suzuki@example.jp>\n'
        f"Cc: {'佐藤'.encode().decode('ascii', 'surrogateescape')} <sato@example.jp>\n"
        "Subject: x\n\nbody\n"
    ).encode("utf-8", "surrogateescape")
    msg = parse_message(raw)
    assert msg.from_ is not None
    assert (msg.from_.name, msg.from_.email) == ("山田 太郎", "taro.yamada@example.jp")
    assert [(a.name, a.email) for a in msg.to] == [
        ("山田", "yama@example.jp"),
        ("鈴木", "suzuki@example.jp"),
    ]
    assert [(a.name, a.email) for a in msg.cc] == [("佐藤", "sato@example.jp")]


@pytest.mark.parametrize("fold", ["\r\n ", "\r\n\t", "\n "])
def test_a_quoted_display_name_folded_inside_its_quotes_keeps_its_address(fold: str) -> None:
    # RFC 5322 lets a long quoted name fold at any space, inside the quotes too; the
    # address after it is the sender's, not the part of the name before the fold.
    raw = (
        f'From: "Yamada Taro (Sales Department, Example{fold}Corporation)" <taro@corp.example>\r\n'
        f'To: support@example.test\r\nCc: "Suzuki \\"Jiro\\"{fold}Ichiro" <jiro@corp.example>\r\n'
        "Subject: folded\r\n\r\nbody\r\n"
    ).encode()
    msg = parse_message(raw)
    assert msg.from_ is not None
    assert msg.from_.email == "taro@corp.example"
    assert msg.from_.name == "Yamada Taro (Sales Department, Example Corporation)"
    assert [(a.name, a.email) for a in msg.cc] == [('Suzuki "Jiro" Ichiro', "jiro@corp.example")]


def test_a_fold_inside_quotes_cannot_make_a_name_the_sender() -> None:
    # before unfolding, the parser read the name up to the fold as the address:
    # a stranger's mail seemed to come from a member
    raw = b'From: "ops@example.test\r\n x" <mallory@outside.test>\r\nSubject: x\r\n\r\nbody\r\n'
    msg = parse_message(raw)
    assert msg.from_ is not None
    assert msg.from_.email == "mallory@outside.test"


def test_garbage_reference_headers_are_tolerated() -> None:
    raw = (
        b"From: a@example.com\n"
        b"Message-ID: x1@example.com\n"
        b"In-Reply-To: parent@example.com (sent by Outlook)\n"
        b"References: <a@b.example>,<c@d.example>\n garbage <a@b.example> e@f.example\n"
        b"Subject: refs\n\nbody\n"
    )
    msg = parse_message(raw)
    assert msg.message_id == "x1@example.com"
    assert msg.in_reply_to == ("parent@example.com",)
    assert msg.references == ("a@b.example", "c@d.example")


def test_synthetic_message_id_is_stable_and_content_addressed() -> None:
    raw = b"From: a@example.com\nSubject: no id\n\nbody\n"
    first, again = parse_message(raw), parse_message(raw)
    other = parse_message(raw + b"more\n")
    assert first.message_id_synthetic and other.message_id_synthetic
    assert first.message_id == again.message_id
    assert first.message_id != other.message_id
    digest = hashlib.sha256(raw).hexdigest()[:32]
    assert first.message_id == f"{digest}@synthetic.invalid"
    blank = parse_message(b"From: a@example.com\nMessage-ID:   \n\nbody\n")
    assert blank.message_id_synthetic and blank.message_id.endswith("@synthetic.invalid")


def test_dates_are_timezone_aware() -> None:
    naive = parse_message(b"From: a@b.example\nDate: 1 Jan 2024 10:00:00 -0000\n\nx\n")
    assert naive.date == datetime(2024, 1, 1, 10, 0, tzinfo=UTC)
    junk = parse_message(b"From: a@b.example\nDate: yesterday-ish\n\nx\n")
    assert junk.date is None


def test_loop_headers() -> None:
    raw = (
        b"From: a@example.com\nAuto-Submitted: Auto-Replied (vacation)\nPrecedence: BULK\n"
        b"X-Auto-Response-Suppress: All, OOF\nX-Autoreply: YES\nX-Loop: helpdesk@example.com\n"
        b"Return-Path: <Bounce@Example.COM>\nX-Ticket-Gateway: T-42\n\nbody\n"
    )
    loop = parse_message(raw).loop
    assert loop.auto_submitted == "auto-replied (vacation)"
    assert loop.precedence == "bulk"
    assert loop.x_auto_response_suppress == "all, oof"
    assert loop.x_autoreply == "yes"
    assert loop.x_loop == "helpdesk@example.com"
    assert loop.return_path == "bounce@example.com"
    assert loop.x_ticket_gateway == "T-42"


# --- attachments and body selection ----------------------------------------------------------


def test_alternative_prefers_plain_and_keeps_html() -> None:
    raw = (
        b"From: a@example.com\nSubject: alt\nMIME-Version: 1.0\n"
        b"Content-Type: multipart/alternative; boundary=AA\n\n"
        b"--AA\nContent-Type: text/plain; charset=utf-8\n\nplain version\n"
        b"--AA\nContent-Type: text/html; charset=utf-8\n\n<p>html <b>version</b></p>\n"
        b"--AA--\n"
    )
    msg = parse_message(raw)
    assert msg.text == "plain version"
    assert msg.html.strip() == "<p>html <b>version</b></p>"


def test_html_only_mail_gets_clean_text() -> None:
    html = (
        "<html><head><title>Title text</title><style>p { color: red }</style></head>"
        "<body><script>alert('x')</script><h1>Hello</h1><p>Fish &amp; chips&nbsp;&lt;3</p>"
        "<div>line one<br>line   two</div><ul><li>a</li><li>b</li></ul></body></html>"
    )
    raw = (
        "From: a@example.com\nSubject: html\nMIME-Version: 1.0\n"
        "Content-Type: text/html; charset=utf-8\n\n" + html + "\n"
    ).encode()
    msg = parse_message(raw)
    assert msg.html.strip() == html
    for hidden in ("alert", "color", "Title text", "<b", "</", "&amp;", "&nbsp;"):
        assert hidden not in msg.text
    assert msg.text == "Hello\n\nFish & chips <3\n\nline one\nline two\n\na\nb"


def test_html_to_text_handles_unclosed_head() -> None:
    assert html_to_text("<html><head><meta charset=x><body><p>visible</p>") == "visible"


def test_html_charset_from_meta_tag() -> None:
    body = '<html><head><meta charset="shift_jis"></head><body>日本語①</body></html>'
    raw = b"From: a@example.com\nContent-Type: text/html\n\n" + body.encode("cp932")
    assert parse_message(raw).text == "日本語①"


def test_big_attachment_is_hashed_not_reencoded() -> None:
    payload = random.Random(1).randbytes(2_000_000)
    raw = (
        b"From: a@example.com\nSubject: big\nMIME-Version: 1.0\n"
        b"Content-Type: multipart/mixed; boundary=XX\n\n--XX\nContent-Type: text/plain\n\nhi\n"
        b"--XX\nContent-Type: application/octet-stream\n"
        b'Content-Disposition: attachment; filename="../../big.bin"\n'
        b"Content-Transfer-Encoding: base64\n\n" + base64.encodebytes(payload) + b"--XX--\n"
    )
    msg = parse_message(raw)
    (att,) = msg.attachments
    assert (att.filename, att.size) == ("big.bin", len(payload))
    assert att.sha256 == hashlib.sha256(payload).hexdigest()
    assert msg.text == "hi"


@pytest.mark.parametrize("cte", ["base64;", "BASE64 ; x-note", "base64 (by hand)"])
def test_a_transfer_encoding_with_words_after_it_is_read_by_its_first_word(cte: str) -> None:
    text = "東京の在宅勤務で VPN がつながりません。"
    payload = random.Random(cte).randbytes(3000)
    raw = (
        (
            "From: a@example.com\nSubject: loose\nMIME-Version: 1.0\n"
            "Content-Type: multipart/mixed; boundary=LB\n\n--LB\n"
            f"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: {cte}\n\n"
        ).encode()
        + base64.encodebytes(text.encode())
        + (
            "--LB\nContent-Type: application/octet-stream\n"
            'Content-Disposition: attachment; filename="log.bin"\n'
            f"Content-Transfer-Encoding: {cte}\n\n"
        ).encode()
        + base64.encodebytes(payload)
        + b"--LB--\n"
    )
    msg = parse_message(raw)
    assert msg.text == text
    (att,) = msg.attachments
    assert (att.size, att.sha256) == (len(payload), hashlib.sha256(payload).hexdigest())


def test_nameless_attachments_get_typed_names() -> None:
    raw = (
        b"From: a@example.com\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n"
        b"--B\nContent-Type: text/plain\n\nsee attached\n"
        b"--B\nContent-Type: application/pdf\nContent-Disposition: attachment\n\n%PDF-1.4\n"
        b"--B\nContent-Type: text/plain\nContent-Disposition: attachment\n\nnotes\n--B--\n"
    )
    msg = parse_message(raw)
    assert msg.text == "see attached"
    assert [a.filename for a in msg.attachments] == ["attachment-1.pdf", "attachment-2.txt"]


# --- malformed input -------------------------------------------------------------------------


def test_undecodable_utf8_body_is_reported() -> None:
    raw = b"From: a@example.com\nContent-Type: text/plain; charset=utf-8\n\nzm\xc4\x9bna \xff ok\n"
    msg = parse_message(raw)
    assert msg.text == "zm\u011bna \ufffd ok"
    assert any("undecodable bytes replaced" in d for d in msg.defects)


def test_nesting_deeper_than_the_stack_keeps_headers_and_says_so() -> None:
    raw = b"From: a@example.com\nSubject: deep\nContent-Type: multipart/mixed; boundary=b0\n\n"
    for i in range(1, 5000):
        raw += b"--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n" % (i - 1, i)
    msg = parse_message(raw)
    assert msg.is_mail
    assert msg.subject == "deep"
    assert msg.from_ is not None and msg.from_.email == "a@example.com"
    assert any("read in order" in d for d in msg.defects)  # read flat, not dropped


def test_deeply_nested_multipart_does_not_raise() -> None:
    raw = b"From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n" + (
        b"--b\nContent-Type: multipart/mixed; boundary=b\n\n" * 3000
    )
    msg = parse_message(raw)
    assert msg.is_mail
    assert msg.defects


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"   \r\n\r\n",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00",
        b"\x00\x01\x02\x03garbage\xff\xfe\x00\x00:\x00",
        b"hello world\n",
        b"just some text: with a colon later\n",
        b"http://example.com/not-a-header\n",
    ],
    ids=["empty", "blank", "png", "pdf", "zip", "binary", "hello", "prose", "url"],
)
def test_not_mail(raw: bytes) -> None:
    msg = parse_message(raw)
    assert msg.is_mail is False
    assert msg.defects and msg.defects[0].startswith("not mail")
    assert msg.message_id_synthetic


def test_random_binary_is_not_mail() -> None:
    rng = random.Random(3)
    for _ in range(50):
        data = b"\x00" + rng.randbytes(512)
        assert parse_message(data).is_mail is False


@pytest.mark.parametrize(
    "raw",
    [
        b"Subject: hi\n\nbody\n",
        b"From someone@example.com Mon Jan  1 00:00:00 2024\nFrom: a@example.com\n\nx\n",
        b"X-Weird: \xff\xfe\n\n\x00\x01",
        b"\r\nReceived: from x\r\n\r\n",
    ],
    ids=["subject-only", "mbox-from-line", "binary-body", "leading-blank-line"],
)
def test_anything_with_a_header_is_mail(raw: bytes) -> None:
    assert parse_message(raw).is_mail is True


def test_bom_and_leading_blank_lines_do_not_hide_headers() -> None:
    msg = parse_message(
        b"\xef\xbb\xbf\r\n\r\nSubject: after blank\r\nFrom: A@Example.com\r\n\r\nbody\r\n"
    )
    assert msg.subject == "after blank"
    assert msg.from_ is not None and msg.from_.email == "a@example.com"
    assert msg.text == "body"
    assert msg.defects


# --- reply splitting --------------------------------------------------------------------------

SPLIT_CASES = [
    (
        "gmail-ja",
        "了解しました。\n\n2024年1月1日(月) 10:00 山田 太郎 <taro@example.jp>:\n\n> 元の本文\n",
        "了解しました。",
    ),
    (
        "gmail-ja-no-weekday",
        "お世話になっております。\n2024年1月1日 10:00 山田 <x@y.jp>:\n> 引用\n",
        "お世話になっております。",
    ),
    (
        "thunderbird-ja",
        "確認します。\n\n山田 太郎 さんは書きました:\n> 元のメッセージ\n",
        "確認します。",
    ),
    (
        "iphone-ja",
        "はい。\n\n2024/01/01 10:00、山田 <taro@example.jp> のメッセージ:\n\n> 質問です\n",
        "はい。",
    ),
    (
        # Apple Mail (macOS, iOS) in Japanese: "<date>、<name> <address>のメール:"
        "apple-mail-ja",
        "伊藤です。\n\n2026/12/05 6:40、山田 太郎 <taro@example.jp>のメール:\n\n＞ 質問です\n",
        "伊藤です。",
    ),
    (
        "apple-mail-ja-address-only",
        "階数：２\n\n2026/12/05 6:40、support@example.jp のメール:\n＞ 伊藤 様\n",
        "階数：２",
    ),
    (
        "outlook-ja",
        "対応しました。\n\n差出人: 山田 太郎 <taro@example.jp>\n送信日時: 2024年1月1日 10:00\n"
        "宛先: support@example.com\n件名: 問い合わせ\n\n元の本文\n",
        "対応しました。",
    ),
    (
        "outlook-ja-original",
        "返信です\n\n-----Original Message-----\nFrom: a@example.com\n本文\n",
        "返信です",
    ),
    (
        "outlook-ja-moto",
        "返信です\n\n----- 元のメッセージ -----\n差出人: 山田\n",
        "返信です",
    ),
    ("forward-ja", "転送します\n\n-------- 転送メッセージ --------\n件名: x\n", "転送します"),
    ("forward-en", "FYI\n\n---------- Forwarded message ---------\nFrom: x\n", "FYI"),
    ("spaced-original", "ok\n----- Original Message -----\nFrom: x\n", "ok"),
    (
        "outlook-en-block",
        "Done.\n\nFrom: Bob <bob@example.com>\nSent: Monday, April 2, 2012 5:44 PM\n"
        "To: Alice\nSubject: Test\n\nHi\n",
        "Done.",
    ),
    (
        "outlook-underscore-rule",
        "Done.\n\n________________________________\nFrom: Bob\nSent: today\nTo: Alice\n\nHi\n",
        "Done.",
    ),
    ("wrote-with-address", "Yes.\n\nbob@example.com wrote:\n> q\n", "Yes."),
    (
        "wrapped-on-wrote",
        "Sure\n\nOn Mon, Apr 2, 2012 at 6:26 PM, Megan One <\nx@y.com> wrote:\n> Hi\n",
        "Sure",
    ),
    ("signature-dash-space", "本文です\n\n-- \n山田 太郎\n株式会社例\n", "本文です"),
    ("signature-dash", "Body\n--\nsig\n", "Body"),
    ("trailing-quotes", "Answer\n\n> old\n> older\n\n", "Answer"),
    ("bottom-post", "On Mon, Jan 1, 2024, Bob wrote:\n> question?\n\nanswer!\n", "answer!"),
    # nothing written above the old mail, which follows its header unmarked: nothing new
    ("empty-above-outlook", "From: Bob\nSent: today\nTo: Alice\nSubject: x\n\nHi\n", ""),
    # … but below an attribution, unmarked lines are the writer's: the quote was deleted
    ("quote-deleted", "On Mon, Jan 1, 2024, Bob wrote:\nanswer!\n", "answer!"),
    ("empty-above-original", "-----Original Message-----\nFrom: a@example.com\nHi\n", ""),
    # … but a forward with no words sends what it forwards
    ("forward-alone", "---------- Forwarded message ---------\nFrom: x\n\nHi\n", "From: x\n\nHi"),
    ("forward-alone-apple", "Begin forwarded message:\n\nFrom: x\nHi\n", "From: x\nHi"),
    (
        "bottom-post-wrapped",
        "On Mon, Jan 1, 2024 at 9:00 AM, Bob <\nbob@example.com> wrote:\n> q?\n\nanswer!\n",
        "answer!",
    ),
    ("no-quote", "just text\n\nsecond paragraph", "just text\n\nsecond paragraph"),
    (
        "prose-ending-in-no-meeru",  # not an attribution: no date before it
        "以下、先方からのメール:\n\n本文です。\n",
        "以下、先方からのメール:\n\n本文です。",
    ),
    # a dated line of the writer's own is not Gmail's attribution, which always ends with
    # the address: what followed it (the error, the steps) was cut off as old mail
    (
        "ja-dated-prose",
        "お世話になっております。\n\n2026年12月5日(土) 10:00 頃から次のエラーが出ています:\n"
        "ERROR 0x80070005\n",
        "お世話になっております。\n\n2026年12月5日(土) 10:00 頃から次のエラーが出ています:\n"
        "ERROR 0x80070005",
    ),
    (
        "ja-dated-prose-steps",
        "作業予定です。\n2026年12月5日 22:00 から以下を実施します：\n1. 再起動\n2. 確認\n",
        "作業予定です。\n2026年12月5日 22:00 から以下を実施します：\n1. 再起動\n2. 確認",
    ),
    (  # nor is a message the writer introduces, without a date or an address
        "ja-message-prose",
        "確認をお願いします。\n\n以下、お客様からのメッセージ:\nプリンタが動きません。\n",
        "確認をお願いします。\n\n以下、お客様からのメッセージ:\nプリンタが動きません。",
    ),
    (
        "iphone-ja-no-date",
        "はい。\n\n山田 太郎 <taro@example.jp> のメッセージ:\n\n> 質問です\n",
        "はい。",
    ),
    ("double-dash-in-text", "a -- b\n---\nc", "a -- b\n---\nc"),
    ("from-in-prose", "From: the team\nwe say hello\n", "From: the team\nwe say hello"),
]


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in SPLIT_CASES], ids=[c[0] for c in SPLIT_CASES]
)
def test_split_reply(text: str, expected: str) -> None:
    assert split_reply(text) == expected


def test_split_reply_on_crlf() -> None:
    assert split_reply("Hi\r\n\r\nOn Tue, Bob wrote:\r\n> x\r\n") == "Hi"


# --- filenames --------------------------------------------------------------------------------

FILENAME_CASES = [
    ("../../etc/passwd", "text/plain", 1, "passwd"),
    ("C:\\Users\\x\\evil.exe", "application/octet-stream", 1, "evil.exe"),
    ("..", "application/pdf", 2, "attachment-2.pdf"),
    ("...hidden", "text/plain", 1, "hidden"),
    ("a..b.txt", "text/plain", 1, "a.b.txt"),
    ("line\nbreak\r.txt", "text/plain", 1, "line break .txt"),
    ("report\u202efdp.exe", "application/octet-stream", 1, "reportfdp.exe"),
    ("e\u0301te\u0301.txt", "text/plain", 1, "été.txt"),
    ("CON.txt", "text/plain", 1, "_CON.txt"),
    # Windows drops the spaces before the dot: "nul .txt" is the NUL device too, and
    # COM¹, LPT³ and the console's CONIN$/CONOUT$ are device names as well
    ("nul .txt", "text/plain", 1, "_nul .txt"),
    ("LPT9  .log", "text/plain", 1, "_LPT9 .log"),
    ("COM\u00b9.txt", "text/plain", 1, "_COM\u00b9.txt"),
    ("conin$", "text/plain", 1, "_conin$"),
    ("CONOUT$.txt", "text/plain", 1, "_CONOUT$.txt"),
    ("console.txt", "text/plain", 1, "console.txt"),
    ('what?<>:"|*.txt', "text/plain", 1, "what_______.txt"),
    ("", "image/jpeg", 3, "attachment-3.jpg"),
    (None, "message/rfc822", 4, "message-4.eml"),
    (None, "application/x-unknown", 5, "attachment-5.bin"),
    ("   ", "text/calendar", 6, "attachment-6.ics"),
    ("日本語の資料①.pdf", "application/pdf", 1, "日本語の資料①.pdf"),
]


@pytest.mark.parametrize(("name", "ctype", "index", "expected"), FILENAME_CASES)
def test_safe_filename(name: str | None, ctype: str, index: int, expected: str) -> None:
    assert safe_filename(name, ctype, index) == expected


def test_long_filename_keeps_extension() -> None:
    name = "長い名前" * 100 + ".xlsx"
    safe = safe_filename(name, "application/octet-stream", 1)
    assert safe.endswith(".xlsx")
    assert len(safe.encode("utf-8")) <= 255
    assert safe.startswith("長い名前")


@pytest.mark.parametrize("rule", ["-" * 50, "=" * 12, "\u2500" * 20, "_" * 32, "-=" * 8])
def test_a_rule_above_a_quoted_header_block_starts_the_history(rule: str) -> None:
    text = (
        "承知しました。明日確認します。\n\n"
        f"{rule}\n差出人: サポート <support@example.test>\n"
        "送信日時: 2026年3月2日 9:00\n件名: [#4] プリンター\n\n> 受け付けました。\n"
    )
    assert split_reply(text) == "承知しました。明日確認します。"


@pytest.mark.parametrize("rule", ["-" * 50, "=" * 12, "\u2500" * 20])
def test_a_rule_without_a_header_block_below_is_the_writers_own(rule: str) -> None:
    text = f"手順は次のとおりです。\n{rule}\n1. 再起動\n2. 再接続\n{rule}\nよろしくお願いします。"
    assert split_reply(text) == text
