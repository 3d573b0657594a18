"""Transfer encodings broken in ways the earlier rounds had not tried (mime11).

* Quoted-printable whose soft line break has spaces after its ``=`` (RFC 2045 6.7:
  transport may pad a line, and a decoder deletes trailing white space) kept the ``=``
  and the line break in the text; an ``=`` with no two hex digits after it was kept
  with nothing noted.
* A text part declared base64 whose body is not base64 at all (a form's plain text
  under a wrong header) was decoded all the same: the skipped characters gave a line of
  mojibake as the customer's words. Lines of garbage after real base64 came out as
  U+FFFD at the end of the text.
"""

from __future__ import annotations

import base64

import pytest

from gateway.pipeline.parse.message import parse_message

HEAD = (
    b"From: a@x.test\r\nTo: b@y.test\r\nSubject: s\r\nMessage-ID: <1@x.test>\r\n"
    b"MIME-Version: 1.0\r\n"
)


def _text_mail(cte: bytes, body: bytes, charset: bytes = b"utf-8") -> bytes:
    return (
        HEAD
        + b"Content-Type: text/plain; charset="
        + charset
        + b"\r\nContent-Transfer-Encoding: "
        + cte
        + b"\r\n\r\n"
        + body
    )


def _qp(text: str) -> bytes:
    return "".join(f"={b:02X}" for b in text.encode()).encode()


@pytest.mark.parametrize("pad", [b" ", b"\t", b"  \t "])
@pytest.mark.parametrize("eol", [b"\r\n", b"\n"])
def test_a_padded_soft_line_break_joins_the_lines(pad: bytes, eol: bytes) -> None:
    body = _qp("東京") + b"=" + pad + eol + _qp("です") + b" ok=" + pad + eol + b"end" + eol
    parsed = parse_message(_text_mail(b"quoted-printable", body))
    assert parsed.text == "東京です okend"
    assert parsed.defects == ()


def test_an_equals_sign_without_hex_digits_is_kept_and_noted() -> None:
    parsed = parse_message(_text_mail(b"quoted-printable", b"a=ZZb 1+1=2\r\n"))
    assert parsed.text == "a=ZZb 1+1=2"
    assert "mime: quoted-printable '=' without two hex digits, kept as written" in (parsed.defects)


NOT_BASE64 = "mime: text declared base64 is not base64; read as written"
PRINTER = "プリンターが動きません。"
TOKYO = "東京です、よろしく"


@pytest.mark.parametrize(
    ("body", "charset", "expected"),
    [
        (b"Hello, the VPN is down since 9:00!\r\n", b"utf-8", "Hello, the VPN is down since 9:00!"),
        (PRINTER.encode("cp932") + b"\r\n", b"shift_jis", PRINTER),
        (f"{TOKYO}\r\n".encode() * 3, b"utf-8", f"{TOKYO}\n{TOKYO}\n{TOKYO}"),
    ],
    ids=["ascii", "shift-jis", "utf-8"],
)
def test_text_that_is_not_base64_is_read_as_written(
    body: bytes, charset: bytes, expected: str
) -> None:
    parsed = parse_message(_text_mail(b"base64", body, charset))
    assert parsed.text == expected
    assert NOT_BASE64 in parsed.defects


def test_garbage_lines_after_base64_are_dropped_and_noted() -> None:
    good = base64.encodebytes("東京です、よろしく".encode()).replace(b"\n", b"\r\n")
    parsed = parse_message(_text_mail(b"base64", good + b"***garbage*** here\r\n"))
    assert parsed.text == "東京です、よろしく"
    assert "mime: base64 with lines that are not base64, skipped" in parsed.defects


@pytest.mark.parametrize("wrapped", [True, False])
def test_real_base64_is_untouched(wrapped: bool) -> None:
    data = base64.b64encode("東京です、よろしく。\n次の行".encode() * 20)
    if wrapped:
        data = b"\r\n".join(data[i : i + 76] for i in range(0, len(data), 76))
    parsed = parse_message(_text_mail(b"base64", data + b"\r\n"))
    assert parsed.text.startswith("東京です、よろしく。\n次の行東京")
    assert parsed.defects == ()


@pytest.mark.parametrize(
    ("params", "note"),
    [
        (
            b'; id="abc@x.test"; number=1; total=2',
            "mime: message/partial (part 1 of 2) not joined; kept as is",
        ),
        (
            b'; id="abc@x.test"; number=3',
            "mime: message/partial (part 3 of ?) not joined; kept as is",
        ),
        (b"", "mime: message/partial (part ? of ?) not joined; kept as is"),
    ],
    ids=["numbered", "no-total", "bare"],
)
def test_a_message_partial_is_kept_and_noted(params: bytes, note: str) -> None:
    """RFC 2046 5.2.2: one piece of a mail split in several. Nothing here joins the
    pieces; the piece was kept as an attachment with nothing said (mime11)."""
    raw = (
        HEAD
        + b"Content-Type: message/partial"
        + params
        + b"\r\n\r\nFrom: c@x.test\r\nSubject: big\r\nContent-Type: text/plain\r\n\r\n"
        + b"first half\r\n"
    )
    parsed = parse_message(raw)
    assert [a.content_type for a in parsed.attachments] == ["message/partial"]
    assert note in parsed.defects
