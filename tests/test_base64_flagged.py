"""Base64 that is not base64 is flagged on the message (found by the exploratory round
over intake): the decoder skips what is outside its alphabet and pads what is short,
so the text may still read, but a ticket whose words came through such a repair says
so in its defects, as a broken boundary does."""

from __future__ import annotations

import base64

import pytest

from gateway.pipeline.parse.message import parse_message

HEAD = (
    b"From: a@customer.test\nTo: support@example.test\nSubject: x\n"
    b"MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
    b"Content-Transfer-Encoding: base64\n\n"
)
WORDS = "ディスクがいっぱいです"
GOOD = base64.b64encode(WORDS.encode())


def _defects(body: bytes) -> tuple[str, tuple[str, ...]]:
    msg = parse_message(HEAD + body + b"\n")
    return msg.text, msg.defects


@pytest.mark.parametrize("junk", [b"!", b"$$", b" * ", b"\xff", b"@#%"])
@pytest.mark.parametrize("where", [4, 12, len(GOOD) - 4])
def test_characters_outside_the_alphabet_are_flagged(junk: bytes, where: int) -> None:
    text, defects = _defects(GOOD[:where] + junk + GOOD[where:])
    assert text == WORDS
    assert any("base64" in d and "outside" in d for d in defects), defects


@pytest.mark.parametrize("cut", [1, 2, 3])
def test_a_short_last_quantum_is_flagged(cut: int) -> None:
    _, defects = _defects(base64.b64encode(b"abcdefgh")[:-cut].rstrip(b"="))
    assert any(d.startswith("mime: base64 with wrong padding") or "short" in d for d in defects)


def test_clean_base64_has_no_such_defect() -> None:
    text, defects = _defects(GOOD)
    assert (text, defects) == (WORDS, ())


def test_an_attachment_in_broken_base64_is_flagged_too() -> None:
    msg = parse_message(
        b"From: a@customer.test\nSubject: x\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\nhi\n'
        b"--b\nContent-Type: application/pdf; name=a.pdf\nContent-Transfer-Encoding: base64\n\n"
        b"JVBERi0x!!LjQK\n--b--\n"
    )
    assert [a.filename for a in msg.attachments] == ["a.pdf"]
    assert any("base64" in d and "outside" in d for d in msg.defects), msg.defects
