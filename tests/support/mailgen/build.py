"""Small tools for writing raw messages byte by byte.

Fixtures are written as lists of header and body lines, so a reader sees the
message as it travels. ``str`` lines must be ASCII (a slip raises at once);
anything else is passed as ``bytes`` on purpose: raw 8-bit headers, Shift_JIS,
ISO-2022-JP escape sequences.
"""

from __future__ import annotations

import base64
import quopri
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass

from tests.support.jis import encode_cp50221

# Recent for the tests' fake clock (2026-03-02 01:00 UTC): a person writing this
# would get an automatic answer, so "no answer" for machine mail is a real check.
DATE = "Date: Mon, 02 Mar 2026 09:30:00 +0900"
GATEWAY = "support@example.test"
Line = str | bytes


@dataclass(frozen=True)
class Fixture:
    """One message file: ``category/name`` under tests/data/mail, and what it tests."""

    category: str
    name: str
    note: str
    raw: bytes

    @property
    def rel(self) -> str:
        return f"{self.category}/{self.name}"


def lines(*parts: object, eol: bytes = b"\n") -> bytes:
    """Join header and body lines with ``eol``, ending with one. A part is a line
    (``str`` or ``bytes``) or any nesting of lists of lines, so a block (a body, an
    embedded message) is passed whole."""
    out: list[bytes] = []

    def add(part: object) -> None:
        if isinstance(part, str):
            out.append(part.encode("ascii"))
        elif isinstance(part, bytes):
            out.append(part)
        elif isinstance(part, Iterable):
            for item in part:
                add(item)
        else:
            raise TypeError(f"not a line: {part!r}")

    add(parts)
    return eol.join(out) + eol


def text_lines(text: str, codec: str = "ascii") -> list[bytes]:
    """``text`` (no trailing newline needed) as body lines in ``codec``."""
    return [line.encode(codec) for line in text.rstrip("\n").split("\n")]


def jis(text: str, escape: bytes = b"\x1b$B") -> bytes:
    """ISO-2022-JP the way Windows writes it (CP50221, NEC/IBM extensions included)."""
    return encode_cp50221(text, escape)


def jis_lines(text: str, escape: bytes = b"\x1b$B") -> list[bytes]:
    """Body lines in ISO-2022-JP, each back in ASCII at its end as RFC 1468 asks."""
    return [jis(line, escape) for line in text.rstrip("\n").split("\n")]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64_lines(data: bytes) -> list[str]:
    """Base64 body lines of 76 characters, as MIME writers wrap them."""
    return textwrap.wrap(b64(data), 76) or [""]


def qp_lines(data: bytes) -> list[bytes]:
    """Quoted-printable body lines."""
    return quopri.encodestring(data).rstrip(b"\n").split(b"\n")


def word(text: str, charset: str = "UTF-8", codec: str | None = None) -> str:
    """One RFC 2047 encoded-word (B encoding) of ``text`` in ``codec`` (default: the
    charset label); ISO-2022-JP goes through the CP50221 encoder."""
    if charset.lower() == "iso-2022-jp" and codec is None:
        data = jis(text)
    else:
        data = text.encode(codec or charset)
    return f"=?{charset}?B?{b64(data)}?="


def head(
    sender: str,
    subject: Line,
    message_id: str | None,
    *extra: object,
    to: str = GATEWAY,
    date: str | None = DATE,
) -> list[object]:
    """The usual header block: From, To, Subject, Date, Message-ID, then ``extra``.

    ``subject`` as ``str`` is the value (``"\n "`` in it folds the header); as
    ``bytes`` it is the whole header line, for raw 8-bit subjects or none at all."""
    block: list[object] = [f"From: {sender}", f"To: {to}"]
    if isinstance(subject, bytes):
        block.append(subject)
    else:
        block.extend(f"Subject: {subject}".split("\n"))
    if date is not None:
        block.append(date)
    if message_id is not None:
        block.append(f"Message-ID: <{message_id}>")
    block.extend(extra)
    return block


def ack(ticket: int = 1, recipient: str = "alice@customer.test") -> list[str]:
    """The acknowledgement the gateway sent, as a bounce or auto-reply quotes it."""
    return [
        f"From: Support <{GATEWAY}>",
        f"To: {recipient}",
        f"Subject: [#{ticket}] VPN does not connect",
        "Date: Mon, 02 Mar 2026 09:00:05 +0900",
        f"Message-ID: <ack-{ticket}.0123456789abcdef@example.test>",
        "In-Reply-To: <req-1@customer.test>",
        "Auto-Submitted: auto-replied",
        f"X-Ticket-Gateway: acknowledgement; ticket={ticket}",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "We received your request and filed it as ticket #1.",
    ]


def single(
    sender: str, subject: Line, mid: str, ctype: list[str], body: list[Line], *extra: str
) -> bytes:
    """A one-part message: the usual header block, ``ctype`` lines, then ``body``."""
    return lines(head(sender, subject, mid, *extra, "MIME-Version: 1.0", *ctype), "", body)


def mixed(sender: str, subject: str, mid: str, boundary: str, *parts: list[Line]) -> bytes:
    """multipart/mixed of ``parts`` (each its header lines, a blank line, its body)."""
    body: list[Line] = []
    for part in parts:
        body += [f"--{boundary}", *part]
    return lines(
        head(
            sender,
            subject,
            mid,
            "MIME-Version: 1.0",
            f'Content-Type: multipart/mixed; boundary="{boundary}"',
        ),
        "",
        body,
        f"--{boundary}--",
    )


def text_part(words: str) -> list[Line]:
    """A UTF-8 text/plain part of ``mixed``."""
    return ["Content-Type: text/plain; charset=utf-8", "", *text_lines(words, "utf-8")]


def pct(data: bytes) -> list[str]:
    """RFC 2231 percent-escapes, one per byte, to split where a test needs."""
    return [f"%{byte:02X}" for byte in data]
