"""parse_message on the real corpus and on hand-made edge cases; split_reply and safe_filename."""

from __future__ import annotations

import base64
import csv
import email
import hashlib
import random
import re
from datetime import UTC, datetime, timedelta
from email.policy import compat32
from pathlib import Path

import pytest

from gateway.core.model import ParsedMessage
from gateway.pipeline.parse.filenames import safe_filename
from gateway.pipeline.parse.html_text import html_to_text
from gateway.pipeline.parse.message import parse_message
from gateway.pipeline.parse.quotes import split_reply
from tests.support.corpus import SHARED_ROOT

CORPUS = SHARED_ROOT
PUBLIC = CORPUS / "public"


def _index() -> dict[str, str]:
    with (CORPUS / "index.tsv").open(encoding="utf-8", newline="") as fh:
        return {row["path"]: row["category"] for row in csv.DictReader(fh, delimiter="\t")}


INDEX = _index()
ALL = sorted(INDEX)
JAPANESE = sorted(p for p, cat in INDEX.items() if cat == "japanese")


def parse(rel: str) -> ParsedMessage:
    return parse_message((CORPUS / rel).read_bytes())


def test_corpus_is_complete() -> None:
    assert len(ALL) == 120
    assert len(JAPANESE) == 16
    assert all((CORPUS / p).is_file() for p in ALL)


# --- every corpus message ------------------------------------------------------------------


@pytest.mark.parametrize("rel", ALL)
def test_every_corpus_message_parses(rel: str) -> None:
    msg = parse(rel)
    assert isinstance(msg, ParsedMessage)
    assert msg.is_mail
    assert msg.message_id and "<" not in msg.message_id and ">" not in msg.message_id
    assert "\n" not in msg.subject and "\r" not in msg.subject
    assert msg.date is None or msg.date.tzinfo is not None
    assert "\x1b" not in msg.text and "\x1b" not in msg.subject
    for addr in (msg.from_, *msg.to, *msg.cc, *msg.reply_to):
        if addr is not None:
            assert addr.email == addr.email.lower()
            assert "\n" not in addr.name
    for att in msg.attachments:
        _assert_safe_name(att.filename)
        assert re.fullmatch(r"[0-9a-f]{64}", att.sha256)
        assert att.size >= 0


def _assert_safe_name(name: str) -> None:
    assert name
    assert "/" not in name and "\\" not in name
    assert ".." not in name
    assert not name.startswith(".")
    assert not any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in name)
    assert len(name.encode("utf-8")) <= 255


# --- Japanese ------------------------------------------------------------------------------

_MOJIBAKE = ("\ufffd", "縺", "繧", "ã\x81", "Ã", "â€", "=?", "\x1b", "$B", "(B")


# iPhone truncated this quoted line itself and sent a real U+FFFD (EF BF BD) in the body.
_SENT_REPLACEMENT_CHAR = {"public/jpmobile/iphone-mail3.eml"}


@pytest.mark.parametrize("rel", JAPANESE)
def test_japanese_messages_decode_cleanly(rel: str) -> None:
    msg = parse(rel)
    markers = _MOJIBAKE[1:] if rel in _SENT_REPLACEMENT_CHAR else _MOJIBAKE
    for value in (msg.subject, msg.text, msg.new_text):
        for marker in markers:
            assert marker not in value, (marker, value[:200])
    for att in msg.attachments:
        assert "=?" not in att.filename


JAPANESE_EXPECTED = [
    # (file, subject, substrings the body must contain)
    ("public/jpmobile/iphone-circled-numbers-in-jis.eml", "テスト①", ["丸数字のテストです②ⅱ"]),
    ("public/jpmobile/iphone-cp932.eml", "Re: 【NKSC】test", ["テストです。㈱"]),
    ("public/jpmobile/iphone-mail3.eml", "Re: 【NKSC】test", ["iPhoneから送信○◎", "本文改行なし"]),
    (
        "public/jpmobile/pc-mail-single.eml",
        "タイトルの長いメールの場合の対処を実装するためのテストケースとしてのメールに含まれている件名であるサブジェクト部分",
        ["本文です"],
    ),
    ("public/jpmobile/pc-mail-attached-without-subject.eml", "", ["本文です"]),
    ("public/jpmobile/docomo-gmail-sjis.eml", None, ["テストです"]),
    ("public/jpmobile/softbank-gmail-sjis.eml", None, ["テストです"]),
    ("public/jpmobile/docomo-emoji.eml", None, ["本文", "For docomo"]),
    ("public/jpmobile/au-decomail.eml", None, ["テストです"]),
    ("public/jpmobile/au-attached.eml", None, ["カレンダーだ"]),
    ("public/jpmobile/au-kigou.eml", "test", ["①②③④⑤", "ⅠⅡⅢⅣ", "㈱㈲", "㍻", "АБВ", "αβγ", "┏┓"]),
    (
        "public/mikel-mail/japanese_shift_jis.eml",
        "test",
        [
            "あいうえお",
            "このメールはテスト用のメールです。",
            "今後ともよろしくお願い申し上げます！",
        ],
    ),
    ("public/mikel-mail/japanese_attachment_long_name.eml", "まみむめも" * 10, []),
    (
        "public/mimekit/japanese.eml",
        "日本語メールテスト (testing Japanese emails)",
        ["日本語が\n正常に\n送れているか\nテスト."],
    ),
    ("public/php-mime-mail-parser/iso2022jp-subject-cyrillic.eml", "ЖД№41 от 28.09.2016", ["toto"]),
    (
        "public/sisimai/lhost-kddi-01.eml",
        "メールエラー通知",
        ["送信先のメールボックスが一杯のため、送信できませんでした。"],
    ),
]


@pytest.mark.parametrize(
    ("rel", "subject", "snippets"),
    JAPANESE_EXPECTED,
    ids=[Path(c[0]).name for c in JAPANESE_EXPECTED],
)
def test_japanese_content(rel: str, subject: str | None, snippets: list[str]) -> None:
    msg = parse(rel)
    if subject is not None:
        assert msg.subject == subject
    for snippet in snippets:
        assert snippet in msg.text


@pytest.mark.parametrize(
    ("rel", "prefix"),
    [
        ("public/jpmobile/docomo-emoji.eml", "題名"),
        ("public/jpmobile/docomo-gmail-sjis.eml", "テスト"),
        ("public/jpmobile/softbank-gmail-sjis.eml", "テスト"),
        ("public/jpmobile/au-decomail.eml", "テスト"),
        ("public/jpmobile/au-attached.eml", "題名x"),
    ],
)
def test_carrier_emoji_subjects_keep_the_text(rel: str, prefix: str) -> None:
    subject = parse(rel).subject
    assert subject.startswith(prefix)
    tail = subject[len(prefix) :]
    # carrier emoji survive as private-use code points, never as unrelated kanji
    assert tail and all(0xE000 <= ord(ch) <= 0xF8FF for ch in tail)


def test_japanese_attachment_names() -> None:
    long_name = parse("public/mikel-mail/japanese_attachment_long_name.eml").attachments
    assert [a.filename for a in long_name] == ["かきくけこ" * 5 + ".txt"]
    au = parse("public/jpmobile/au-attached.eml").attachments
    assert [(a.filename, a.content_type) for a in au] == [("20098calendar01.jpg", "image/jpeg")]
    gif = parse("public/jpmobile/pc-mail-attached-without-subject.eml").attachments
    assert [a.filename for a in gif] == ["Transparent.gif"]


def test_attachment_size_and_hash_come_from_decoded_bytes() -> None:
    raw = (PUBLIC / "jpmobile/au-attached.eml").read_bytes()
    std = email.message_from_bytes(raw, policy=compat32)
    jpeg = next(p for p in std.walk() if p.get_content_type() == "image/jpeg")
    payload = jpeg.get_payload(decode=True)
    assert isinstance(payload, bytes)
    (att,) = parse_message(raw).attachments
    assert att.size == len(payload) > 80_000
    assert att.sha256 == hashlib.sha256(payload).hexdigest()


# --- addresses, ids, dates, loop headers ---------------------------------------------------


def test_addresses_are_decoded_and_lowercased() -> None:
    msg = parse("public/spamscope-mail-parser/encoded-comma-display-name.eml")
    assert msg.from_ is not None
    assert msg.from_.email == "comma.name@example.com"
    assert msg.from_.name == "LastßlName, FirstName"  # encoded comma did not split the address
    jp = parse("public/mimekit/japanese.eml")
    assert jp.from_ is not None and jp.from_.name == "Atsushi Eno"
    raw = parse("public/flanker/malformed-headers.eml")
    assert raw.from_ is not None and raw.from_.name.startswith("Юникод запрещен")


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


def test_message_ids_and_references() -> None:
    msg = parse("public/php-mime-mail-parser/php-internals-list-reply.eml")
    assert msg.message_id == "CAH-PCH47Mx9AiP9yWLK+_nv8hpWHyXDjnn-h0sk66gPFOpRPxA@mail.gmail.com"
    assert not msg.message_id_synthetic
    assert msg.in_reply_to == (
        "CAFMT4NpJxuuqc-wTr1aE4K+wZBT8+04j+9-SsY+nhUMU83fDUg@mail.gmail.com",
    )
    empty = parse("public/mikel-mail/empty_in_reply_to.eml")
    assert empty.in_reply_to == ()


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
    msg = parse("public/mimekit/japanese.eml")
    assert msg.date is not None and msg.date.utcoffset() is not None
    kigou = parse("public/jpmobile/au-kigou.eml")
    assert kigou.date == datetime(2013, 6, 14, 10, 15, 10, tzinfo=UTC)
    assert kigou.date is not None and kigou.date.utcoffset() == timedelta(hours=9)
    naive = parse_message(b"From: a@b.example\nDate: 1 Jan 2024 10:00:00 -0000\n\nx\n")
    assert naive.date == datetime(2024, 1, 1, 10, 0, tzinfo=UTC)
    junk = parse_message(b"From: a@b.example\nDate: yesterday-ish\n\nx\n")
    assert junk.date is None


def test_loop_headers() -> None:
    auto = parse("public/sisimai/rfc3834-01.eml").loop
    assert auto.auto_submitted == "auto-replied"
    dsn = parse("public/sisimai/lhost-postfix-01.eml").loop
    assert (dsn.content_type, dsn.report_type, dsn.return_path) == (
        "multipart/report",
        "delivery-status",
        "",
    )
    news = parse("public/spamscope-mail-parser/mailchimp-newsletter.eml").loop
    assert news.list_id.endswith("<3f21937f0f636c8cec1db30bf.140953.list-id.mcsv.net>")
    assert news.list_unsubscribe.startswith("<https://")
    plain = parse("public/talon/gmail.eml").loop
    assert plain.return_path is None and plain.auto_submitted == ""
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


def test_path_traversal_filename_is_neutralised() -> None:
    (att,) = parse("public/php-mime-mail-parser/path-traversal-filename.eml").attachments
    assert att.original_filename == "1234/../../1234.txt"
    assert att.filename == "1234.txt"


def test_filename_with_newline_becomes_one_line() -> None:
    (att,) = parse("public/php-mime-mail-parser/filename-with-newline.eml").attachments
    assert att.filename == "Kontoutskrift for 1506.14.90466 Bedriftskonto.pdf"


def test_many_attachments_get_unique_names() -> None:
    atts = parse("public/php-mime-mail-parser/300-attachments.eml").attachments
    assert len(atts) > 300


def test_attached_message_is_an_attachment_not_body() -> None:
    msg = parse("public/php-mime-mail-parser/zimbra-forward.eml")
    assert msg.text == "An RFC 822 forward with a HTML body"
    assert "An original PLAIN TEXT message body" not in msg.text
    assert [(a.filename, a.content_type) for a in msg.attachments] == [
        ("message-1.eml", "message/rfc822")
    ]
    assert msg.attachments[0].size > 1000


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


def test_inline_text_parts_are_concatenated() -> None:
    msg = parse("public/php-mime-mail-parser/iphone-multiple-text-blocks.eml")
    assert "First we have a text block" in msg.text
    assert "Then we have more text" in msg.text
    assert [a.content_type for a in msg.attachments] == ["image/jpeg"]


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


def test_corpus_html_only_message() -> None:
    msg = parse("public/flanker/malformed-headers.eml")
    assert msg.text == "Hello"


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


@pytest.mark.parametrize(
    "rel",
    [
        "public/flanker/malformed-headers.eml",
        "public/flanker/missing-final-boundary.eml",
        "public/flanker/false-multipart.eml",
        "public/spamscope-mail-parser/boundary-mismatch-spam.eml",
        "public/php-mime-mail-parser/php-internals-list-reply.eml",
        "public/mimekit/outlook-express-italian-reply-chain.eml",
        "public/sisimai/lhost-kddi-01.eml",
    ],
)
def test_malformed_messages_list_defects(rel: str) -> None:
    msg = parse(rel)
    assert msg.defects
    assert msg.malformed
    assert all(isinstance(d, str) and d for d in msg.defects)


def test_boundary_mismatch_parts_are_recovered() -> None:
    msg = parse("public/spamscope-mail-parser/boundary-mismatch-spam.eml")
    assert "parts recovered" in " ".join(msg.defects)
    assert "Problemas para visualizar" in msg.text


def test_unindented_header_continuation_is_repaired() -> None:
    msg = parse("public/php-mime-mail-parser/php-internals-list-reply.eml")
    assert msg.subject == "Re: [PHP-DEV] [RFC] Remove PHP 4 Constructors"
    assert msg.from_ is not None and msg.from_.email == "tyra3l@gmail.com"
    assert "DKIM-Signature" not in msg.text


def test_undecodable_utf8_body_is_reported() -> None:
    raw = b"From: a@example.com\nContent-Type: text/plain; charset=utf-8\n\nzm\xc4\x9bna \xff ok\n"
    msg = parse_message(raw)
    assert msg.text == "zm\u011bna \ufffd ok"
    assert any("undecodable bytes replaced" in d for d in msg.defects)


def test_utf8_encoded_word_split_mid_character() -> None:
    # django-helpdesk's "utf-nondecodable": the subject's last character is split across words
    msg = parse("public/django-helpdesk/utf-nondecodable.eml")
    assert msg.subject == "Fwd: Cyklozaměstnavatel - změna vyhodnocení"
    assert "podle domluvy bych Tě poprosila" in msg.text


def test_mutated_corpus_never_raises() -> None:
    rng = random.Random(42)
    samples = [p for p in ALL if (CORPUS / p).stat().st_size < 100_000]
    for rel in rng.sample(samples, 25):
        raw = bytearray((CORPUS / rel).read_bytes())
        for _ in range(20):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        cut = bytes(raw[: rng.randrange(1, len(raw))])
        for data in (bytes(raw), cut):
            msg = parse_message(data)
            assert isinstance(msg, ParsedMessage) and msg.message_id


def test_nesting_deeper_than_the_stack_keeps_headers() -> None:
    raw = b"From: a@example.com\nSubject: deep\nContent-Type: multipart/mixed; boundary=b0\n\n"
    for i in range(1, 5000):
        raw += b"--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n" % (i - 1, i)
    msg = parse_message(raw)
    assert msg.is_mail
    assert msg.subject == "deep"
    assert msg.from_ is not None and msg.from_.email == "a@example.com"
    assert any("body not parsed" in d for d in msg.defects)


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

REPLY_EXPECTED = [
    ("public/talon/android.eml", "Hello"),
    ("public/talon/aol.eml", "Hello"),
    ("public/talon/apple_mail_2.eml", "Hello"),
    ("public/talon/gmail.eml", "Hello"),
    ("public/talon/hotmail.eml", "Hello"),
    ("public/talon/iphone.eml", "Hello\n\nSent from my iPhone"),
    ("public/talon/outlook.eml", "Hello"),
    ("public/talon/sparrow.eml", "Hello"),
    ("public/talon/thunderbird.eml", "Hello"),
    ("public/talon/yahoo.eml", "Hello"),
    ("public/django-helpdesk/forwarded-message.eml", "This is email body"),
    ("public/php-mime-mail-parser/php-internals-list-reply.eml", "+1 from me."),
    ("public/mikel-mail/raw_email_reply.eml", "Message body"),
    ("public/php-mime-mail-parser/zimbra-forward.eml", "An RFC 822 forward with a HTML body"),
    (
        "public/mikel-mail/iso2022jp-filename-fwd.eml",
        "We should not include these files or vcards as attachments.",
    ),
]


@pytest.mark.parametrize(
    ("rel", "expected"), REPLY_EXPECTED, ids=[Path(c[0]).name for c in REPLY_EXPECTED]
)
def test_new_text_of_corpus_replies(rel: str, expected: str) -> None:
    msg = parse(rel)
    assert msg.new_text == expected
    assert msg.new_text != msg.text or rel.endswith(("raw_email_reply.eml", "zimbra-forward.eml"))


def test_reply_quoting_category_is_covered() -> None:
    covered = {rel for rel, _ in REPLY_EXPECTED}
    missing = {p for p, c in INDEX.items() if c == "reply-quoting"} - covered
    # the remaining ones carry no quote to strip; their new text is the whole text
    for rel in missing:
        msg = parse(rel)
        assert msg.new_text == msg.text.strip()


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
    ("no-quote", "just text\n\nsecond paragraph", "just text\n\nsecond paragraph"),
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
