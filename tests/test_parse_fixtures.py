"""What the parser makes of the repository's own message files (tests/data/mail).

The same cases test_parse_shared checks on the shared real-world corpus, on files
we wrote, so they run in every clone: Japanese encodings, attachment names,
addresses and loop headers, broken MIME, line endings, HTML-only mail and reply
quoting. Tables name each file; a table must cover its whole category, so a new
fixture comes with its expectation.
"""

from __future__ import annotations

import email
import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from email.policy import compat32
from pathlib import Path

import pytest

from gateway.core.model import ParsedMessage
from gateway.pipeline import loops
from gateway.pipeline.loops import LoopVerdict
from gateway.pipeline.parse.attachment_data import attachment_data
from gateway.pipeline.parse.message import parse_message
from tests.support.corpus import OWN_ROOT, is_machine, own_samples
from tests.support.mailgen.japanese import NEC_IBM

GATEWAY = "support@example.test"


def parse(rel: str) -> ParsedMessage:
    return parse_message((OWN_ROOT / rel).read_bytes())


def _ids(table: Iterable[tuple[object, ...]]) -> list[str]:
    return [Path(str(row[0])).name for row in table]


# --- Japanese ------------------------------------------------------------------------------

JAPANESE_EXPECTED: list[tuple[str, str | None, list[str]]] = [
    # (file, subject or None when another test checks it, substrings of the text)
    (
        "japanese/iso2022jp-thunderbird.eml",
        "サーバ移行のお知らせについての確認依頼（第二版）",
        ["来週のサーバ移行について確認させてください。"],
    ),
    (
        "japanese/iso2022jp-nec-ibm-outlook.eml",
        "【至急】サーバ①の障害 ㈱テスト Ⅲ号機",
        ["サーバ①が停止しました。", NEC_IBM],
    ),
    (
        "japanese/iso2022jp-halfwidth-katakana.eml",
        "ﾃｽﾄ ｶﾀｶﾅ ﾒｰﾙ",
        ["ﾊﾝｶｸｶﾀｶﾅのﾃｽﾄです。", "全角カナと ﾊﾝｶｸ が混ざります。"],
    ),
    (
        "japanese/jis-unlabelled-raw-subject.eml",
        "会議室の予約について",
        ["三階の大会議室は空いていますか。"],
    ),
    ("japanese/jis-c6226-escape.eml", "旧いエスケープ", ["日本語の本文です。"]),
    (
        "japanese/shift_jis-docomo-emoji.eml",
        None,
        ["本文です。波ダッシュ～と丸数字①と髙。", "For docomo"],
    ),
    ("japanese/cp932-label.eml", "Re: 【確認】テスト", ["テストです。㈱", "iPhoneから送信"]),
    (
        "japanese/shift_jis-unlabelled.eml",
        "見積もりのお願い",
        ["このメールはテスト用のメールです。", "今後ともよろしくお願い申し上げます！"],
    ),
    ("japanese/utf8-raw-subject.eml", "納品書の送付について", ["納品書を送付いたします。"]),
    ("japanese/utf8-multipart.eml", "Re: 【NKSC】テスト", ["丸と二重丸: ○◎", "iPhoneから送信"]),
    ("japanese/euc-jp.eml", "EUC-JPのメール", ["日本語のテキストです。ｶﾅもあります。"]),
    ("japanese/iso2022jp-attachment-names.eml", "見積書の送付", ["見積書を添付します。"]),
    ("japanese/iso2022jp-no-subject-attachment.eml", "", ["本文です。件名はありません。"]),
    (
        "japanese/iso2022jp-cyrillic.eml",
        "ЖД№41 от 28.09.2026",
        ["Накладная ЖД№41 во вложении.", "よろしくお願いします。"],
    ),
    # from the exploratory round over intake (tests/test_intake_untried.py says the rest)
    (
        "japanese/untried-cp932-labelled-jis.eml",
        "プリンタ故障の件",
        ["プリンタ①が動きません。① ㈱ 髙 﨑 ～"],
    ),
    ("japanese/untried-utf8-labelled-jis.eml", "Network slow", ["ネットワークが遅い～です"]),
    ("japanese/untried-sjis-word-split.eml", "会議室の予約ができません", ["会議室の件です。"]),
    ("japanese/untried-jis-word-split.eml", "髙﨑①の件", ["髙﨑です。"]),
    ("japanese/untried-utf8-bom-base64.eml", "BOM in the body", ["ログインできません。"]),
    ("japanese/untried-rfc2231-utf8-continued.eml", "Quote attached", ["見積書を添付します。"]),
    ("japanese/untried-rfc2231-shift-jis.eml", "Invoice", ["請求書です。"]),
    ("japanese/untried-rfc2231-iso-2022-jp.eml", "Report", ["報告書です。"]),
    ("japanese/untried-euc-labelled-sjis.eml", "DB error", ["データベースの接続エラーが出ます。"]),
    (
        "japanese/untried-jis-no-reset.eml",
        "JIS lines",
        ["サーバが落ちました\nhost: web01 (10.0.0.5)\n確認をお願いします"],
    ),
    ("japanese/untried-cp932-raw-headers.eml", "印刷できない①", ["印刷できません。"]),
    ("japanese/untried-iso-2022-jp-2.eml", "ISO-2022-JP-2", ["Café 日本語 Ελληνικά"]),
]


def test_japanese_table_covers_every_japanese_fixture() -> None:
    assert {row[0] for row in JAPANESE_EXPECTED} == {s.rel for s in own_samples("japanese")}


@pytest.mark.parametrize(
    ("rel", "subject", "snippets"), JAPANESE_EXPECTED, ids=_ids(JAPANESE_EXPECTED)
)
def test_japanese_content(rel: str, subject: str | None, snippets: list[str]) -> None:
    msg = parse(rel)
    if subject is not None:
        assert msg.subject == subject
    for snippet in snippets:
        assert snippet in msg.text


def test_carrier_emoji_subject_keeps_the_text() -> None:
    subject = parse("japanese/shift_jis-docomo-emoji.eml").subject
    assert subject.startswith("題名")
    tail = subject[len("題名") :]
    # carrier emoji survive as private-use code points, never as unrelated kanji
    assert tail and all(0xE000 <= ord(ch) <= 0xF8FF for ch in tail)


@pytest.mark.parametrize(
    ("rel", "name"),
    [
        ("japanese/iso2022jp-thunderbird.eml", "山田 太郎"),
        ("japanese/iso2022jp-nec-ibm-outlook.eml", "鈴木 一郎"),
        ("japanese/iso2022jp-attachment-names.eml", "佐藤 花子"),
        ("reply-quoting/outlook-ja-header-block.eml", "鈴木"),
    ],
)
def test_japanese_display_names(rel: str, name: str) -> None:
    msg = parse(rel)
    assert msg.from_ is not None and msg.from_.name == name


def test_japanese_attachment_names() -> None:
    names = [a.filename for a in parse("japanese/iso2022jp-attachment-names.eml").attachments]
    assert names == ["見積書①.pdf", "かきくけこ" * 5 + ".txt"]
    gif = parse("japanese/iso2022jp-no-subject-attachment.eml").attachments
    assert [(a.filename, a.content_type) for a in gif] == [("Transparent.gif", "image/gif")]


def test_attachment_size_and_hash_come_from_decoded_bytes() -> None:
    raw = (OWN_ROOT / "japanese/iso2022jp-no-subject-attachment.eml").read_bytes()
    std = email.message_from_bytes(raw, policy=compat32)
    gif = next(p for p in std.walk() if p.get_content_type() == "image/gif")
    payload = gif.get_payload(decode=True)
    assert isinstance(payload, bytes) and payload.startswith(b"GIF89a")
    (att,) = parse_message(raw).attachments
    assert att.size == len(payload)
    assert att.sha256 == hashlib.sha256(payload).hexdigest()


# --- addresses, ids, dates, loop headers ---------------------------------------------------


@pytest.mark.parametrize(
    ("rel", "name", "address"),
    [
        ("mime-edge/encoded-comma-display-name.eml", "Yamada, Taro", "taro.yamada@customer.test"),
        ("mime-edge/raw-8bit-headers.eml", "Юникод запрещен", "unicode@customer.test"),
        ("list/majordomo-8bit-from.eml", "José García", "jose@customer.test"),
        ("mime-edge/bom-and-blank-lines.eml", "", "q.user@customer.test"),
    ],
)
def test_addresses_are_decoded_and_lowercased(rel: str, name: str, address: str) -> None:
    msg = parse(rel)
    assert msg.from_ is not None and (msg.from_.name, msg.from_.email) == (name, address)


def test_message_ids_and_references() -> None:
    reply = parse("reply-quoting/gmail-alternative.eml")
    assert reply.message_id == "reply-gmail-1@customer.test" and not reply.message_id_synthetic
    assert reply.in_reply_to == ("ack-1.0123456789abcdef@example.test",)
    empty = parse("list/list-reply-empty-in-reply-to.eml")
    assert empty.in_reply_to == () and empty.references == ("toner-1@customer.test",)
    for rel in ("mime-edge/no-message-id.eml", "bounce/qmail-failure-notice.eml"):
        msg = parse(rel)
        assert msg.message_id_synthetic and msg.message_id.endswith("@synthetic.invalid")


def test_dates_are_timezone_aware() -> None:
    msg = parse("japanese/iso2022jp-thunderbird.eml")
    assert msg.date == datetime(2026, 3, 2, 0, 30, tzinfo=UTC)
    assert msg.date is not None and msg.date.utcoffset() == timedelta(hours=9)


def test_loop_headers() -> None:
    auto = parse("auto-reply/vacation-rfc3834.eml").loop
    assert auto.auto_submitted == "auto-replied (vacation)"
    dsn = parse("bounce/postfix-dsn.eml").loop
    assert (dsn.content_type, dsn.report_type, dsn.return_path) == (
        "multipart/report",
        "delivery-status",
        "",
    )
    news = parse("list/newsletter.eml").loop
    assert news.list_id == "<1234.list-id.vendor.customer.test>"
    assert news.list_unsubscribe.startswith("<https://") and news.precedence == "bulk"
    plain = parse("plain/plain-request.eml").loop
    assert plain.return_path is None and plain.auto_submitted == ""


@pytest.mark.parametrize("rel", [s.rel for s in own_samples() if is_machine(s)])
def test_bounces_and_auto_replies_may_never_be_answered(rel: str) -> None:
    msg = parse(rel)
    allowed, why = loops.may_auto_answer(msg, loops.verdict(msg, GATEWAY), {GATEWAY})
    assert not allowed and why


@pytest.mark.parametrize("rel", [s.rel for s in own_samples("list")])
def test_list_mail_is_list_mail(rel: str) -> None:
    assert loops.verdict(parse(rel), GATEWAY) == LoopVerdict.LIST


@pytest.mark.parametrize("rel", [s.rel for s in own_samples("plain")])
def test_a_person_may_be_answered(rel: str) -> None:
    msg = parse(rel)
    assert loops.may_auto_answer(msg, loops.verdict(msg, GATEWAY), {GATEWAY}) == (True, "")


# --- attachments and body selection ----------------------------------------------------------


def test_path_traversal_filenames_are_neutralised() -> None:
    atts = parse("mime-edge/path-traversal-filename.eml").attachments
    assert atts[0].original_filename == "1234/../../1234.txt"
    assert [a.filename for a in atts] == ["1234.txt", "win.ini", "passwd", "hidden"]


def test_filename_with_newline_becomes_one_line() -> None:
    (att,) = parse("mime-edge/filename-with-newline.eml").attachments
    assert att.filename == "Kontoutskrift 2026.pdf"


def test_many_attachments_are_all_kept() -> None:
    atts = parse("mime-edge/many-attachments.eml").attachments
    assert len(atts) == 40 and len({a.sha256 for a in atts}) == 40


def test_attached_message_is_an_attachment_not_body() -> None:
    msg = parse("reply-quoting/forward-as-attachment.eml")
    assert msg.text == "An RFC 822 forward with a HTML body"
    assert "An original PLAIN TEXT message body" not in msg.text
    assert [(a.filename, a.content_type) for a in msg.attachments] == [
        ("Original.eml", "message/rfc822")  # named by its Subject
    ]


def test_inline_text_parts_are_concatenated() -> None:
    msg = parse("mime-edge/inline-text-between-attachments.eml")
    assert msg.text == "First we have a text block.\nThen we have more text."
    assert [a.content_type for a in msg.attachments] == ["image/png"]


def test_a_uuencoded_file_in_the_text_is_an_attachment() -> None:
    """Old clients put a file in the text as uuencode: a reader sees a file, not lines of
    noise; the words around it stay, and a sentence that merely starts "begin 644" too."""
    raw = (OWN_ROOT / "mime-edge/uuencode-in-text.eml").read_bytes()
    msg = parse_message(raw)
    data = b"line 1 of the log\nline 2: \x00\xff binary too\n" * 3
    assert [(a.filename, a.content_type, a.size) for a in msg.attachments] == [
        ("server log.txt", "text/plain", len(data))
    ]
    assert msg.attachments[0].sha256 == hashlib.sha256(data).hexdigest()
    assert attachment_data(raw, msg.attachments[0].sha256) == data  # the download too
    assert msg.text == (
        "Here is the log from the server.\n\nRegards, Doug\n\n"
        "begin 644 is how the old tools start such a block."
    )


@pytest.mark.parametrize(
    ("rel", "text"),
    [
        ("html/html-only.eml", "Hello\n\nFish & chips <3\n\nline one\nline two\n\na\nb"),
        ("html/html-only-meta-charset.eml", "日本語①の本文"),
        ("html/decomail-related.eml", "テストです。"),
        ("html/html-only-windows-1252-qp.eml", "Café & crème brûlée – twice a week"),
    ],
)
def test_html_only_mail_gets_clean_text(rel: str, text: str) -> None:
    msg = parse(rel)
    assert msg.text == text and msg.html
    for hidden in ("alert", "color", "Title text", "<b", "</", "&amp;", "&nbsp;"):
        assert hidden not in msg.text


def test_calendar_and_tnef_are_attachments() -> None:
    invite = parse("invite-tnef/calendar-invite.eml")
    assert invite.text == "You have been invited to: VPN review"
    assert [a.content_type for a in invite.attachments] == ["text/calendar", "application/ics"]
    tnef = parse("invite-tnef/tnef-winmail.eml")
    assert tnef.text == "Привет, см. вложение."
    assert [(a.filename, a.content_type) for a in tnef.attachments] == [
        ("winmail.dat", "application/ms-tnef")
    ]


# --- malformed input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rel",
    [
        "mime-edge/raw-8bit-headers.eml",
        "mime-edge/missing-final-boundary.eml",
        "mime-edge/false-multipart.eml",
        "mime-edge/boundary-mismatch.eml",
        "mime-edge/unindented-header-continuation.eml",
        "mime-edge/unknown-charsets.eml",
        "mime-edge/undecodable-utf8.eml",
        "mime-edge/bom-and-blank-lines.eml",
        "mime-edge/empty-multipart.eml",
        "japanese/shift_jis-unlabelled.eml",
        "list/majordomo-8bit-from.eml",
    ],
)
def test_malformed_messages_list_defects(rel: str) -> None:
    msg = parse(rel)
    assert msg.defects and msg.malformed
    assert all(isinstance(d, str) and d for d in msg.defects)


@pytest.mark.parametrize(
    "rel",
    [
        "japanese/iso2022jp-thunderbird.eml",
        "japanese/iso2022jp-nec-ibm-outlook.eml",
        "japanese/cp932-label.eml",
        "bounce/postfix-dsn.eml",
        "mime-edge/crlf-sendmail-bounce.eml",
        "plain/plain-request.eml",
    ],
)
def test_well_formed_messages_list_no_defects(rel: str) -> None:
    assert parse(rel).defects == ()


def test_broken_multiparts_keep_their_text() -> None:
    missing = parse("mime-edge/missing-final-boundary.eml")
    assert missing.text == (
        "The first part is complete.\nThe message ends without a closing boundary."
    )
    false = parse("mime-edge/false-multipart.eml")
    assert false.text == "This body says it is multipart but has no boundary lines at all."
    mismatch = parse("mime-edge/boundary-mismatch.eml")
    assert "parts recovered" in " ".join(mismatch.defects)
    assert "Problems viewing this message?" in mismatch.text
    assert parse("mime-edge/empty-multipart.eml").text == ""
    epilogue = parse("mime-edge/epilogue-and-empty-part.eml")
    assert epilogue.text == "The real text."
    assert [(a.filename, a.size) for a in epilogue.attachments] == [("empty.bin", 0)]


def test_unindented_header_continuation_is_repaired() -> None:
    msg = parse("mime-edge/unindented-header-continuation.eml")
    assert msg.subject == "Re: [ops-l] Remove old constructors"
    assert msg.from_ is not None and msg.from_.email == "g.user@customer.test"
    assert "DKIM-Signature" not in msg.text and msg.new_text == "+1 from me."


@pytest.mark.parametrize(
    ("rel", "subject", "text"),
    [
        (
            "mime-edge/utf8-encoded-word-split.eml",
            "Fwd: Změna vyhodnocení",
            "Podle domluvy posílám změnu.",
        ),
        (
            "mime-edge/unknown-charsets.eml",
            "Café menu",
            "Plain ASCII under a charset label nobody knows.",
        ),
        ("mime-edge/hebrew-iso-8859-8-i.eml", "שלום עולם", "שלום, זו הודעת בדיקה."),
        ("mime-edge/utf7-subject.eml", "Die Frösche", "Die Frösche quaken."),
        (
            "mime-edge/raw-8bit-headers.eml",
            "Café au lait",
            "Undeclared 8-bit bytes above: UTF-8 in From, Latin-1 in Subject.",
        ),
        (
            "plain/latin1-pine.eml",
            "Problème d'imprimante",
            "L'imprimante du 3e étage ne marche plus.",
        ),
        (
            "auto-reply/windows-1252-automatic-reply.eml",
            "Automatic reply: Réunion de mars",
            "Je suis absente jusqu'au 9 mars. Réunion reportée — merci.",
        ),
    ],
)
def test_charsets_decode(rel: str, subject: str, text: str) -> None:
    msg = parse(rel)
    assert (msg.subject, msg.text) == (subject, text)


def test_transfer_encoding_with_a_trailing_semicolon_is_decoded() -> None:
    msg = parse("mime-edge/cte-with-semicolon.eml")
    assert msg.text == "Café crème, décodé malgré le point-virgule."
    assert any("Content-Transfer-Encoding read as 'quoted-printable'" in d for d in msg.defects)


def test_undecodable_utf8_body_is_reported() -> None:
    msg = parse("mime-edge/undecodable-utf8.eml")
    assert msg.text == "Dobrý den, posílám změnu vyhodnocení. \ufffd Děkuji."
    assert any("undecodable bytes replaced" in d for d in msg.defects)


def test_empty_headers_are_empty_values() -> None:
    msg = parse("mime-edge/empty-header-values.eml")
    assert (msg.subject, msg.cc, msg.reply_to, msg.in_reply_to, msg.references) == (
        "",
        (),
        (),
        (),
        (),
    )


def test_a_very_long_subject_stays_one_line() -> None:
    subject = parse("mime-edge/long-header.eml").subject
    assert len(subject) > 18_000 and subject.startswith("A very long subject that keeps")


@pytest.mark.parametrize(
    ("rel", "subject", "sender", "snippet"),
    [
        (
            "mime-edge/crlf-sendmail-bounce.eml",
            "Returned mail: see transcript for details",
            "mailer-daemon@relay.customer.test",
            "The following addresses had permanent fatal errors",
        ),
        (
            "mime-edge/cr-only-exim-bounce.eml",
            "Mail delivery failed: returning message to sender",
            "mailer-daemon@mx2.customer.test",
            "could not be delivered to one or more of its\n",
        ),
        (
            "mime-edge/bom-and-blank-lines.eml",
            "After a BOM and blank lines",
            "q.user@customer.test",
            "after a byte order mark",
        ),
    ],
)
def test_line_endings_other_than_lf(rel: str, subject: str, sender: str, snippet: str) -> None:
    msg = parse(rel)
    assert msg.subject == subject
    assert msg.from_ is not None and msg.from_.email == sender
    assert snippet in msg.text and "\r" not in msg.text


def test_mixed_line_endings_become_newlines() -> None:
    assert parse("mime-edge/mixed-line-endings.eml").text == (
        "LF line\nCRLF line\nbare CR line\n\nlast line"
    )


# --- reply splitting --------------------------------------------------------------------------

REPLY_EXPECTED: list[tuple[str, str]] = [
    ("reply-quoting/gmail-alternative.eml", "Hello"),
    ("reply-quoting/gmail-ja.eml", "了解しました。"),
    ("reply-quoting/outlook-en-header-block.eml", "Done, thanks."),
    ("reply-quoting/outlook-ja-header-block.eml", "対応しました。"),
    # format=flowed: the soft break's space stays, the lines join
    ("reply-quoting/thunderbird-ja-flowed.eml", "確認します。 明日までにお返事します。"),
    ("reply-quoting/iphone-ja.eml", "はい、お願いします。\n\niPhoneから送信"),
    ("reply-quoting/apple-mail-en.eml", "Hello"),
    ("reply-quoting/original-message.eml", "This is email body"),
    ("reply-quoting/yahoo-original-message.eml", "ok"),
    ("reply-quoting/forwarded-message.eml", "FYI, the printer again."),
    ("reply-quoting/signature-ja.eml", "本文です。"),
    ("reply-quoting/bottom-posting.eml", "yes, it works!"),
    ("reply-quoting/iphone-en.eml", "Hello\n\nSent from my iPhone"),
    ("reply-quoting/forward-as-attachment.eml", "An RFC 822 forward with a HTML body"),
    ("reply-quoting/windows-live-base64.eml", "Thanks, it works."),
]
# What the parser does not get right yet (strict: the test fails once it does).
REPLY_GAPS: dict[str, str] = {}


def test_reply_table_covers_every_reply_fixture() -> None:
    assert {rel for rel, _ in REPLY_EXPECTED} == {s.rel for s in own_samples("reply-quoting")}


@pytest.mark.parametrize(
    ("rel", "expected"),
    [
        pytest.param(
            rel,
            expected,
            id=Path(rel).name,
            marks=[pytest.mark.xfail(reason=REPLY_GAPS[rel], strict=True)]
            if rel in REPLY_GAPS
            else [],
        )
        for rel, expected in REPLY_EXPECTED
    ],
)
def test_new_text_of_replies(rel: str, expected: str) -> None:
    msg = parse(rel)
    assert msg.new_text == expected
    assert msg.new_text != msg.text or rel.endswith("forward-as-attachment.eml")
