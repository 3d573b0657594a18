"""Hostile RTF inside winmail.dat (Outlook's rich-text body) must never raise out of
the reader nor show what the RTF hides: a ``\\uN`` whose negative value is out of the
16-bit range is one replacement character (it raised ValueError, so the customer's
mail became no ticket); groups nested past the depth limit inside a hidden
destination stay hidden (their closing braces ended the hidden group early, so a
document's hidden text was shown); ``\\binN``'s N raw bytes are skipped as data, a
huge N ending at the end of the input (they were read as RTF: a picture's bytes
shown as text, its brace bytes closing groups)."""

from __future__ import annotations

from email.message import EmailMessage

from gateway.pipeline.parse.rtf_text import MAX_DEPTH, rtf_text
from gateway.runtime.app import App
from tests.support.cpu import cpu_within
from tests.support.pipeline import deliver, show
from tests.support.tnef import compressed_rtf, rich_text_winmail

PR_RTF_COMPRESSED, BINARY = 0x1009, 0x0102


def _outlook(tnef: bytes) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Yamada <yamada@customer.test>"
    msg["To"] = "support@example.test"
    msg["Subject"] = "VPN"
    msg["Message-ID"] = "<rich-hostile@customer.test>"
    msg.set_content("")
    msg.add_attachment(tnef, maintype="application", subtype="ms-tnef", filename="winmail.dat")
    return bytes(msg)


def test_an_out_of_range_negative_unicode_escape_is_one_replacement_character() -> None:
    for number in (b"-99999", b"-65537", b"-999999999"):
        text, _ = rtf_text(b"{\\rtf1\\uc1 before \\u" + number + b"? after}")
        assert text.replace("\ufffd", "") == "before  after", (number, text)


def test_a_mail_with_a_hostile_unicode_escape_still_becomes_a_ticket(team: App) -> None:
    rtf = b"{\\rtf1\\ansi \\u-99999?The VPN drops every hour.\\par}"
    tnef = rich_text_winmail({PR_RTF_COMPRESSED: (BINARY, compressed_rtf(rtf))}, codepage=1252)
    tid = deliver(team, _outlook(tnef)).ticket_id
    assert tid is not None
    assert "The VPN drops every hour." in show(team, tid)["messages"][0]["text"]


def test_groups_nested_past_the_limit_inside_a_hidden_destination_stay_hidden() -> None:
    deep = MAX_DEPTH + 100
    rtf = b"{\\rtf1 {\\*\\secret " + b"{" * deep + b"x" + b"}" * deep + b" HIDDEN}shown}"
    text, _ = rtf_text(rtf)
    assert "HIDDEN" not in text and "x" not in text
    assert text.strip() == "shown"


def test_bin_data_is_skipped_as_bytes_never_read_as_rtf() -> None:
    text, _ = rtf_text(b"{\\rtf1 {\\pict\\bin6 }}}\x00\x01X}after the picture\\par}")
    assert text == "after the picture\n"
    text, _ = rtf_text(b"{\\rtf1 before {\\*\\blob\\bin4 \x00}}}}shown}")
    assert text == "before shown"
    huge = b"{\\rtf1 words\\bin9999999999 " + b"\x00{}" * 1000 + b"}"
    text, _ = cpu_within(1, lambda: rtf_text(huge))  # CPU: load stretches wall time alone
    assert text == "words"
