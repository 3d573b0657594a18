"""What the parser makes of named files of the shared real-world corpus.

The shared corpus lives outside the repository and may be absent: then every test
here is skipped, saying so, and test_parse_fixtures checks the same cases on the
repository's own files. Properties of every message are in test_parse_samples.
"""

from __future__ import annotations

import email
import hashlib
from datetime import UTC, datetime, timedelta
from email.policy import compat32
from pathlib import Path

import pytest

from gateway.core.model import ParsedMessage
from gateway.pipeline.parse.message import parse_message
from tests.support.corpus import needs_shared, shared, shared_samples

pytestmark = needs_shared


def parse(rel: str) -> ParsedMessage:
    return parse_message(shared(rel).raw())


def test_corpus_is_complete() -> None:
    samples = shared_samples()
    assert len(samples) == 120
    assert len(shared_samples("japanese")) == 16
    assert all(s.path.is_file() for s in samples)


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
    raw = shared("public/jpmobile/au-attached.eml").raw()
    std = email.message_from_bytes(raw, policy=compat32)
    jpeg = next(p for p in std.walk() if p.get_content_type() == "image/jpeg")
    payload = jpeg.get_payload(decode=True)
    assert isinstance(payload, bytes)
    (att,) = parse_message(raw).attachments
    assert att.size == len(payload) > 80_000
    assert att.sha256 == hashlib.sha256(payload).hexdigest()


def test_addresses_are_decoded_and_lowercased() -> None:
    msg = parse("public/spamscope-mail-parser/encoded-comma-display-name.eml")
    assert msg.from_ is not None
    assert msg.from_.email == "comma.name@example.com"
    assert msg.from_.name == "LastßlName, FirstName"  # encoded comma did not split the address
    jp = parse("public/mimekit/japanese.eml")
    assert jp.from_ is not None and jp.from_.name == "Atsushi Eno"
    raw = parse("public/flanker/malformed-headers.eml")
    assert raw.from_ is not None and raw.from_.name.startswith("Юникод запрещен")


def test_message_ids_and_references() -> None:
    msg = parse("public/php-mime-mail-parser/php-internals-list-reply.eml")
    assert msg.message_id == "CAH-PCH47Mx9AiP9yWLK+_nv8hpWHyXDjnn-h0sk66gPFOpRPxA@mail.gmail.com"
    assert not msg.message_id_synthetic
    assert msg.in_reply_to == (
        "CAFMT4NpJxuuqc-wTr1aE4K+wZBT8+04j+9-SsY+nhUMU83fDUg@mail.gmail.com",
    )
    empty = parse("public/mikel-mail/empty_in_reply_to.eml")
    assert empty.in_reply_to == ()


def test_dates_are_timezone_aware() -> None:
    msg = parse("public/mimekit/japanese.eml")
    assert msg.date is not None and msg.date.utcoffset() is not None
    kigou = parse("public/jpmobile/au-kigou.eml")
    assert kigou.date == datetime(2013, 6, 14, 10, 15, 10, tzinfo=UTC)
    assert kigou.date is not None and kigou.date.utcoffset() == timedelta(hours=9)


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
        ("Test 5.eml", "message/rfc822")  # named by its Subject
    ]
    assert msg.attachments[0].size > 1000


def test_inline_text_parts_are_concatenated() -> None:
    msg = parse("public/php-mime-mail-parser/iphone-multiple-text-blocks.eml")
    assert "First we have a text block" in msg.text
    assert "Then we have more text" in msg.text
    assert [a.content_type for a in msg.attachments] == ["image/jpeg"]


def test_html_only_message() -> None:
    msg = parse("public/flanker/malformed-headers.eml")
    assert msg.text == "Hello"


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


def test_utf8_encoded_word_split_mid_character() -> None:
    # django-helpdesk's "utf-nondecodable": the subject's last character is split across words
    msg = parse("public/django-helpdesk/utf-nondecodable.eml")
    assert msg.subject == "Fwd: Cyklozaměstnavatel - změna vyhodnocení"
    assert "podle domluvy bych Tě poprosila" in msg.text


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
def test_new_text_of_replies(rel: str, expected: str) -> None:
    msg = parse(rel)
    assert msg.new_text == expected
    assert msg.new_text != msg.text or rel.endswith(("raw_email_reply.eml", "zimbra-forward.eml"))


def test_reply_quoting_category_is_covered() -> None:
    covered = {rel for rel, _ in REPLY_EXPECTED}
    missing = {s.rel for s in shared_samples("reply-quoting")} - covered
    assert missing  # the loop below checks something
    # the remaining ones carry no quote to strip; their new text is the whole text
    for rel in missing:
        msg = parse(rel)
        assert msg.new_text == msg.text.strip()
