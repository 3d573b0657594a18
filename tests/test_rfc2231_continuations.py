"""RFC 2231 parameters split into continuations anywhere: joined, then decoded.

RFC 2231 section 4.1: a long value is cut into ``name*0*``, ``name*1*``, … sections,
and the value is their concatenation. A mailer that cuts the percent-escaped text
without regard to its escapes writes ``filename*0*=utf-8''%E6%9; filename*1*=7%A5…``:
each section unescaped on its own left ``%9`` and ``7`` as text, and the name came out
as mojibake. Cut between two escapes of one character (mid-UTF-8 sequence) it must
come out right too, and so must a name whose RFC 2047 words split a character.
"""

from __future__ import annotations

import itertools
from urllib.parse import quote

import pytest

from gateway.pipeline.parse.message import parse_message

NAME = "日本語の見積書.txt"


def _message(disposition: bytes, content_type: bytes = b"application/octet-stream") -> bytes:
    return (
        b"From: yamada@customer.test\r\nTo: support@example.test\r\n"
        b"Subject: quote\r\nMessage-ID: <n@customer.test>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsee attached\r\n"
        b"--b\r\nContent-Type: " + content_type + b"\r\n"
        b"Content-Disposition: attachment;" + disposition + b"\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nUEsDBA==\r\n--b--\r\n"
    )


def _name(raw: bytes) -> str:
    msg = parse_message(raw)
    [attachment] = msg.attachments
    return attachment.filename


def _sections(escaped: str, cuts: tuple[int, ...], charset: str, key: str = "filename") -> bytes:
    bounds = [0, *cuts, len(escaped)]
    parts = [escaped[a:b] for a, b in itertools.pairwise(bounds)]
    parts[0] = f"{charset}''{parts[0]}"
    return ";".join(f"\r\n {key}*{i}*={p}" for i, p in enumerate(parts)).encode("ascii")


def test_the_example_split_between_escapes_of_one_character() -> None:
    raw = _message(b" filename*0*=utf-8''%E6%97; filename*1*=%A5%E6%9C%AC.txt")
    assert _name(raw) == "日本.txt"


@pytest.mark.parametrize(
    "disposition",
    [
        b" filename*0*=utf-8''%E6%9; filename*1*=7%A5%E6%9C%AC.txt",  # inside an escape
        b" filename*0*=utf-8''%E; filename*1*=6%97%A5%E6%9C%AC.txt",
        b" filename*0*=utf-8''%E6%97%; filename*1*=A5%E6%9C%AC.txt",  # after its %
        b" filename*0*=utf-8''%E6%9;\r\n filename*1*=7%A5; filename*2*=%E6%9C%AC.txt",
        b" filename*1*=7%A5%E6%9C%AC.txt; filename*0*=utf-8''%E6%9",  # out of order
        b" filename*0*=utf-8''%E6%9; filename*1*=\"7%A5%E6%9C%AC.txt\"",  # quoted section
    ],
)
def test_a_section_cut_inside_an_escape(disposition: bytes) -> None:
    assert _name(_message(disposition)) == "日本.txt"


def test_a_cut_inside_an_escape_with_raw_bytes_beside_it() -> None:
    """Raw 8-bit bytes in a section (against RFC 2231) take the name through the
    re-read of the header as it arrived: the join comes first there too."""
    raw = _message(b" filename*0*=utf-8''%E6%9; filename*1*=7%A5\xe6\x9c\xac.txt")
    assert _name(raw) == "日本.txt"


@pytest.mark.parametrize("charset", ["utf-8", "shift_jis"])
def test_every_cut_of_the_escaped_name_gives_the_name(charset: str) -> None:
    escaped = quote(NAME.encode(charset), safe="")
    for cut in range(1, len(escaped)):
        raw = _message(_sections(escaped, (cut,), charset))
        assert _name(raw) == NAME, (charset, cut, escaped[:cut], escaped[cut:])


def test_three_sections_cut_anywhere_in_the_content_type_name() -> None:
    escaped = quote(NAME.encode(), safe="")
    for first in range(1, len(escaped) - 1, 4):
        for second in range(first + 1, len(escaped), 5):
            content_type = b"application/octet-stream;" + _sections(
                escaped, (first, second), "utf-8", key="name"
            )
            raw = _message(b" size=4", content_type=content_type)
            assert _name(raw) == NAME, (first, second)


def test_an_unescaped_section_stays_as_written() -> None:
    """``filename*1`` without its star is literal text (RFC 2231 4.1): a ``%41`` in it
    is those three characters, not an escape."""
    raw = _message(b" filename*0*=utf-8''%E6%97%A5; filename*1=\"%41.txt\"")
    assert _name(raw) == "日%41.txt"


def test_encoded_words_that_split_a_character() -> None:
    """RFC 2047 forbids it (6.3), some mailers do it: ``=?utf-8?Q?=E6=97?=`` then
    ``=?utf-8?Q?=A5.txt?=`` is one character across two words."""
    raw = _message(b' filename="=?utf-8?Q?=E6=97?= =?utf-8?Q?=A5=E6=9C=AC.txt?="')
    assert _name(raw) == "日本.txt"


@pytest.mark.parametrize(
    "disposition",
    [
        b" filename=\"fallback.txt\"; filename*=utf-8''%E6%97%A5%E6%9C%AC.txt",
        b" filename*=utf-8''%E6%97%A5%E6%9C%AC.txt; filename=\"fallback.txt\"",
        b" filename=\"fallback.txt\"; filename*0*=utf-8''%E6%9; filename*1*=7%A5%E6%9C%AC.txt",
        b" filename=\"____.txt\";\r\n filename*=UTF-8''%E6%97%A5%E6%9C%AC.txt",
    ],
)
def test_the_rfc_2231_name_is_taken_over_its_plain_fallback(disposition: bytes) -> None:
    """A sender that writes both (an ASCII ``filename`` for old readers, the real name in
    ``filename*``, as RFC 6266 4.3 has web software do) means the starred one; the plain
    one was taken, and a Japanese name was stored as ``fallback.txt`` or ``____.txt``."""
    assert _name(_message(disposition)) == "日本.txt"


def test_the_plain_name_stands_when_the_starred_one_is_of_another_parameter() -> None:
    raw = _message(b" filename=\"plain.txt\"; x-name*=utf-8''%E6%97%A5")
    assert _name(raw) == "plain.txt"
