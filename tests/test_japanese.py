"""Japanese mail as it really arrives, end to end through ingest and ``tickets show``."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select

from gateway.runtime.app import App
from store.db import transaction
from store.models import InboxRaw
from tests.support.jis import encode_cp50221
from tests.support.pipeline import deliver, show

SUBJECT = "【至急】サーバ①の障害について ㈱テスト Ⅲ号機"
BODY = "お世話になっております。\r\n㈱テストの山田です。サーバ①が停止しました。ｶﾀｶﾅも。\r\n"


def _encoded_word(text: str) -> bytes:
    return b"=?ISO-2022-JP?B?" + base64.b64encode(encode_cp50221(text)) + b"?="


def _jis_mail(content_type: bytes) -> bytes:
    return (
        b"From: =?ISO-2022-JP?B?" + base64.b64encode(encode_cp50221("山田 太郎")) + b"?= "
        b"<yamada@customer.test>\r\n"
        b"To: support@example.test\r\n"
        b"Subject: " + _encoded_word(SUBJECT) + b"\r\n"
        b"Date: Mon, 2 Mar 2026 10:00:00 +0900\r\n"
        b"Message-ID: <jis-1@customer.test>\r\nMIME-Version: 1.0\r\n"
        + content_type
        + b"Content-Transfer-Encoding: 7bit\r\n\r\n"
        + encode_cp50221(BODY)
    )


def test_the_test_encoder_agrees_with_stdlib_where_stdlib_can() -> None:
    plain = "お世話になっております。漢字テスト"
    assert encode_cp50221(plain) == plain.encode("iso2022_jp")


@pytest.mark.parametrize(
    "content_type",
    [
        b"Content-Type: text/plain; charset=ISO-2022-JP\r\n",
        b"Content-Type: text/plain\r\n",  # no charset label: sniff ESC $ B
        b"",  # no Content-Type at all
    ],
    ids=["labelled", "no-charset", "no-content-type"],
)
def test_iso2022jp_with_nec_extensions(app: App, content_type: bytes) -> None:
    raw = _jis_mail(content_type)
    out = deliver(app, raw)
    t = show(app, out.ticket_id or 0)
    assert t["subject"] == SUBJECT
    msg = t["messages"][0]
    assert msg["subject"] == SUBJECT and "=?" not in msg["subject"]
    assert msg["from_name"] == "山田 太郎"
    assert "サーバ①が停止しました" in msg["text"] and "㈱テスト" in msg["text"]
    assert "ｶﾀｶﾅ" in msg["text"]
    assert "\x1b" not in msg["text"]
    with transaction(app.sessions) as s:
        assert s.scalars(select(InboxRaw.raw)).one() == raw  # byte for byte


def test_shift_jis_label_with_cp932_characters(app: App) -> None:
    body = "髙橋です。～①の件、ご確認ください。"
    raw = (
        b"From: takahashi@customer.test\r\nTo: support@example.test\r\n"
        b"Subject: =?Shift_JIS?B?" + base64.b64encode("髙橋①".encode("cp932")) + b"?=\r\n"
        b"Message-ID: <sjis-1@customer.test>\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=Shift_JIS\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + body.encode("cp932")
    )
    t = show(app, deliver(app, raw).ticket_id or 0)
    assert t["subject"] == "髙橋①"
    assert body in t["messages"][0]["text"]


@pytest.mark.parametrize("where", ["filename", "name"])
@pytest.mark.parametrize("text", ["Shift_JIS", "ISO-2022-JP"])
def test_an_attachment_named_in_raw_shift_jis_keeps_its_name(
    app: App, where: str, text: str
) -> None:
    """Older Japanese clients write the name as raw CP932 bytes, neither RFC 2047 nor
    RFC 2231 (the standard library replaces those bytes with U+FFFD), whatever charset
    their text is in; a name of kanji alone has no kana to be recognised by."""
    name = "見積書①（2026年度）.xlsx".encode("cp932")
    header = (
        b'Content-Type: application/octet-stream; name="' + name + b'"\r\n'
        b"Content-Disposition: attachment\r\n"
        if where == "name"
        else b"Content-Type: application/octet-stream\r\n"
        b'Content-Disposition: attachment; filename="' + name + b'"\r\n'
    )
    raw = (
        b"From: yamada@customer.test\r\nTo: support@example.test\r\n"
        b"Subject: quote\r\nMessage-ID: <sjis-name@customer.test>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset="
        + text.encode()
        + b"\r\n\r\n"
        + "見積書です。".encode("cp932" if text == "Shift_JIS" else "iso-2022-jp")
        + b"\r\n--b\r\n"
        + header
        + b"Content-Transfer-Encoding: base64\r\n\r\nUEsDBA==\r\n--b--\r\n"
    )
    out = deliver(app, raw)
    assert out.ticket_id is not None
    [attachment] = show(app, out.ticket_id)["messages"][0]["attachments"]
    assert attachment["filename"] == "見積書①（2026年度）.xlsx"


def test_an_iso2022jp_request_is_found_by_the_model_number_as_typed(app: App) -> None:
    """ISO-2022-JP carries the customer's ＭＦＣ－Ｌ２７５０ as JIS 0x215D, which the
    standard mapping reads as MINUS SIGN: the ticket was found neither by the string
    the customer typed nor by MFC-L2750, while the same mail in Shift_JIS was."""
    from store import search

    raw = (
        b"From: yamada@customer.test\r\nTo: support@example.test\r\n"
        b"Subject: " + _encoded_word("複合機ＭＦＣ－Ｌ２７５０の件") + b"\r\n"
        b"Message-ID: <jis-model@customer.test>\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=ISO-2022-JP\r\n\r\n"
        + encode_cp50221("３階のＭＦＣ－Ｌ２７５０が１０時～１２時に止まります。\r\n")
    )
    ticket = deliver(app, raw).ticket_id
    t = show(app, ticket or 0)
    assert t["subject"] == "複合機ＭＦＣ－Ｌ２７５０の件"
    assert "ＭＦＣ－Ｌ２７５０が１０時～１２時" in t["messages"][0]["text"]
    with transaction(app.sessions) as s:
        for query in ("ＭＦＣ－Ｌ２７５０", "MFC-L2750", "mfc-l2750"):
            assert search.matching_tickets(s, query) == [ticket], query


def test_iso2022jp_mail_keeps_every_line_within_998_octets() -> None:
    """With ``iso2022jp = true`` the text went out 7bit, one line per paragraph: a
    member's Japanese paragraph of a few hundred characters (Outlook writes one line
    per paragraph) made a line of over 998 octets, which relays refuse or break, and
    a break inside ISO-2022-JP garbles the rest of the line."""
    import email
    import email.policy
    from datetime import UTC, datetime

    from gateway.notify.compose import Envelope, compose
    from gateway.notify.render import Rendered
    from gateway.notify.view_parts import Person

    paragraph = "証明書を更新しましたので、お手数ですが再接続をお試しください。" * 20
    short = "山田様\n\nお世話になっております。\n"
    env = Envelope(
        kind="ops_reply",
        sender=Person("support@example.test", "サポート窓口"),
        to=Person("yamada@customer.test", "山田 太郎"),
        message_id="t1.abc@example.test",
        date=datetime(2026, 12, 4, 1, 0, tzinfo=UTC),
        subject_tag="[#1]",
        charset="iso-2022-jp",
    )
    for text in (short + paragraph + "\n", short):
        raw = compose(env, Rendered("Re: VPN の件", text, f"<p>{text}</p>"))
        assert max(len(line) for line in raw.split(b"\n")) <= 998
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        part = parsed.get_body(preferencelist=("plain",))
        assert part is not None and part.get_content_charset() == "iso-2022-jp"
        assert part.get_content().replace("\r\n", "\n") == text
    # short lines stay 7bit, as old clients read them best
    assert part["Content-Transfer-Encoding"] == "7bit"


@pytest.mark.parametrize(
    ("content_type", "codec"),
    [
        (b"", "cp932"),  # a printer's alert: raw Shift_JIS, half-width, no label at all
        (b"Content-Type: text/plain; charset=iso-8859-1\r\n", "cp932"),  # PHP's mail()
        (b"Content-Type: text/plain; charset=ISO-8859-1\r\n", "euc_jp"),
    ],
    ids=["unlabelled-half-width", "sjis-as-latin1", "euc-as-latin1"],
)
def test_japanese_under_a_western_label_or_none_files_a_japanese_ticket(
    app: App, content_type: bytes, codec: str
) -> None:
    """Such mail was read as Latin-1 (``ÌßØÝÀ ÄÅ°´ÝÄÞ``): a ticket nobody could read,
    acknowledged in English."""
    from tests.support.pipeline import outbox, subject_of

    subject = "ﾌﾟﾘﾝﾀ ｴﾗｰ 3F" if codec == "cp932" else "プリンタのエラー"
    body = "ﾄﾅｰｴﾝﾄﾞ ｺｳｶﾝｼﾃｸﾀﾞｻｲ\r\n" if not content_type else "トナーを交換してください。\r\n"
    raw = (
        b"From: printer@customer.test\r\nTo: support@example.test\r\n"
        b"Subject: " + subject.encode(codec) + b"\r\n"
        b"Message-ID: <alert-1@customer.test>\r\nMIME-Version: 1.0\r\n"
        + content_type
        + b"\r\n"
        + body.encode(codec)
    )
    out = deliver(app, raw)
    t = show(app, out.ticket_id or 0)
    assert t["subject"] == subject
    assert t["messages"][0]["text"] == body.strip()
    [ack] = outbox(app, "acknowledgement")
    assert "お問い合わせを受け付けました" in subject_of(ack)


def test_a_raw_shift_jis_subject_of_kanji_alone_over_an_iso2022jp_body(app: App) -> None:
    """Old mailers and scripts write the subject in raw Shift_JIS and the text in
    ISO-2022-JP; a subject of kanji alone has no kana to be known by, and the ticket
    was titled ``Œ©Ï‘‘—•t``."""
    raw = (
        b"From: yamada@customer.test\r\nTo: support@example.test\r\n"
        b"Subject: " + "【至急】見積書送付".encode("cp932") + b"\r\n"
        b"Message-ID: <raw-kanji@customer.test>\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=ISO-2022-JP\r\n\r\n"
        + encode_cp50221("見積書を送付いたします。\r\n")
    )
    t = show(app, deliver(app, raw).ticket_id or 0)
    assert t["subject"] == "【至急】見積書送付"
