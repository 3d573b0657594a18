"""Japanese attachment names as mailers really write them, beyond RFC 2231 done right.

Broken or old mailers put raw 8-bit bytes where RFC 2231 wants percent escapes, leave
its charset out, or split a raw name into ``filename*0=``/``filename*1=`` pieces. The
name must come out as written (read in the message's charset when nothing says
otherwise, as the raw names of older Japanese clients already are), and a name the
parser cannot read must never cost the message its text.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from gateway.runtime.app import App
from tests.support.pipeline import deliver, show

NAME = "見積書①（2026年度）髙﨑.xlsx"


def _with_attachment(disposition: bytes, text_charset: bytes) -> bytes:
    text = "見積書を添付します。".encode(
        {b"utf-8": "utf-8", b"Shift_JIS": "cp932", b"EUC-JP": "euc_jp"}[text_charset]
    )
    return (
        b"From: yamada@customer.test\r\nTo: support@example.test\r\n"
        b"Subject: quote\r\nMessage-ID: <name@customer.test>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset=" + text_charset + b"\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + text + b"\r\n"
        b"--b\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Disposition: attachment;" + disposition + b"\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nUEsDBA==\r\n--b--\r\n"
    )


def _escaped(data: bytes) -> bytes:
    return quote(data, safe="").encode("ascii")


@pytest.mark.parametrize(
    ("disposition", "text_charset"),
    [
        # raw UTF-8 where RFC 2231 wants %XX: the stdlib turns it into U+FFFD, and
        # decoding that as Latin-1 raised: the whole message was stored without text
        (b" filename*=UTF-8''" + NAME.encode(), b"utf-8"),
        (b" filename*=utf-8'ja'" + NAME.encode(), b"utf-8"),
        # no charset before the '': the bytes are in the message's charset
        (b" filename*=''" + _escaped(NAME.encode("cp932")), b"Shift_JIS"),
        (b" filename*=''" + _escaped(NAME.encode()), b"utf-8"),
        # a raw name split into unencoded continuations, in UTF-8 and in CP932
        (
            b'\r\n filename*0="' + NAME[:4].encode() + b'";\r\n filename*1="'
            b"" + NAME[4:].encode() + b'"',
            b"utf-8",
        ),
        (
            b'\r\n filename*0="' + NAME[:4].encode("cp932") + b'";\r\n filename*1="'
            b"" + NAME[4:].encode("cp932") + b'"',
            b"Shift_JIS",
        ),
        # escaped and raw pieces mixed
        (
            b"\r\n filename*0*=UTF-8''" + _escaped(NAME[:3].encode()) + b";\r\n filename*1*="
            b"" + NAME[3:].encode(),
            b"utf-8",
        ),
    ],
    ids=[
        "raw-utf8-in-2231",
        "raw-utf8-in-2231-lang",
        "2231-no-charset-sjis",
        "2231-no-charset-utf8",
        "raw-utf8-continuations",
        "raw-sjis-continuations",
        "escaped-and-raw-continuations",
    ],
)
def test_a_name_written_against_rfc_2231_keeps_its_characters_and_the_text(
    app: App, disposition: bytes, text_charset: bytes
) -> None:
    out = deliver(app, _with_attachment(disposition, text_charset))
    assert out.ticket_id is not None
    message = show(app, out.ticket_id)["messages"][0]
    assert "見積書を添付します。" in message["text"]
    [attachment] = message["attachments"]
    assert attachment["filename"] == NAME
    assert not any("gave up" in d for d in message["defects"])
