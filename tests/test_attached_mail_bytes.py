"""A mail forwarded as an attachment (message/rfc822 in 7bit, 8bit or binary) is listed
and downloaded as the exact bytes the sender attached: RFC 2046 5.1.1's slice between
the part's header block and the line ending its closing delimiter owns. Written back by
the email package it lost its CRLFs and its header folding, so a DKIM signature over it
failed and an analyst could not trust the file."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from email import message_from_bytes
from email.generator import BytesGenerator
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from io import BytesIO

import pytest

from gateway.pipeline.parse.attachment_data import attachment_data
from gateway.pipeline.parse.message import parse_message

Ends = Callable[[bytes], bytes]  # the line ends a raw mail is stored with

# a DKIM-signed mail as a vendor's server sent it: a folded signature, a header folded
# with a tab, a header without a space after its colon, an 8-bit subject, a blank line
# at the end of the body (DKIM's simple body canonicalisation counts it)
SIGNED = (
    b"DKIM-Signature: v=1; a=rsa-sha256; c=simple/simple; d=vendor.test; s=sel;\r\n"
    b"\th=From:To:Subject:Date:Message-ID; bh=frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=;\r\n"
    b"\tb=dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZSBidXQgaXQgaXMgbG9uZyBlbm91Z2g=\r\n"
    b"From: Vendor Support <support@vendor.test>\r\n"
    b"To:ops@example.test\r\n"
    b"Subject: =?UTF-8?B?5o6l57aa44Ko44Op44O844Gu5Y6f5Zug?=\r\n"
    b"X-Raw: \xe6\x8e\xa5\xe7\xb6\x9a  two  spaces \r\n"
    b"Date: Mon, 02 Mar 2026 09:00:00 +0900\r\n"
    b"Message-ID: <case-42@vendor.test>\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="inner"\r\n'
    b"\r\n"
    b"--inner\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n"
    b"\xe6\x8e\xa5\xe7\xb6\x9a fixed in 2.4.1.\r\n"
    b"--other\r\n"  # text shaped as a delimiter of a part elsewhere in the outer mail
    b"--b1x\r\n"  # a longer name than the outer boundary: no delimiter of it
    b"--b1 and more\r\n"
    b"\r\n"
    b"--inner--\r\n"
    b"\r\n"
)


def _outer(
    inner: bytes, head: bytes = b"Content-Type: message/rfc822\r\n", end: bytes = b"--b1--\r\n"
) -> bytes:
    return (
        b"From: Ops One <ops@example.test>\r\nTo: support@example.test\r\n"
        b"Subject: Fw: case 42\r\nMessage-ID: <fw-1@example.test>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        b'--b1\r\nContent-Type: multipart/alternative; boundary="other"\r\n\r\n'
        b"--other\r\nContent-Type: text/plain\r\n\r\nSee the attached mail.\r\n"
        b"--other\r\nContent-Type: text/html\r\n\r\n<p>See the attached mail.</p>\r\n"
        b"--other--\r\n"
        b"--b1\r\n" + head + b"\r\n" + inner + b"\r\n" + end
    )


def _lf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n")


def _stored(raw: bytes) -> bytes:
    """The one attached mail as listed, and as downloaded (checked to be the same)."""
    mails = [a for a in parse_message(raw).attachments if a.content_type == "message/rfc822"]
    assert len(mails) == 1
    data = attachment_data(raw, mails[0].sha256)
    assert data is not None and hashlib.sha256(data).hexdigest() == mails[0].sha256
    assert mails[0].size == len(data)
    return data


@pytest.mark.parametrize("cte", [b"", b"7bit", b"8bit", b"binary", b"8BIT (as sent)"])
@pytest.mark.parametrize("ends", [lambda d: d, _lf], ids=["crlf", "lf"])
def test_an_attached_mail_is_kept_byte_for_byte(cte: bytes, ends: Ends) -> None:
    head = b"Content-Type: message/rfc822\r\n"
    if cte:
        head += b"Content-Transfer-Encoding: " + cte + b"\r\n"
    assert _stored(ends(_outer(SIGNED, head))) == ends(SIGNED)


def test_without_its_last_line_end_and_with_blank_lines_kept() -> None:
    """Only the one line ending before the delimiter is the delimiter's."""
    inner = SIGNED.rstrip(b"\r\n")
    assert _stored(_outer(inner)) == inner
    assert _stored(_outer(inner + b"\r\n\r\n")) == inner + b"\r\n\r\n"


@pytest.mark.parametrize("ends", [lambda d: d, _lf], ids=["crlf", "lf"])
def test_at_any_depth_and_inside_another_attached_mail(ends: Ends) -> None:
    """A forwarded forward: the outer attached mail (which carries the inner one) is
    what is listed, every byte of it; under alternative, related and mixed."""
    forward = (
        b"From: Team Lead <lead@example.test>\r\nSubject: Fw: case 42\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="fwd"\r\n\r\n--fwd\r\n'
        b"Content-Type: text/plain\r\n\r\nForwarding the vendor's mail.\r\n--fwd\r\n"
        b"Content-Type: message/rfc822\r\n\r\n" + SIGNED + b"\r\n--fwd--\r\n"
    )
    raw = (
        b"From: a@customer.test\r\nSubject: nested\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/alternative; boundary="L0"\r\n\r\n'
        b"--L0\r\nContent-Type: text/plain\r\n\r\nplain\r\n"
        b'--L0\r\nContent-Type: multipart/related; boundary="L1"\r\n\r\n'
        b"--L1\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n"
        b'--L1\r\nContent-Type: multipart/mixed; boundary="L2"\r\n\r\npreamble\r\n'
        b"--L2\r\nContent-Type: message/rfc822; name=fw.eml\r\n"
        b"Content-Disposition: attachment; filename=fw.eml\r\n\r\n" + forward + b"\r\n"
        b"--L2--\r\nepilogue\r\n--L1--\r\n--L0--\r\n"
    )
    assert _stored(ends(raw)) == ends(forward)


def test_a_multipart_never_closed_keeps_what_the_parser_took() -> None:
    raw = _outer(SIGNED, end=b"")
    parsed = parse_message(raw)
    assert _stored(raw) == SIGNED + b"\r\n"  # to the end: nothing before a delimiter
    assert any("closing delimiter never came" in d for d in parsed.defects)


def test_a_mail_built_with_the_email_package() -> None:
    """Sent as the email package writes it (a client built on it): the part's bytes,
    whatever the generator made of the attached mail."""
    outer = MIMEMultipart()
    outer["From"], outer["Subject"] = "ops@example.test", "Fw: case 42"
    outer.attach(MIMEText("See the attached mail.\n"))
    outer.attach(message_from_bytes(b"Content-Type: message/rfc822\n\n", policy=compat32))
    outer.get_payload()[1].set_payload([message_from_bytes(SIGNED, policy=compat32)])
    buffer = BytesIO()
    BytesGenerator(buffer, policy=compat32.clone(linesep="\r\n")).flatten(outer)
    raw = buffer.getvalue()
    start = raw.index(b"DKIM-Signature:")
    expected = raw[start : raw.index(b"\r\n--" + outer.get_boundary().encode(), start)]
    assert _stored(raw) == expected


def test_a_row_listed_before_keeps_its_download() -> None:
    """Rows listed when the attached mail was stored written back have that hash."""
    raw = _outer(SIGNED)
    part = message_from_bytes(raw, policy=compat32).get_payload()[1]
    old = b"\n".join(m.as_bytes(policy=compat32) for m in part.get_payload())
    assert old != SIGNED
    assert attachment_data(raw, hashlib.sha256(old).hexdigest()) == old


@pytest.mark.parametrize(
    "shape",
    ["many parts", "deep", "huge boundary", "never closed", "dash lines"],
)
def test_hostile_shapes_stay_linear(shape: str) -> None:
    """Each shape ten times bigger costs about ten times as much, not a hundred."""

    def raw_of(n: int) -> bytes:
        small = b"From: x@vendor.test\r\nSubject: s\r\n\r\nbody\r\n"
        if shape == "many parts":
            one = b"--b\r\nContent-Type: message/rfc822\r\n\r\n" + small
            return b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n' + one * n + b"--b--\r\n"
        if shape == "deep":
            depth = n // 200
            head = b"".join(
                b'Content-Type: multipart/mixed; boundary="d%d"\r\n\r\n--d%d\r\n' % (i, i)
                for i in range(depth)
            )
            tail = b"".join(b"\r\n--d%d--" % i for i in reversed(range(depth)))
            return head + b"Content-Type: message/rfc822\r\n\r\n" + small + tail + b"\r\n"
        if shape == "huge boundary":
            b = b"x" * (n * 10)
            return (
                b'Content-Type: multipart/mixed; boundary="'
                + b
                + b'"\r\n\r\n--'
                + b
                + b"\r\nContent-Type: message/rfc822\r\n\r\n"
                + (b"--" + b + b"y\r\n") * 50
                + small
                + b"--"
                + b
                + b"--\r\n"
            )
        lines = b"--not-ours\r\n" * n if shape == "dash lines" else b"line\r\n" * n
        end = b"" if shape == "never closed" else b"--b--\r\n"
        return (
            b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
            b"Content-Type: message/rfc822\r\n\r\n" + small + lines + end
        )

    def cost(n: int) -> float:
        raw = raw_of(n)
        start = time.perf_counter()
        listed = parse_message(raw).attachments
        assert listed and attachment_data(raw, listed[-1].sha256) is not None
        return time.perf_counter() - start

    cost(2_000)  # warm up
    small, big = min(cost(2_000) for _ in range(2)), min(cost(20_000) for _ in range(2))
    assert big < small * 25 + 0.05, (small, big)
