"""A mail a member attached to their answer (Outlook's "forward as attachment", a
bounce's headers) reaches the requester as the mail it is, however the member's client
encoded it: base64 or quoted-printable on a message/rfc822 part (RFC 2046 5.2.1
forbids both; some Outlook versions, webmails and phone clients do it) is decoded once,
and the part goes out in an encoding it may have. The raw mail stays as it came."""

from __future__ import annotations

import base64
import email
import hashlib
import quopri
from email.message import Message

import pytest

from gateway.core.model import ParsedMessage
from gateway.pipeline.forward import find_original
from gateway.pipeline.parse.attachment_data import attachment_data
from gateway.pipeline.parse.message import parse_message
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, inbox_raw, inbox_rows, outbox, parsed

OPS = "ops@example.test"
ALICE = "alice@customer.test"
# the inner mail: a References line longer than quoted-printable's 76 columns, so a
# QP encoder breaks it with a soft line break inside the header block
INNER = (
    b"From: Vendor Support <support@vendor.test>\r\n"
    b"To: ops@example.test\r\n"
    b"Subject: =?UTF-8?B?5o6l57aa44Ko44Op44O844Gu5Y6f5Zug?=\r\n"
    b"Message-ID: <case-42@vendor.test>\r\n"
    b"References: <a-very-long-message-id-1@vendor.test> <a-very-long-message-id-2@vendor.test>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=us-ascii\r\n"
    b"\r\n"
    b"The fix is in firmware 2.4.1 = released today.\r\n"
)


def _with_part(app: App, tid: int, head: bytes, body: bytes) -> bytes:
    """ops@'s answer with one more part, its header and body written by hand."""
    return (
        b"From: Ops One <" + OPS.encode() + b">\r\n"
        b"To: " + reply_address(app, tid, OPS).encode() + b"\r\n"
        b"Subject: Re: [#" + str(tid).encode() + b"] VPN down\r\n"
        b"Message-ID: <ops-fw@example.test>\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b1"\r\n'
        b"\r\n--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        b"The vendor's answer is attached.\r\n"
        b"--b1\r\n" + head + b"\r\n" + body + b"\r\n--b1--\r\n"
    )


def _request(app: App) -> int:
    out = deliver(app, mail(subject="VPN down", message_id="<r-1@customer.test>"))
    assert out.ticket_id is not None
    return out.ticket_id


def _lines(data: bytes) -> list[bytes]:
    """The lines of a mail, whichever line ends it was stored or sent with."""
    return data.replace(b"\r\n", b"\n").rstrip(b"\n").split(b"\n")


def _unfolded(data: bytes) -> bytes:
    """A mail's lines with its headers unfolded (RFC 5322 2.2.3), ends trimmed."""
    return data.replace(b"\r\n", b"\n").replace(b"\n ", b" ").strip()


def _relayed(app: App, raw: bytes) -> tuple[Message, bytes]:
    """The one file of the answer as the requester's client reads it, and the whole mail
    sent; the raw mail the member sent is kept as it came."""
    deliver(app, raw)
    assert inbox_raw(app, inbox_rows(app)[-1].id) == raw  # byte-exact
    [answer] = outbox(app, "ops_reply")
    [part] = list(parsed(answer).iter_attachments())
    return part, answer.raw


@pytest.mark.parametrize(
    ("cte", "body"),
    [
        ("base64", base64.encodebytes(INNER)),
        ("quoted-printable", quopri.encodestring(INNER)),
        ("binary", INNER),
        ("7bit", INNER),
    ],
)
def test_an_attached_mail_reaches_the_requester_as_a_mail(team: App, cte: str, body: bytes) -> None:
    tid = _request(team)
    head = f"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: {cte}\r\n".encode()
    part, sent = _relayed(team, _with_part(team, tid, head, body))
    assert part.get_content_type() == "message/rfc822"
    assert part["Content-Transfer-Encoding"] == "7bit"  # RFC 2046 5.2.1
    [inner] = part.get_payload()
    assert inner["Message-ID"] == "<case-42@vendor.test>"
    assert "a-very-long-message-id-2" in inner["References"]
    assert inner.get_payload() == "The fix is in firmware 2.4.1 = released today.\r\n"
    carried = sent[sent.index(b"\r\nFrom: Vendor") + 2 :].split(b"\r\n--=_gwm_", 1)[0]
    assert b"\n" not in carried.replace(b"\r\n", b"")  # CRLF on the wire, no bare LF
    assert _unfolded(carried) == _unfolded(INNER)  # a long header may come folded


def test_a_download_of_an_encoded_attached_mail_is_the_mail() -> None:
    """The web's download, ``tickets attachment`` and Slack read the same bytes back."""
    for cte, body in (
        ("base64", base64.encodebytes(INNER)),
        ("quoted-printable", quopri.encodestring(INNER)),
    ):
        raw = (
            b"From: a@customer.test\r\nSubject: fw\r\nMIME-Version: 1.0\r\n"
            b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\n'
            b"Content-Type: text/plain\r\n\r\nsee attached\r\n--b1\r\n"
            b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: "
            + cte.encode()
            + b"\r\n\r\n"
            + body
            + b"\r\n--b1--\r\n"
        )
        [listed] = parse_message(raw).attachments
        data = attachment_data(raw, listed.sha256)
        assert data is not None and _lines(data) == _lines(INNER), cte
        assert listed.size == len(data) and listed.filename.endswith(".eml")


def test_a_message_global_keeps_its_utf8_headers(team: App) -> None:
    """RFC 6532: UTF-8 in the headers; base64 is allowed on it, so it may stay so."""
    tid = _request(team)
    inner = (
        "From: サポート <support@vendor.test>\r\nSubject: 接続エラーの原因\r\n\r\n本文です。\r\n"
    )
    data = inner.encode()
    head = b"Content-Type: message/global\r\nContent-Transfer-Encoding: base64\r\n"
    part, _ = _relayed(team, _with_part(team, tid, head, base64.encodebytes(data)))
    assert part.get_content_type() == "message/global"
    assert part["Content-Transfer-Encoding"] == "base64"
    [encoded] = part.get_payload()  # the parser reads the base64 text as a headless mail
    assert _lines(base64.b64decode(encoded.get_payload())) == _lines(data)


def test_an_attached_mail_with_8bit_text_goes_as_an_eml_file(team: App) -> None:
    """Shift_JIS inside cannot be 7bit; 8bit needs a relay with 8BITMIME: it goes base64
    as application/octet-stream under its .eml name, every byte kept."""
    tid = _request(team)
    inner = b"From: v@vendor.test\r\nSubject: x\r\nContent-Type: text/plain; charset=shift_jis\r\n"
    inner += b"Content-Transfer-Encoding: 8bit\r\n\r\n" + "接続できません。\r\n".encode("cp932")
    head = b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n"
    part, _ = _relayed(team, _with_part(team, tid, head, base64.encodebytes(inner)))
    assert part.get_content_type() == "application/octet-stream"
    assert str(part.get_filename()).endswith(".eml")
    assert part.get_payload(decode=True) == inner


def test_a_bounces_headers_encoded_base64_are_read_as_text(team: App) -> None:
    tid = _request(team)
    headers = b"Received: from mx.vendor.test\r\nSubject: VPN down\r\n"
    head = b"Content-Type: text/rfc822-headers\r\nContent-Transfer-Encoding: base64\r\n"
    part, _ = _relayed(team, _with_part(team, tid, head, base64.encodebytes(headers)))
    assert part.get_content_type() == "text/rfc822-headers"
    assert part.get_payload(decode=True) == headers
    assert email.message_from_bytes(headers)["Subject"] == "VPN down"


@pytest.mark.parametrize(
    ("subject", "name"),
    [
        (b"=?UTF-8?B?5o6l57aa44Ko44Op44O844Gu5Y6f5Zug?=", "接続エラーの原因.eml"),  # RFC 2047
        ("Re: 接続エラー/再発".encode(), "Re_ 接続エラー_再発.eml"),  # message/global's UTF-8
        (b"=?ISO-2022-JP?B?GyRCJTUhPCVQGyhC?= down", "サーバ down.eml"),
        (b"../../etc/passwd", "_._etc_passwd.eml"),  # a name, never a path
        (b"", "message-1.eml"),  # no subject: numbered as before
    ],
)
def test_a_nameless_attached_mail_is_named_by_its_subject(subject: bytes, name: str) -> None:
    """Thunderbird names a mail it forwards as an attachment by its subject, and Outlook
    shows an attached item so; Apple Mail and some webmails send it with no name at all,
    which came to the requester as "message-1.eml"."""
    inner = b"From: v@vendor.test\r\nSubject: " + subject + b"\r\n\r\nbody\r\n"
    raw = (
        b"From: a@customer.test\r\nSubject: fw\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\n'
        b"Content-Type: text/plain\r\n\r\nsee attached\r\n--b1\r\n"
        b"Content-Type: message/global\r\n\r\n" + inner + b"\r\n--b1--\r\n"
    )
    [listed] = parse_message(raw).attachments
    assert listed.filename == name
    assert listed.original_filename == ""  # the sender gave none


def test_a_relayed_mail_named_in_japanese_keeps_its_name(team: App) -> None:
    tid = _request(team)
    head = b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n"
    part, sent = _relayed(team, _with_part(team, tid, head, base64.encodebytes(INNER)))
    assert part.get_filename() == "接続エラーの原因.eml"
    named = [line for line in sent.split(b"\r\n") if b"name" in line]
    assert named and max(len(line) for line in named) <= 78  # RFC 2231 / 2047 pieces


def test_an_encoded_attached_mail_listed_before_is_still_found() -> None:
    """A row listed before encoded attached mails were decoded has the SHA-256 of the
    encoded text it was stored as then: its download still finds that, not nothing."""
    encoded = base64.encodebytes(INNER)
    raw = (
        b"From: a@customer.test\r\nSubject: fw\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\n'
        b"Content-Type: text/plain\r\n\r\nsee attached\r\n--b1\r\n"
        b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + encoded
        + b"\r\n--b1--\r\n"
    )
    as_stored_then = b"\n" + encoded  # the headless "mail" the parser made of it
    old = hashlib.sha256(as_stored_then).hexdigest()
    assert attachment_data(raw, old) == as_stored_then
    [listed] = parse_message(raw).attachments
    assert listed.sha256 != old and _lines(attachment_data(raw, listed.sha256) or b"") == _lines(
        INNER
    )


def test_a_forward_attached_base64_names_its_sender() -> None:
    """A member's "forward as attachment" from a client that base64-encodes it: the
    original's sender was not found (a headless mail of base64 text), now it is."""
    raw = (
        b"From: ops@example.test\r\nSubject: Fw: please file\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\n'
        b"Content-Type: text/plain\r\n\r\nPlease file this.\r\n--b1\r\n"
        b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(INNER)
        + b"\r\n--b1--\r\n"
    )
    msg = parse_message(raw)

    def attached(sha256: str) -> ParsedMessage | None:
        data = attachment_data(raw, sha256)
        return parse_message(data) if data is not None else None

    found = find_original(msg, attached)
    assert found is not None and found.how == "attached"
    assert found.sender.email == "support@vendor.test"
    assert found.subject == "接続エラーの原因"


SIGNED = (  # an ASCII mail a vendor DKIM-signed (simple/simple): every byte counts
    b"DKIM-Signature: v=1; a=rsa-sha256; c=simple/simple; d=vendor.test; s=sel;\r\n"
    b"\th=From:Subject; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n"
    b"\tb=c2lnbmF0dXJlIGJ5dGVzIHRoYXQgYSB2ZXJpZmllciB3b3VsZCBjaGVjaw==\r\n"
    b"From: Vendor <support@vendor.test>\r\n"
    b"Subject:no space after the colon\r\n"
    b"\r\n"
    b"The fix is in firmware 2.4.1.\r\n"
)


@pytest.mark.parametrize(
    ("inner", "cte"),
    [
        (SIGNED, b"7bit"),
        (SIGNED + b"\r\n", b"7bit"),  # a blank last line
        (SIGNED.rstrip(b"\r\n"), b"7bit"),  # no line end before the delimiter's
        (SIGNED + "接続\r\n".encode(), b"8bit"),  # 8-bit: an .eml file, base64
    ],
)
def test_a_relayed_attached_mail_carries_the_bytes_attached(
    team: App, inner: bytes, cte: bytes
) -> None:
    """The requester's client reads the very bytes the member attached (a 7bit part's
    CRLF before the delimiter is the delimiter's: none is added to the mail)."""
    tid = _request(team)
    head = b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: " + cte + b"\r\n"
    part, sent = _relayed(team, _with_part(team, tid, head, inner))
    if cte == b"7bit":
        start = sent.index(b"DKIM-Signature:")
        assert sent[start : sent.index(b"\r\n--=_gwm_", start)] == inner
    else:
        assert part.get_content_type() == "application/octet-stream"
        assert part.get_payload(decode=True) == inner
