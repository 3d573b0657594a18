"""An opaque-signed S/MIME mail (``application/pkcs7-mime; smime-type=signed-data``,
what Outlook sends when "send clear text signed message" is off) carries its words
inside the signature's DER/BER wrapping, unencrypted: every mail client shows them.
It was read as an unreadable blob, and the ticket said the mail was *encrypted* and
could not be read. Its signed content is now walked as the message's body (the
signature is not checked, as for multipart/signed) and ``smime.p7m`` is kept as an
attachment; an enveloped (encrypted) one and a broken blob stay as they were."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from gateway.pipeline.parse.attachment_data import attachments_data
from gateway.pipeline.parse.message import parse_message
from gateway.pipeline.parse.smime import signed_content
from gateway.runtime.app import App
from tests.support.pipeline import deliver, show

DATA = Path(__file__).parent / "data" / "smime"
# made with `openssl smime -sign -nodetach -outform DER` (definite lengths) and
# `openssl cms -sign -nodetach -stream -outform DER` (BER: indefinite lengths, the
# content in octet-string chunks, as Outlook writes it)
FIXTURES = ["opaque-signed-der.eml", "opaque-signed-ber.eml"]


@pytest.mark.parametrize("name", FIXTURES)
def test_the_signed_words_and_files_are_read(name: str) -> None:
    raw = (DATA / name).read_bytes()
    msg = parse_message(raw)
    assert msg.subject == "プリンター"
    assert msg.text == "プリンターが動きません。\n山田"
    assert [(a.filename, a.content_type) for a in msg.attachments] == [
        ("quote.pdf", "application/pdf"),
        ("smime.p7m", "application/x-pkcs7-mime"),
    ]
    assert any("opaque-signed" in d for d in msg.defects)
    files = attachments_data(raw, [a.sha256 for a in msg.attachments])
    assert files[msg.attachments[0].sha256] == b"%PDF-1.4\n"  # downloadable, as sent


@pytest.mark.parametrize("name", FIXTURES)
def test_the_ticket_shows_the_words_not_the_encrypted_line(app: App, name: str) -> None:
    outcome = deliver(app, (DATA / name).read_bytes(), envelope_to=("support@example.test",))
    assert outcome.ticket_id is not None
    shown: dict[str, Any] = show(app, outcome.ticket_id)
    text = shown["messages"][0]["text"]
    assert text.startswith("プリンターが動きません。")
    assert "encrypted" not in text and "暗号化" not in text


def _opaque(payload: bytes, smime_type: str = "signed-data") -> bytes:
    body = base64.encodebytes(payload).decode()
    return (
        "From: a@customer.test\nTo: support@example.test\nSubject: s\n"
        "Message-ID: <o1@customer.test>\nMIME-Version: 1.0\n"
        f'Content-Type: application/pkcs7-mime; smime-type={smime_type}; name="smime.p7m"\n'
        f"Content-Transfer-Encoding: base64\n\n{body}"
    ).encode()


@pytest.mark.parametrize(
    "payload",
    [
        b"\x30\x80opaque",  # an indefinite length that never ends
        b"\x30\x82\x01\x00" * 64,  # lengths past the end
        b"",  # nothing
        b"\x30\x03\x06\x01\x00",  # a sequence of another type
        b"\x30" + b"\x80\x30" * 5000,  # nested past any depth a signature has
    ],
    ids=["unterminated", "overlong", "empty", "other-oid", "deep"],
)
def test_a_broken_blob_is_kept_as_it_came(payload: bytes) -> None:
    assert signed_content(payload) is None
    msg = parse_message(_opaque(payload))
    assert msg.text == ""
    assert [a.content_type for a in msg.attachments] == ["application/pkcs7-mime"]


def test_an_enveloped_mail_is_not_opened() -> None:
    """The same bytes under the EnvelopedData OID (1.2.840.113549.1.7.3)."""
    signed = bytes.fromhex("06092a864886f70d010702")
    der = signed_content_fixture().replace(signed, signed[:-1] + b"\x03", 1)
    msg = parse_message(_opaque(der, "enveloped-data"))
    assert msg.text == ""
    assert [a.filename for a in msg.attachments] == ["smime.p7m"]
    assert "mime: S/MIME data that cannot be read here (enveloped-data); kept as is" in msg.defects


def test_a_pgp_encrypted_mail_is_noted() -> None:
    raw = (
        "From: a@customer.test\nTo: support@example.test\nSubject: s\nMIME-Version: 1.0\n"
        'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary=b\n\n'
        "--b\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n"
        "--b\nContent-Type: application/octet-stream\n\n-----BEGIN PGP MESSAGE-----\n"
        "hQEMA5\n-----END PGP MESSAGE-----\n--b--\n"
    )
    msg = parse_message(raw.encode())
    assert msg.text == ""
    assert len(msg.attachments) == 2
    assert "mime: encrypted (multipart/encrypted); its parts kept as they are" in msg.defects


def test_a_p7m_attached_beside_words_stays_a_file() -> None:
    """An Italian e-invoice (``fattura.xml.p7m``) or a signed document sent as a file:
    its content is the file's, not the mail's words."""
    der = base64.encodebytes(signed_content_fixture()).decode()
    raw = (
        "From: a@customer.test\nTo: support@example.test\nSubject: invoice\n"
        'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n'
        "--b\nContent-Type: text/plain\n\nThe invoice is attached.\n"
        '--b\nContent-Type: application/pkcs7-mime; smime-type=signed-data; name="f.xml.p7m"\n'
        f"Content-Transfer-Encoding: base64\n\n{der}--b--\n"
    ).encode()
    msg = parse_message(raw)
    assert msg.text == "The invoice is attached."
    assert [a.filename for a in msg.attachments] == ["f.xml.p7m"]


def signed_content_fixture() -> bytes:
    """The DER of the definite-length fixture."""
    raw = (DATA / "opaque-signed-der.eml").read_bytes()
    return base64.b64decode(raw.split(b"\r\n\r\n", 1)[1])


def _der(tag: int, content: bytes) -> bytes:
    size = len(content).to_bytes(4, "big")
    return bytes([tag, 0x84]) + size + content


def test_a_big_signed_mail_is_read_whole_not_from_its_slim_copy() -> None:
    """Over SLIM_ABOVE the blob is hashed ahead (:mod:`.slim`), where it cannot be
    opened: the whole message is parsed, so its words are not lost."""
    pdf = base64.encodebytes(b"%PDF" + bytes(range(256)) * 6000).decode()
    inner = (
        'Content-Type: multipart/mixed; boundary="in"\n\n--in\nContent-Type: text/plain\n\n'
        "Big scan attached.\n--in\nContent-Type: application/pdf; name=scan.pdf\n"
        f"Content-Transfer-Encoding: base64\n\n{pdf}--in--\n"
    ).encode()
    oid = bytes.fromhex("06092a864886f70d0107")
    encap = _der(0x30, oid + b"\x01" + _der(0xA0, _der(0x04, inner)))
    signed = _der(0x30, b"\x02\x01\x01" + b"\x31\x00" + encap + b"\x31\x00")
    raw = _opaque(_der(0x30, oid + b"\x02" + _der(0xA0, signed)))
    msg = parse_message(raw)
    assert msg.text == "Big scan attached."
    assert [a.filename for a in msg.attachments] == ["scan.pdf", "smime.p7m"]
    assert msg == parse_message(raw, slim_above=None)
