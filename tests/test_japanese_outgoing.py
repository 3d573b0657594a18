"""Japanese mail going out, read back as a strict client would read it.

Every header that carries Japanese (the subject, the requester's and the team's
display names) must be encoded words of at most 75 characters (RFC 2047 section 2),
each decodable on its own (no character split between two words, an ISO-2022-JP word
back in ASCII at its end, section 5), on lines of at most 78 columns, and decode back
to exactly the text that went in: clients that read each word alone (Outlook's older
versions, Becky!, many phones) show a split character as garbage and an overlong
word as the raw ``=?…?=``.
"""

from __future__ import annotations

import base64
import binascii
import email
import email.policy
import re
from dataclasses import replace
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import Message

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.i18n import translate
from gateway.notify.compose import Envelope, compose
from gateway.notify.labels import CLOSE_REASONS
from gateway.notify.render import Rendered
from gateway.notify.view_parts import Person
from gateway.runtime.app import build
from tests.support.app import MEMBERS, reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox

_WORD = re.compile(r"=\?([^?*]+)(?:\*[^?]*)?\?([bBqQ])\?([^?]*)\?=")
_QP = re.compile(r"=([0-9A-Fa-f]{2})")


def _word_text(charset: str, encoding: str, payload: str) -> str:
    """One encoded word decoded alone and strictly, as a client that reads word by
    word does: a partial character or a bad padding is an error, not a guess."""
    if encoding in "bB":
        try:
            data = base64.b64decode(payload, validate=True)
        except binascii.Error as exc:
            raise AssertionError(f"bad base64 in an encoded word: {payload!r}") from exc
    else:
        data = _QP.sub(lambda m: chr(int(m[1], 16)), payload.replace("_", " ")).encode("latin-1")
    if charset.lower() == "iso-2022-jp":
        last = data.rfind(b"\x1b")  # the word ends in ASCII (or JIS-Roman)
        assert last < 0 or data[last : last + 3] in (b"\x1b(B", b"\x1b(J"), data
    return data.decode(charset, "strict")


def strictly_decoded(msg: Message, name: str) -> str:
    """The header's value as a strict RFC 2047 reader gets it, after checking its
    words and lines; the stdlib's reading must be the same text."""
    raw = msg.get(name)
    assert isinstance(raw, str), name
    for n, line in enumerate(f"{name}: {raw}".replace("\r\n", "\n").split("\n")):
        assert len(line) <= 78 and (n == 0 or line[:1] in " \t"), (name, line)
    out, last_was_word = [], False
    for piece in re.split(r"(=\?[^?]+\?[bBqQ]\?[^?]*\?=)", re.sub(r"\r?\n[ \t]", " ", raw)):
        found = _WORD.fullmatch(piece)
        if found:
            assert len(piece) <= 75, (name, len(piece), piece)
            out.append(_word_text(*found.groups()))
            last_was_word = True
        elif piece:
            if not (last_was_word and piece.isspace()):  # space between words is not text
                out.append(piece)
            last_was_word = last_was_word and piece.isspace()
    text = "".join(out)
    stdlib = str(make_header(decode_header(raw)))
    assert stdlib == text, (stdlib, text)
    return text


def _parsed(raw: bytes) -> Message:
    return email.message_from_bytes(raw, policy=email.policy.compat32)


LONG_SUBJECT = (
    "【至急】東京本社３階の複合機が朝から印刷できず、営業部の見積書が出せない件について"
    "（再送）お手数ですがご確認をお願いいたします。よろしくお願いいたします。"
)
NAMES = [
    "山田 太郎",
    "株式会社テスト「営業部」山田, 太郎 @本社",
    "サポート窓口（情報システム部 ヘルプデスク 東京・大阪・名古屋 共通窓口）",
    "情報システム部ヘルプデスク東京大阪名古屋福岡札幌仙台広島共通窓口担当者一同",
    '山田"太郎\\',
    "Yamada, Taro (営業)",
]


@pytest.mark.parametrize("charset", ["utf-8", "iso-2022-jp"])
@pytest.mark.parametrize("name", NAMES)
def test_japanese_names_and_subjects_are_encoded_words_a_strict_client_reads(
    charset: str, name: str
) -> None:
    """A long display name was one encoded word of up to 150 characters on one line of
    as many: ``formataddr`` does not split. Names with 「」, a comma or an @ must come
    back as one name, the address untouched."""
    env = Envelope(
        kind="ops_reply",
        sender=Person("support@example.test", name),
        to=Person("yamada@customer.test", name),
        message_id="t1.abc@example.test",
        date=datetime(2026, 12, 4, 1, 0, tzinfo=UTC),
        subject_tag="[#1]",
        reply_to="support+1-abc@example.test",
        charset=charset,
    )
    raw = compose(env, Rendered("Re: " + LONG_SUBJECT, "本文です。\n", "<p>本文です。</p>"))
    msg = _parsed(raw)
    assert strictly_decoded(msg, "Subject") == "[#1] Re: " + LONG_SUBJECT
    modern = email.message_from_bytes(raw, policy=email.policy.default)
    for header, address in (
        ("From", "support@example.test"),
        ("To", "yamada@customer.test"),
        ("Reply-To", "support+1-abc@example.test"),
    ):
        decoded = strictly_decoded(msg, header)
        assert decoded.endswith(f"<{address}>"), decoded
        # Python before 3.14 keeps the space between two encoded words of a display
        # name (cpython gh-128110), against RFC 2047 section 6.2: one name, one address
        [person] = modern[header].addresses
        assert person.addr_spec == address, header
        assert person.display_name.replace(" ", "") == name.replace(" ", ""), header
        assert not modern[header].defects, (header, modern[header].defects)
    if charset == "iso-2022-jp" and "\\" not in name:
        assert "=?iso-2022-jp?" in msg["From"] or name.isascii()


@pytest.mark.parametrize("iso2022jp", [False, True])
def test_a_long_japanese_requester_name_and_subject_through_ack_and_relayed_answer(
    settings: Settings, clock: FakeClock, iso2022jp: bool
) -> None:
    """Through the real path: the request's From name and subject come back in the
    acknowledgement and in the member's answer relayed to the requester."""
    name = NAMES[3]
    gateway = replace(settings.gateway, iso2022jp=iso2022jp)
    app = build(replace(settings, members=MEMBERS, gateway=gateway), clock)
    try:
        request = mail(
            subject=LONG_SUBJECT,
            body="お世話になっております。印刷できません。\n",
            sender=f'"{name}" <yamada@customer.test>',
            message_id="<jp-long@customer.test>",
        )
        tid = deliver(app, request).ticket_id
        assert tid is not None
        deliver(
            app,
            mail(
                subject=f"Re: [#{tid}] 印刷",
                body="山田様\n\nお世話になっております。ドライバを更新しました。\n",
                sender="ops@example.test",
                to=reply_address(app, tid, "ops@example.test"),
            ),
        )
        [ack] = outbox(app, "acknowledgement")
        [answer] = outbox(app, "ops_reply")
        for row in (ack, answer):
            msg = _parsed(row.raw)
            assert LONG_SUBJECT in strictly_decoded(msg, "Subject")
            assert strictly_decoded(msg, "To") == f"{name} <yamada@customer.test>"
            assert max(len(line) for line in row.raw.split(b"\r\n")) <= 998
    finally:
        app.close()


@pytest.mark.parametrize("charset", ["utf-8", "iso-2022-jp"])
@pytest.mark.parametrize(
    "filename",
    [
        "見積書.xlsx",
        "見積書（2026年度版）東京本社 営業部 最終確定版・山田確認済み.xlsx",
        "見積書①～ｶﾅ.xlsx",  # no JIS code: UTF-8 words in an ISO-2022-JP mail
    ],
)
def test_a_relayed_japanese_file_name_is_read_by_old_and_new_clients(
    charset: str, filename: str
) -> None:
    """RFC 2231 (``filename*=``) alone is unknown to older Outlook, Becky! and the
    Japanese clients that read ISO-2022-JP mail: they show ``見積書.xlsx`` as
    ``ATT00001.bin`` or as percent signs. The type's ``name`` carries the name as
    encoded words too (as Outlook and Gmail write it), each within 75 characters on a
    line within 78; the disposition keeps RFC 2231 for the clients that read it first."""
    from gateway.notify.compose import Enclosure

    env = Envelope(
        kind="ops_reply",
        sender=Person("support@example.test", "サポート窓口"),
        to=Person("yamada@customer.test", "山田 太郎"),
        message_id="t1.abc@example.test",
        date=datetime(2026, 12, 4, 1, 0, tzinfo=UTC),
        charset=charset,
    )
    files = (Enclosure(filename, "application/vnd.ms-excel", b"PK\x03\x04"),)
    raw = compose(env, Rendered("見積書の件", "添付します。\n", "<p>添付します。</p>"), files)
    msg = _parsed(raw)
    [part] = [p for p in msg.walk() if p.get_content_type() == "application/vnd.ms-excel"]
    content_type = part["Content-Type"]
    for n, line in enumerate(f"Content-Type: {content_type}".split("\r\n")):
        assert len(line) <= 78 and (n == 0 or line[:1] in " \t"), line
    name = part.get_param("name")
    assert isinstance(name, str)
    words = _WORD.findall(name)
    assert words and all(len(w) <= 75 for w in re.findall(r"=\?[^?]+\?[bBqQ]\?[^?]*\?=", name))
    assert "".join(_word_text(*w) for w in words) == filename
    assert str(make_header(decode_header(name))) == filename
    assert part.get_filename() == filename  # RFC 2231, read first by those that know it
    modern = email.message_from_bytes(raw, policy=email.policy.default)
    assert [a.get_filename() for a in modern.iter_attachments()] == [filename]


def test_what_windows_types_goes_out_in_iso_2022_jp_as_windows_clients_write_it() -> None:
    """～ and － are what a Japanese IME on Windows types (10時～12時, ＭＦＣ－Ｌ２７５０);
    the iso2022_jp codec knows them only as 〜 and −, so with ``iso2022jp = true`` almost
    every answer a member wrote on Windows went out in UTF-8, which the old clients the
    setting is for cannot read. They go out as the JIS codes Windows writes for them
    (CP50220), and come back as the same text."""
    from gateway.pipeline.parse.message import parse_message

    words = "３階のＭＦＣ－Ｌ２７５０は１０時～１２時に停止します（∥ ￠ ￡ ￢）。"
    env = Envelope(
        kind="ops_reply",
        sender=Person("support@example.test", "サポート～窓口"),
        to=Person("yamada@customer.test", "山田 太郎"),
        message_id="t1.abc@example.test",
        date=datetime(2026, 12, 4, 1, 0, tzinfo=UTC),
        subject_tag="[#1]",
        charset="iso-2022-jp",
    )
    raw = compose(env, Rendered("Re: １０時～１２時の停止", words + "\n", f"<p>{words}</p>"))
    msg = _parsed(raw)
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            assert part.get_content_charset() == "iso-2022-jp"
    assert "=?iso-2022-jp?" in msg["Subject"] and "=?iso-2022-jp?" in msg["From"]
    # the standard mapping reads the JIS codes as 〜 and −, the same characters
    assert strictly_decoded(msg, "Subject") == "[#1] Re: １０時〜１２時の停止"
    back = parse_message(raw)
    assert back.subject == "[#1] Re: １０時～１２時の停止"
    assert back.from_ is not None and back.from_.name == "サポート～窓口"
    assert back.text.strip() == words


def test_with_a_character_jis_has_not_the_windows_forms_stay_as_typed_in_utf_8() -> None:
    env = Envelope(
        kind="ops_reply",
        sender=Person("support@example.test", "サポート"),
        to=Person("yamada@customer.test", "山田 太郎"),
        message_id="t1.abc@example.test",
        date=datetime(2026, 12, 4, 1, 0, tzinfo=UTC),
        charset="iso-2022-jp",
    )
    raw = compose(env, Rendered("１０時～１２時 ①", "１０時～１２時 ①\n", "<p>①</p>"))
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    body = msg.get_body(("plain",))
    assert body is not None and body.get_content_charset() == "utf-8"
    assert body.get_content().strip() == "１０時～１２時 ①"
    assert msg["Subject"] == "１０時～１２時 ①"


@pytest.mark.parametrize("text", ["お問い合わせの件です。", "①の件です。"])
def test_the_html_part_declares_the_charset_it_is_sent_in(text: str) -> None:
    """The layout says ``<meta charset="utf-8">``; an ISO-2022-JP mail's HTML part said
    UTF-8 inside and ISO-2022-JP outside, and Outlook (and the IE component older
    Japanese clients show HTML with) takes the meta tag's word: mojibake."""
    from gateway.notify.render import Renderer
    from tests.support.samples import SAMPLES

    parts = Renderer().render(SAMPLES[0], "ja")
    parts = Rendered(parts.subject, parts.text + text, parts.html.replace("</p>", text, 1))
    env = Envelope(
        kind="acknowledgement",
        sender=Person("support@example.test", "サポート窓口"),
        to=Person("yamada@customer.test", "山田 太郎"),
        message_id="t1.abc@example.test",
        date=datetime(2026, 12, 4, 1, 0, tzinfo=UTC),
        charset="iso-2022-jp",
    )
    msg = email.message_from_bytes(compose(env, parts), policy=email.policy.default)
    html = msg.get_body(("html",))
    assert html is not None
    declared = re.findall(r"""<meta[^>]*charset=["']?([\w.:-]+)""", html.get_content(), re.I)
    assert declared == [html.get_content_charset()]
    assert html.get_content_charset() == ("utf-8" if "①" in text else "iso-2022-jp")


def test_a_customer_is_not_told_their_request_was_neglected() -> None:
    """The inventory's close reason reaches the requester in the status mail: say what
    happened (no activity for a long time), not the team's word for the pile (放置)."""
    assert translate(CLOSE_REASONS["stale"], "ja") == "長期間更新なし"
    assert translate(CLOSE_REASONS["stale"], "en") == "no recent activity"
