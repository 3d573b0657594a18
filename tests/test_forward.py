"""A member's forward of a customer's mail: the original found inline (ja, en clients)
or attached as message/rfc822. Pure, over real message files."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.core.model import ParsedMessage
from gateway.pipeline.forward import find_original, inline
from gateway.pipeline.parse.attachment_data import attachment_data
from gateway.pipeline.parse.message import parse_message

DATA = Path(__file__).parent / "data" / "conversation"


def _raw(name: str) -> bytes:
    return (DATA / name).read_bytes().replace(b"@@DATE@@", b"Mon, 2 Mar 2026 10:00:00 +0900")


def test_an_inline_japanese_forward_names_the_customer() -> None:
    msg = parse_message(_raw("forward_inline_ja.eml"))
    found = find_original(msg)
    assert found is not None and found.how == "inline"
    assert (found.sender.email, found.sender.name) == ("sato@customer.test", "佐藤 一郎")
    assert found.subject == "プリンタが出ません"
    assert found.text.startswith("田中さん") and "至急見ていただけますか。" in found.text
    assert "サポート窓口で受け付けて" not in found.text  # the member's own words are not it


def test_an_attached_message_names_its_sender() -> None:
    raw = _raw("forward_attached_en.eml")
    msg = parse_message(raw)

    def attached(sha256: str) -> ParsedMessage | None:
        data = attachment_data(raw, sha256)
        return parse_message(data) if data is not None else None

    found = find_original(msg, attached)
    assert found is not None and found.how == "attached"
    assert found.sender.email == "bob@customer.test" and found.message_id == "bob-1@customer.test"
    assert found.subject == "Laptop will not boot" and "black screen" in found.text


@pytest.mark.parametrize(
    ("text", "sender"),
    [
        (  # Gmail
            "FYI\n\n---------- Forwarded message ---------\nFrom: Carol <carol@c.test>\n"
            "Date: Mon, Mar 2, 2026 at 9:00 AM\nSubject: VPN\nTo: <ops@example.test>\n\nHelp\n",
            "carol@c.test",
        ),
        (  # Outlook
            "-----Original Message-----\nFrom: Dave Smith [mailto:dave@d.test]\n"
            "Sent: Monday, March 2, 2026 9:00 AM\nTo: Ops\nSubject: disk full\n\nHelp\n",
            "dave@d.test",
        ),
        (  # Apple Mail, Japanese
            "転送されたメッセージ:\n\n差出人: 鈴木 <suzuki@s.test>\n件名: 申請\n"
            "日付: 2026年3月2日\n宛先: ops@example.test\n\nお願いします\n",
            "suzuki@s.test",
        ),
        (  # Thunderbird, English
            "-------- Forwarded Message --------\nSubject: hi\nDate: Mon, 2 Mar 2026\n"
            "From: erin@e.test\nTo: ops@example.test\n\nhello\n",
            "erin@e.test",
        ),
    ],
)
def test_inline_forwards_of_common_clients(text: str, sender: str) -> None:
    found = inline(text)
    assert (
        found is not None
        and found.sender.email == sender
        and found.text.endswith(("Help", "お願いします", "hello"))
    )


def test_a_plain_request_or_a_quote_is_no_forward() -> None:
    assert inline("Hello,\nmy VPN fails.\n") is None
    assert inline("On Mon, Alice <a@a.test> wrote:\n> hi\n") is None
    assert inline("---------- Forwarded message ---------\nno headers here\n") is None
