"""An Outlook mail written in rich text whose words are only inside winmail.dat (its
text/plain part empty, or none at all) showed an empty ticket: the words are read out
of TNEF's compressed RTF (PR_RTF_COMPRESSED: LZFu, MS-OXRTFCP), Japanese in code page
932, HTML encapsulated in the RTF read as text (never rendered); a plain body there
(PR_BODY) first. A part with words of its own keeps them. Linear, bounded."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from gateway.pipeline.parse import mime
from gateway.pipeline.parse.lzfu import decompressed
from gateway.pipeline.parse.message import parse_message
from gateway.pipeline.parse.rtf_text import rtf_text
from gateway.pipeline.parse.tnef import tnef_text
from gateway.runtime.app import App
from tests.support.cpu import cpu_within
from tests.support.pipeline import deliver, show
from tests.support.tnef import compressed_rtf, rich_text_winmail

PR_BODY, PR_RTF_COMPRESSED, PR_BODY_HTML = 0x1000, 0x1009, 0x1013
STRING8, UNICODE, BINARY = 0x001E, 0x001F, 0x0102

JAPANESE_RTF = (
    "{\\rtf1\\ansi\\ansicpg932\\deff0{\\fonttbl{\\f0\\fnil\\fcharset128 ＭＳ Ｐゴシック;}}"
    "{\\colortbl;\\red0\\green0\\blue0;}{\\*\\generator Riched20 16.0;}"
    "\\pard\\f0\\fs20 お世話になっております。\\par VPNに接続できません。\\par "
    "{\\b エラー}: 0x800\\par}"
)


def _rtf_bytes(text: str) -> bytes:
    """RTF as Outlook writes it: 8-bit characters as \\'hh escapes of code page 932."""
    out = []
    for ch in text:
        if ord(ch) < 128:
            out.append(ch.encode())
        else:
            out.append(b"".join(b"\\'%02x" % b for b in ch.encode("cp932")))
    return b"".join(out)


def _outlook(tnef: bytes, plain: str | None = "") -> bytes:
    msg = EmailMessage()
    msg["From"] = "Yamada <yamada@customer.test>"
    msg["To"] = "support@example.test"
    msg["Subject"] = "VPN"
    msg["Message-ID"] = "<rich-1@customer.test>"
    if plain is not None:
        msg.set_content(plain)
    msg.add_attachment(tnef, maintype="application", subtype="ms-tnef", filename="winmail.dat")
    return bytes(msg)


def test_lzfu_reads_the_specifications_example() -> None:
    # MS-OXRTFCP 4.1.1: a back-reference into the ring's prologue and the end marker
    data = bytes.fromhex(
        "2d0000002b0000004c5a4675f1c5c7a703000a0072637067313235423"
        "20af32068656c090020627705b06c647d0a800fa0"
    )
    assert decompressed(data) == b"{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n"
    rtf = _rtf_bytes(JAPANESE_RTF)
    assert decompressed(compressed_rtf(rtf)) == rtf
    assert decompressed(compressed_rtf(rtf, stored=True)) == rtf
    assert decompressed(b"not compressed rtf at all") is None


def test_japanese_rich_text_words_come_out_of_winmail_dat(team: App) -> None:
    tnef = rich_text_winmail(
        {PR_RTF_COMPRESSED: (BINARY, compressed_rtf(_rtf_bytes(JAPANESE_RTF)))}
    )
    assert tnef_text(tnef) == "お世話になっております。\nVPNに接続できません。\nエラー: 0x800\n"
    for plain in ("", "\u200b\n", None):  # empty, invisible, no text part at all
        parsed = parse_message(_outlook(tnef, plain))
        assert "VPNに接続できません。" in parsed.text, (plain, parsed.text)
        assert "ＭＳ" not in parsed.text and "Riched20" not in parsed.text
    tid = deliver(team, _outlook(tnef)).ticket_id
    assert tid is not None
    assert "VPNに接続できません。" in show(team, tid)["messages"][0]["text"]


def test_html_inside_the_rtf_is_read_as_text_never_rendered() -> None:
    rtf = (
        b"{\\rtf1\\ansi\\ansicpg1252\\fromhtml1 \\deff0{\\fonttbl{\\f0\\fswiss Arial;}}"
        b"{\\*\\htmltag19 <html>}{\\*\\htmltag34 <head><script>alert(1)</script></head>}"
        b"{\\*\\htmltag64 <p>}\\htmlrtf {\\htmlrtf0 The printer on 3F &amp; 4F jams."
        b"{\\*\\htmltag72 </p>}\\htmlrtf\\par}\\htmlrtf0 {\\*\\htmltag27 </html>}}"
    )
    tnef = rich_text_winmail({PR_RTF_COMPRESSED: (BINARY, compressed_rtf(rtf))}, codepage=1252)
    words = parse_message(_outlook(tnef)).text
    assert "The printer on 3F & 4F jams." in words
    assert "<p>" not in words and "alert" not in words and "htmlrtf" not in words


def test_a_plain_body_in_the_stream_comes_first_and_a_text_part_keeps_its_words() -> None:
    tnef = rich_text_winmail(
        {
            PR_BODY: (UNICODE, "プレーンの本文です。\0".encode("utf-16-le")),
            PR_RTF_COMPRESSED: (BINARY, compressed_rtf(_rtf_bytes(JAPANESE_RTF))),
        }
    )
    assert tnef_text(tnef) == "プレーンの本文です。"
    parsed = parse_message(_outlook(tnef, "The words of the text part.\n"))
    assert parsed.text.strip() == "The words of the text part."
    html_only = rich_text_winmail({PR_BODY_HTML: (BINARY, b"<p>Only <b>HTML</b> here</p>")})
    assert tnef_text(html_only).strip() == "Only HTML here"


def test_unicode_escapes_and_hostile_rtf_cost_linear_time() -> None:
    assert (
        rtf_text(b"{\\rtf1\\uc1 \\u26085?\\u-31169?\\par}")[0] == "日" + chr(65536 - 31169) + "\n"
    )
    hostile = b"{\\rtf1 " + b"{" * 200_000 + b"\\'82" * 200_000 + b"\\*\\x" * 50_000 + b"}"
    winmail = rich_text_winmail({PR_RTF_COMPRESSED: (BINARY, compressed_rtf(hostile))})

    def both() -> None:
        rtf_text(hostile, 932)
        tnef_text(winmail)

    cpu_within(5, both)  # CPU seconds: a loaded machine stretches wall time alone


def test_a_character_beyond_the_bmp_written_as_two_unicode_escapes_comes_out_whole() -> None:
    """Word and Outlook write 🙂 or 𠮷 (Japanese names use it) as a UTF-16 surrogate
    pair, two \\uN each with its stand-in; both signed and unsigned forms occur."""
    smile = b"{\\rtf1\\ansi\\uc1 Thanks \\u-10179?\\u-8638? and \\u55362?\\u57271?\\par}"
    assert rtf_text(smile)[0] == "Thanks \U0001f642 and \U00020bb7\n"
    lone = b"{\\rtf1\\uc1 a\\u-10179?b\\u-8638?c\\u55357?}"
    assert rtf_text(lone)[0] == "a\ufffdb\ufffdc\ufffd"


def test_the_rich_text_is_read_only_for_a_mail_whose_parts_have_no_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Decompressing and reading winmail.dat's RTF costs a second a few MB (a picture
    pasted in it): a mail whose text part has words never needs it, and the most of
    Outlook's rich-text mails have one."""
    calls: list[bytes] = []

    def counted(data: bytes) -> str:
        calls.append(data)
        return tnef_text(data)

    monkeypatch.setattr(mime, "tnef_text", counted)
    rtf = _rtf_bytes(JAPANESE_RTF)
    tnef = rich_text_winmail({PR_RTF_COMPRESSED: (BINARY, compressed_rtf(rtf))})
    parsed = parse_message(_outlook(tnef, "The words of the text part.\n"))
    assert parsed.text.strip() == "The words of the text part."
    assert calls == []
    assert "VPNに接続できません。" in parse_message(_outlook(tnef, "")).text
    assert len(calls) == 1


def test_a_unicode_escape_out_of_range_is_a_replacement_not_a_lost_mail() -> None:
    """\\u-100000 is no character (RTF's are signed 16-bit): chr() of it raised, the
    parser gave up, and the mail came in with no words and none of its files."""
    assert rtf_text(b"{\\rtf1 a\\u-100000?b\\u999999999?c}")[0] == "a\ufffdb\ufffdc"
    tnef = rich_text_winmail(
        {PR_RTF_COMPRESSED: (BINARY, compressed_rtf(b"{\\rtf1 Hello \\u-100000?\\par}"))}
    )
    parsed = parse_message(_outlook(tnef, ""))
    assert parsed.text.strip() == "Hello \ufffd"
    assert [a.filename for a in parsed.attachments] == ["winmail.dat"]
