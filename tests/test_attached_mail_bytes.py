"""A mail forwarded as an attachment (message/rfc822 in 7bit, 8bit or binary) is listed
and downloaded as the exact bytes the sender attached: RFC 2046 5.1.1's slice between
the part's header block and the line ending its closing delimiter owns. Written back by
the email package it lost its CRLFs and its header folding, so a DKIM signature over it
failed and an analyst could not trust the file."""

from __future__ import annotations

import base64
import hashlib
import time
import tracemalloc
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
    found = parse_message(raw).attachments  # not the mails it carries (listed after it)
    mails = [a for a in found if a.content_type == "message/rfc822" and not a.carried]
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
    """Each shape ten times bigger costs about ten times as much, not a hundred, and
    the attached mail comes out as it was attached all the same."""
    small = b"From: x@vendor.test\r\nSubject: s\r\n\r\nbody\r\n"
    rfc822 = b"Content-Type: message/rfc822\r\n\r\n"

    def raw_of(n: int) -> tuple[bytes, bytes]:
        """The message, and the last attached mail's bytes in it."""
        if shape == "many parts":
            one = b"--b\r\n" + rfc822 + small
            head = b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
            return head + one * n + b"--b--\r\n", small[:-2]
        if shape == "deep":  # 10 levels for the stdlib, 100 for the flat reader
            depth = n // 200
            head = b"".join(
                b'Content-Type: multipart/mixed; boundary="d%d"\r\n\r\n--d%d\r\n' % (i, i)
                for i in range(depth)
            )
            tail = b"".join(b"\r\n--d%d--" % i for i in reversed(range(depth)))
            return head + rfc822 + small + tail + b"\r\n", small
        if shape == "huge boundary":
            b = b"x" * (n * 10)
            inner = (b"--" + b + b"y\r\n") * 50 + small
            head = b'Content-Type: multipart/mixed; boundary="' + b + b'"\r\n\r\n'
            return head + b"--" + b + b"\r\n" + rfc822 + inner + b"--" + b + b"--\r\n", inner[:-2]
        lines = b"--not-ours\r\n" * n if shape == "dash lines" else b"line\r\n" * n
        end = b"" if shape == "never closed" else b"--b--\r\n"
        head = b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n' + rfc822
        inner = small + lines
        return head + inner + end, (inner if shape == "never closed" else inner[:-2])

    def cost(n: int) -> float:
        raw, expected = raw_of(n)
        start = time.process_time()  # this process's CPU: the other runs' load not counted
        listed = parse_message(raw).attachments
        data = attachment_data(raw, listed[-1].sha256)
        spent = time.process_time() - start
        assert data == expected
        return spent

    cost(2_000)  # warm up
    # ten times the size: about ten times the cost if linear, a hundred if quadratic; the
    # mark between them leaves room for a loaded machine (26x once, with the suite and
    # five other test runs sharing two cores), and each cost is the least of three
    small_cost = min(cost(2_000) for _ in range(3))
    big_cost = min(cost(20_000) for _ in range(3))
    assert big_cost < small_cost * 35 + 0.05, (small_cost, big_cost)


def _big_file(size: int) -> bytes:
    data = bytes(range(256)) * (size // 256)
    return (
        b"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
        b"Content-Disposition: attachment; filename=big.pdf\r\n\r\n"
        + base64.encodebytes(data).replace(b"\n", b"\r\n")
    )


def test_beside_a_big_file_hashed_ahead() -> None:
    """A big base64 file is hashed ahead and parsed as a slim copy (issue #18): the
    attached mail beside it is the same slice of that copy."""
    raw = _outer(SIGNED).replace(
        b"--b1--\r\n", b"--b1\r\n" + _big_file(2 << 20) + b"\r\n--b1--\r\n"
    )
    listed = parse_message(raw).attachments
    assert [a.content_type for a in listed] == ["message/rfc822", "application/pdf"]
    assert listed[0].sha256 == hashlib.sha256(SIGNED).hexdigest()
    assert attachment_data(raw, listed[0].sha256) == SIGNED


def test_with_a_big_file_inside() -> None:
    """A big file inside the attached mail: the slim copy cannot stand for the whole,
    which is parsed, and the mail comes out with its file in it."""
    inner = (
        b"From: x@vendor.test\r\nSubject: invoice\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="in"\r\n\r\n--in\r\n'
        + _big_file(2 << 20)
        + b"\r\n--in--\r\n"
    )
    assert _stored(_outer(inner)) == inner


def test_a_big_attached_mail_costs_what_any_file_of_its_size_costs() -> None:
    """No second copy of it (bench/ingest.py's memory rule): the parse's peak is within
    a few percent of the same bytes sent as an ordinary file."""
    inner = b"From: v@vendor.test\r\nSubject: big\r\n\r\n" + (b"x" * 70 + b"\r\n") * 40_000

    def peak(ctype: bytes) -> int:
        raw = _outer(inner, b"Content-Type: " + ctype + b"\r\n")
        tracemalloc.start()
        try:
            parse_message(raw)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    assert peak(b"message/rfc822") < peak(b"application/octet-stream") * 1.1


def test_in_parts_recovered_from_a_multipart_whose_boundary_never_matched() -> None:
    """A writer that declared one boundary and used another: the parts are recovered
    from the body, and the attached mail among them is still its bytes."""
    raw = _outer(SIGNED).replace(b'boundary="b1"', b'boundary="declared"')
    parsed = parse_message(raw)
    assert any("parts recovered" in d for d in parsed.defects)
    assert _stored(raw) == SIGNED


def test_recovered_parts_keep_their_8bit_bytes_and_old_rows_their_download() -> None:
    """The recovered body was read with U+FFFD for each 8-bit byte: garbled text and a
    file that was not the one sent. Now their bytes; a row listed then (its hash, as the
    release before this listed it) still downloads what it listed."""
    raw = (
        b"From: a@c.test\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=declared\r\n\r\n"
        b"--real\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n\xe6\x8e\xa5\xe7\xb6\x9a\r\n"
        b"--real\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Transfer-Encoding: binary\r\n"
        b"Content-Disposition: attachment; filename=a.bin\r\n\r\n\x00\xff\xe6binary\r\n--real--\r\n"
    )
    parsed = parse_message(raw)
    assert parsed.text.strip() == "接続"
    [listed] = parsed.attachments
    assert attachment_data(raw, listed.sha256) == b"\x00\xff\xe6binary"
    old = "a44684c80f54f02b7787d32f02d91f7e5f05bfcd7c1e2e0c796841915fbcee6e"
    assert attachment_data(raw, old) == b"\x00\xef\xbf\xbd\xef\xbf\xbdbinary"


def _der(tag: int, body: bytes) -> bytes:
    size = len(body).to_bytes((len(body).bit_length() + 7) // 8 or 1, "big")
    return (
        bytes([tag])
        + (bytes([len(body)]) if len(body) < 128 else bytes([0x80 | len(size)]) + size)
        + body
    )


def test_inside_an_opaque_signed_mail() -> None:
    """An opaque-signed S/MIME mail (Outlook's) whose signed content forwards a mail:
    that mail is its bytes inside the signature, not written back."""
    content = _outer(SIGNED).split(b"\r\n\r\n", 1)[1]  # the multipart, as the signed entity
    entity = b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n' + content
    signed_data = _der(
        0x30,
        _der(0x02, b"\x01")
        + _der(0x31, b"")
        + _der(
            0x30, _der(0x06, bytes.fromhex("2a864886f70d010701")) + _der(0xA0, _der(0x04, entity))
        )
        + _der(0x31, b""),
    )
    der = _der(0x30, _der(0x06, bytes.fromhex("2a864886f70d010702")) + _der(0xA0, signed_data))
    raw = (
        b"From: a@customer.test\r\nSubject: signed\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: application/pkcs7-mime; smime-type=signed-data; name="smime.p7m"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(der).replace(b"\n", b"\r\n")
    )
    assert any("opaque-signed" in d for d in parse_message(raw).defects)
    assert _stored(raw) == SIGNED
